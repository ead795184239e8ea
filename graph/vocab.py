"""Our small RDF vocabulary, and the relation types as rdflib terms.

The relation types are declared once, in :data:`ingest.relation_types.RELATION_TYPES`
(id, predicate as a CURIE, wording, colours); ``RELATIONS`` is that table with the
predicates made rdflib terms, which the RDF builder, the concept graph and the API read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from ingest.relation_types import RELATION_TYPES

KG_NS = "https://kg.example/vocab#"


class KG(DefinedNamespace):
    """Terms of the kg vocabulary; unknown attributes raise (``_fail``) to catch typos."""

    _NS = Namespace(KG_NS)
    _fail = True

    # Classes
    Note: URIRef
    Section: URIRef
    Relation: URIRef

    # The relation predicates are in RELATIONS (from ingest.relation_types), not here.

    # Reified relation statements and provenance
    relationType: URIRef
    weight: URIRef
    confidence: URIRef
    evidence: URIRef
    evidenceText: URIRef
    line: URIRef
    explicit: URIRef
    linkLabel: URIRef

    # Note / section structure
    path: URIRef
    anchor: URIRef
    breadcrumb: URIRef
    level: URIRef
    startLine: URIRef
    endLine: URIRef
    section: URIRef
    inNote: URIRef
    parentSection: URIRef
    linksTo: URIRef

    # Concept provenance
    definedIn: URIRef
    mentionedIn: URIRef
    definitionLine: URIRef
    definitionPath: URIRef


@dataclass(frozen=True, slots=True)
class RelationSpec:
    """One relation type with its predicate as an rdflib term (the rest as declared in
    :data:`ingest.relation_types.RELATION_TYPES`)."""

    id: str
    predicate: URIRef
    label: str
    inverse_label: str
    description: str
    colour: str
    colour_dark: str
    dash: str
    hierarchical: bool = False
    co_mention: bool = False


_PREFIXES = {"skos": str(SKOS), "kg": KG_NS}


def _expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    return URIRef(_PREFIXES[prefix] + local)


# Ordered as RELATION_TYPES: strongest first.
RELATIONS: dict[str, RelationSpec] = {
    name: RelationSpec(
        id=name,
        predicate=_expand(spec.predicate),
        label=spec.label,
        inverse_label=spec.inverse_label,
        description=spec.description,
        colour=spec.colour,
        colour_dark=spec.colour_dark,
        dash=spec.dash,
        hierarchical=name == "broader",
        co_mention=name == "related",
    )
    for name, spec in RELATION_TYPES.items()
}

# Reverse lookup used when reading a dataset back.
PREDICATE_TO_RELATION: dict[URIRef, str] = {
    spec.predicate: name for name, spec in RELATIONS.items()
}

# Rank of a relation type (0 = strongest), used to order API results.
RELATION_RANK: dict[str, int] = {name: rank for rank, name in enumerate(RELATIONS)}


def relation_types() -> list[dict[str, Any]]:
    """The relation types as plain dicts for the API: id, label, inverseLabel,
    description, predicate, and how the explorer draws them (colour per scheme, dash)."""
    return [
        {
            "id": spec.id,
            "label": spec.label,
            "inverseLabel": spec.inverse_label,
            "description": spec.description,
            "predicate": str(spec.predicate),
            "colour": {"light": spec.colour, "dark": spec.colour_dark},
            "dash": spec.dash,
        }
        for spec in RELATIONS.values()
    ]


def relation_stylesheet() -> str:
    """The explorer's relation colours and dash patterns as CSS, from the table: a custom
    property per type and scheme, and a ``.rel-<id>`` class setting ``--c`` and
    ``--dash`` (read by edges, legend, swatches and lists in site.css)."""
    light = " ".join(f"--r-{s.id}: {s.colour};" for s in RELATIONS.values())
    dark = " ".join(f"--r-{s.id}: {s.colour_dark};" for s in RELATIONS.values())
    classes = "\n".join(
        f".rel-{s.id} {{ --c: var(--r-{s.id}); --dash: {s.dash}; }}" for s in RELATIONS.values()
    )
    return (
        f":root {{ {light} }}\n"
        f"@media (prefers-color-scheme: dark) {{ :root {{ {dark} }} }}\n{classes}\n"
    )


_TERM_DOCS: dict[str, tuple[str, str]] = {
    "Note": ("note", "A study note file (markdown or plain text)."),
    "Section": ("section", "A heading of a note and the body under it."),
    "Relation": (
        "relation",
        "A typed relation as one note states it, reified with its weight and evidence.",
    ),
    "relationType": ("relation type", "The relation type name of a reified relation occurrence."),
    "weight": (
        "weight",
        "Strength of a relation in one note (the sum over the places it is "
        "stated); an edge's weight sums the notes.",
    ),
    "confidence": (
        "confidence",
        "How far a relation as one note states it is to be believed, "
        "in [0, 1], from the patterns that read it; an edge combines its notes' "
        "values as a noisy-or.",
    ),
    "evidence": ("evidence", "A place a relation was read: its sentence, line and section."),
    "evidenceText": ("evidence text", "The sentence the relation or definition was read from."),
    "line": ("line", "1-based line number in the note where the evidence was read."),
    "explicit": (
        "explicit",
        "True when the author wrote the relation as a link (a wikilink, "
        "an inline field, a front matter key, a markdown link): an assertion, "
        "never a co-mention.",
    ),
    "linkLabel": (
        "link label",
        "The field name an explicit relation was written with "
        "when it is no relation type (owner:: [[Team]]).",
    ),
    "linksTo": ("links to", "A section (or note) links to another note or section of one."),
    "path": ("path", "Path of the note relative to the ingested folder (POSIX form)."),
    "anchor": ("anchor", "GitHub-style anchor of a section heading."),
    "breadcrumb": (
        "breadcrumb",
        "The heading titles from the note root to a section, ' > '-joined.",
    ),
    "level": ("level", "Heading level of a section."),
    "startLine": ("start line", "First line (1-based, inclusive) of a section or note."),
    "endLine": ("end line", "Last line (1-based, inclusive) of a section or note."),
    "section": ("section", "A section of the note."),
    "inNote": ("in note", "The note a section belongs to."),
    "parentSection": ("parent section", "The enclosing section of a section."),
    "definedIn": ("defined in", "A section where the concept is defined (its heading names it)."),
    "mentionedIn": ("mentioned in", "A section where the concept is mentioned."),
    "definitionLine": ("definition line", "Line of the note where the skos:definition was read."),
    "definitionPath": ("definition path", "Note path where the skos:definition was read."),
}


def vocabulary_graph() -> Graph:
    """The vocabulary itself as RDF (labels and comments), so it is documented and exportable."""
    g = Graph()
    bind_prefixes(g)
    ns = URIRef(KG_NS.rstrip("#"))
    g.add((ns, RDF.type, OWL.Ontology))
    g.add((ns, DCTERMS.title, Literal("kg vocabulary", lang="en")))
    g.add(
        (
            ns,
            RDFS.comment,
            Literal(
                "Terms for notes, sections and typed relations between SKOS concepts "
                "extracted from study notes.",
                lang="en",
            ),
        )
    )
    classes = {"Note", "Section", "Relation"}
    for name, (label, comment) in _TERM_DOCS.items():
        term: URIRef = getattr(KG, name)  # KG[name]; mypy reads a class subscript as generic
        g.add((term, RDF.type, OWL.Class if name in classes else RDF.Property))
        g.add((term, RDFS.label, Literal(label, lang="en")))
        g.add((term, RDFS.comment, Literal(comment, lang="en")))
        g.add((term, RDFS.isDefinedBy, ns))
    g.add((KG.Relation, RDFS.subClassOf, RDF.Statement))
    for spec in RELATIONS.values():
        if not str(spec.predicate).startswith(KG_NS):
            continue
        g.add((spec.predicate, RDF.type, OWL.ObjectProperty))
        g.add((spec.predicate, RDFS.label, Literal(spec.label, lang="en")))
        g.add((spec.predicate, RDFS.comment, Literal(spec.description, lang="en")))
        g.add((spec.predicate, RDFS.domain, SKOS.Concept))
        g.add((spec.predicate, RDFS.range, SKOS.Concept))
        g.add((spec.predicate, RDFS.isDefinedBy, ns))
    g.add((KG.definedIn, RDFS.subPropertyOf, KG.mentionedIn))
    return g


def bind_prefixes(g: Graph) -> None:
    """Bind the prefixes we use explicitly, so exports read the same everywhere."""
    g.bind("skos", SKOS, override=True, replace=True)
    g.bind("kg", Namespace(KG_NS), override=True, replace=True)
    g.bind("prov", PROV, override=True, replace=True)
    g.bind("dcterms", DCTERMS, override=True, replace=True)
    g.bind("rdfs", RDFS, override=True, replace=True)
    g.bind("owl", OWL, override=True, replace=True)
