"""Our small RDF vocabulary and the one table mapping relation types to predicates.

Everything else (the RDF builder, the in-memory concept graph, the API) reads relation
predicates, labels and descriptions from ``RELATIONS`` so that a new relation type is
added in exactly one place (plus ``ingest.model.RELATION_TYPES``, which it mirrors).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from ingest.model import RELATION_TYPES

KG_NS = "https://kg.example/vocab#"


class KG(DefinedNamespace):
    """Terms of the kg vocabulary; unknown attributes raise (``_fail``) to catch typos."""

    _NS = Namespace(KG_NS)
    _fail = True

    # Classes
    Note: URIRef
    Section: URIRef
    Relation: URIRef

    # Relation predicates (broader/related are SKOS)
    manages: URIRef
    uses: URIRef
    runsOn: URIRef
    routesTo: URIRef
    contains: URIRef
    selects: URIRef
    hasProperty: URIRef
    hasValue: URIRef
    inNamespace: URIRef
    leadsTo: URIRef

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
    """One relation type: its id (as ingest emits it), predicate and human wording."""

    id: str
    predicate: URIRef
    label: str
    description: str
    hierarchical: bool = False
    co_mention: bool = False


_PREDICATES: dict[str, URIRef] = {
    "broader": SKOS.broader,
    "related": SKOS.related,
    "leadsTo": KG.leadsTo,
    "manages": KG.manages,
    "uses": KG.uses,
    "runsOn": KG.runsOn,
    "routesTo": KG.routesTo,
    "contains": KG.contains,
    "selects": KG.selects,
    "hasProperty": KG.hasProperty,
    "hasValue": KG.hasValue,
    "inNamespace": KG.inNamespace,
}

_LABELS: dict[str, str] = {
    "broader": "is a kind of",
    "related": "mentioned with",
    "leadsTo": "leads to",
    "manages": "manages",
    "uses": "uses",
    "runsOn": "runs on",
    "routesTo": "routes to",
    "contains": "contains",
    "selects": "selects",
    "hasProperty": "has property",
    "hasValue": "has value",
    "inNamespace": "in namespace",
}

# Ordered as RELATION_TYPES: strongest first. A type ingest adds before it is declared
# here still gets a kg: predicate (so nothing crashes at import);
# tests/test_graph.py fails until it is declared properly in KG and the tables above.
RELATIONS: dict[str, RelationSpec] = {
    name: RelationSpec(
        id=name,
        predicate=_PREDICATES.get(name, URIRef(KG_NS + name)),
        label=_LABELS.get(name, name),
        description=description,
        hierarchical=name == "broader",
        co_mention=name == "related",
    )
    for name, description in RELATION_TYPES.items()
}

# Reverse lookup used when reading a dataset back.
PREDICATE_TO_RELATION: dict[URIRef, str] = {spec.predicate: name for name, spec in RELATIONS.items()}

# Rank of a relation type (0 = strongest), used to order API results.
RELATION_RANK: dict[str, int] = {name: rank for rank, name in enumerate(RELATIONS)}


def relation_types() -> list[dict[str, str]]:
    """The relation types as plain dicts (id, label, description, predicate) for the API."""
    return [
        {
            "id": spec.id,
            "label": spec.label,
            "description": spec.description,
            "predicate": str(spec.predicate),
        }
        for spec in RELATIONS.values()
    ]


_TERM_DOCS: dict[str, tuple[str, str]] = {
    "Note": ("note", "A study note file (markdown or plain text)."),
    "Section": ("section", "A heading of a note and the body under it."),
    "Relation": ("relation", "A typed relation as one note states it, reified with its weight "
                 "and evidence."),
    "relationType": ("relation type", "The relation type name of a reified relation occurrence."),
    "weight": ("weight", "Strength of a relation in one note (the sum over the places it is "
               "stated); an edge's weight sums the notes."),
    "confidence": ("confidence", "How far a relation as one note states it is to be believed, "
                   "in [0, 1], from the patterns that read it; an edge combines its notes' "
                   "values as a noisy-or."),
    "evidence": ("evidence", "A place a relation was read: its sentence, line and section."),
    "evidenceText": ("evidence text", "The sentence the relation or definition was read from."),
    "line": ("line", "1-based line number in the note where the evidence was read."),
    "explicit": ("explicit", "True when the author wrote the relation as a link (a wikilink, "
                 "an inline field, a front matter key, a markdown link): an assertion, "
                 "never a co-mention."),
    "linkLabel": ("link label", "The field name an explicit relation was written with "
                  "when it is no relation type (owner:: [[Team]])."),
    "linksTo": ("links to", "A section (or note) links to another note or section of one."),
    "path": ("path", "Path of the note relative to the ingested folder (POSIX form)."),
    "anchor": ("anchor", "GitHub-style anchor of a section heading."),
    "breadcrumb": ("breadcrumb", "The heading titles from the note root to a section, ' > '-joined."),
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
    g.add((ns, RDFS.comment, Literal(
        "Terms for notes, sections and typed relations between SKOS concepts "
        "extracted from study notes.", lang="en")))
    classes = {"Note", "Section", "Relation"}
    for name, (label, comment) in _TERM_DOCS.items():
        term = KG[name]
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


def vocabulary_turtle() -> str:
    """The vocabulary serialised as Turtle."""
    return vocabulary_graph().serialize(format="turtle")
