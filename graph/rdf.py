"""Corpus -> SKOS/RDF dataset, with one named graph per note.

Why a named graph per note: re-ingesting or deleting a note must replace exactly what
that note said, so every triple a note contributes (its sections, the concepts it
defines or mentions, the relations read in it) lives in the graph named by the note
URI, and a concept mentioned in two notes is declared in both. The scheme graph
(``{base}scheme``) holds only what depends on the whole corpus (top concepts) and is
recomputed by :func:`write_scheme`.

No blank nodes are minted: reified relation occurrences get IRIs from a hash of their
content, so graphs compare by plain set equality and survive any serialisation.

Persistence is N-Quads. Measured on this 2-core machine with a synthetic corpus of
200 notes / 2,000 concepts / ~5,800 relation occurrences = 144k quads
(``python -m graph.bench``), best of 3::

    build corpus_to_dataset                          2.7 s
    save  rdflib nquads serializer                   0.85 s   <- used
    save  pyoxigraph serializer (+ term conversion)  1.04 s
    load  rdflib nquads parser                       5.85 s
    load  pyoxigraph parser + memoised conversion    2.73 s   <- used (2.1x)
          (parse ~0.4 s, term conversion ~0.2 s, the rest is Memory store indexing)

Most of any load is rdflib's Memory store indexing each triple, which a faster parser
cannot avoid; an Oxigraph-backed store (oxrdflib) would load in ~0.4 s but types plain
literals as xsd:string and makes ``len()`` slow, so the public face stays an in-memory
``rdflib.Dataset``. pyoxigraph is optional: without it load falls back to rdflib.
The API does not load the dataset at all: it serves from ``ConceptGraph`` JSON.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

from rdflib import (
    DCTERMS,
    PROV,
    RDF,
    SKOS,
    XSD,
    BNode,
    Dataset,
    Graph,
    Literal,
    URIRef,
)
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from ingest.model import Concept, Corpus, Note, Relation, Section

from .vocab import KG, RELATIONS, bind_prefixes

try:  # pyoxigraph makes N-Quads load/save 3-4x faster; optional.
    import pyoxigraph as _ox
except ImportError:  # pragma: no cover - exercised only without pyoxigraph
    _ox = None

Quad = tuple[Node, Node, Node, Graph]
MAX_EVIDENCE = 5  # evidence nodes kept per relation statement (per note); weight counts all
MAX_CO_MENTION_EVIDENCE = 1  # "mentioned together" is the weakest kind: one example per note

# Export formats: name -> (rdflib format, mimetype, keeps named graphs).
FORMATS: dict[str, tuple[str, str, bool]] = {
    "turtle": ("turtle", "text/turtle", False),
    "ntriples": ("nt", "application/n-triples", False),
    "nquads": ("nquads", "application/n-quads", True),
    "trig": ("trig", "application/trig", True),
    "json-ld": ("json-ld", "application/ld+json", True),
    "xml": ("xml", "application/rdf+xml", False),
}

# Characters that may not appear unescaped in an IRI (RFC 3987) or that would end the
# fragment early; everything else, Hangul included, is kept readable.
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|\\^`#%]')


def _iri_escape(text: str) -> str:
    return _IRI_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), text)


def concept_uri(base_uri: str, concept_id: str) -> URIRef:
    """IRI of a concept: ``{base}concept/{id}``."""
    return URIRef(f"{base_uri}concept/{_iri_escape(concept_id)}")


def note_uri(base_uri: str, path: str) -> URIRef:
    """IRI of a note (and of its named graph): ``{base}note/{url-quoted path}``."""
    return URIRef(f"{base_uri}note/{quote(path, safe='/')}")


def section_uri(base_uri: str, path: str, anchor: str) -> URIRef:
    """IRI of a section: ``{note uri}#{anchor}``."""
    return URIRef(f"{note_uri(base_uri, path)}#{_iri_escape(anchor)}")


def scheme_uri(base_uri: str) -> URIRef:
    """IRI of the concept scheme and of the graph that holds it."""
    return URIRef(f"{base_uri}scheme")


def concept_id_from_uri(base_uri: str, uri: str) -> str | None:
    """Inverse of :func:`concept_uri`; None for IRIs that are not our concepts."""
    prefix = f"{base_uri}concept/"
    if not uri.startswith(prefix):
        return None
    return unquote(uri[len(prefix):])


def _lang_literal(text: str, lang: str = "en") -> Literal:
    """English-tagged literal for ASCII text; untagged otherwise (we can't know the language)."""
    return Literal(text, lang=lang) if text.isascii() else Literal(text)


def _section_at(note: Note, line: int) -> Section | None:
    """The innermost section of ``note`` whose lines contain ``line``."""
    best: Section | None = None
    for section in note.sections:
        if section.line <= line <= section.end_line:
            if best is None or section.line >= best.line:
                best = section
    return best


def _relation_uri(base_uri: str, rel: Relation, occurrence: int) -> URIRef:
    ev = rel.evidence
    key = "\x1f".join(
        [rel.source, rel.type, rel.target, ev.path, str(ev.line), ev.text, str(occurrence)]
    )
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]
    return URIRef(f"{base_uri}relation/{digest}")


# Terms the builder writes, resolved once (a DefinedNamespace attribute lookup costs
# microseconds, and a build writes a million quads).
_DCTERMS_subject = DCTERMS.subject
_DCTERMS_title = DCTERMS.title
_KG_Note = KG.Note
_KG_Relation = KG.Relation
_KG_Section = KG.Section
_KG_anchor = KG.anchor
_KG_breadcrumb = KG.breadcrumb
_KG_definedIn = KG.definedIn
_KG_definitionLine = KG.definitionLine
_KG_definitionPath = KG.definitionPath
_KG_endLine = KG.endLine
_KG_evidence = KG.evidence
_KG_evidenceText = KG.evidenceText
_KG_inNote = KG.inNote
_KG_level = KG.level
_KG_line = KG.line
_KG_mentionedIn = KG.mentionedIn
_KG_parentSection = KG.parentSection
_KG_path = KG.path
_KG_relationType = KG.relationType
_KG_section = KG.section
_KG_startLine = KG.startLine
_KG_weight = KG.weight
_PROV_wasDerivedFrom = PROV.wasDerivedFrom
_RDF_Statement = RDF.Statement
_RDF_object = RDF.object
_RDF_predicate = RDF.predicate
_RDF_subject = RDF.subject
_RDF_type = RDF.type
_SKOS_Concept = SKOS.Concept
_SKOS_ConceptScheme = SKOS.ConceptScheme
_SKOS_altLabel = SKOS.altLabel
_SKOS_broader = SKOS.broader
_SKOS_definition = SKOS.definition
_SKOS_hasTopConcept = SKOS.hasTopConcept
_SKOS_inScheme = SKOS.inScheme
_SKOS_narrower = SKOS.narrower
_SKOS_prefLabel = SKOS.prefLabel
_SKOS_topConceptOf = SKOS.topConceptOf


class _Sink:
    """Where one note's triples go: ``add`` appends quads to the builder's list."""

    __slots__ = ("name", "quads")

    def __init__(self, name: URIRef, quads: list[tuple[Node, Node, Node, URIRef]]) -> None:
        self.name = name
        self.quads = quads

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        self.quads.append((*triple, self.name))


class _Builder:
    """Collects the quads of one corpus; a class only to share the lookup tables.

    Quads are plain tuples, not an rdflib store: on 500 docs pages (~600k quads) adding
    them one by one to rdflib's Memory store took over a minute; building a list and
    writing N-Quads takes seconds.
    """

    def __init__(self, corpus: Corpus, base_uri: str) -> None:
        self.corpus = corpus
        self.base = base_uri
        self.quads: list[tuple[Node, Node, Node, URIRef]] = []
        self.notes: dict[str, Note] = {note.path: note for note in corpus.notes}
        # A concept is in the graph iff it has a section in a note of this corpus.
        self.present: set[str] = {
            cid
            for cid, concept in corpus.concepts.items()
            if any(path in self.notes for path, _ in concept.sections)
        }
        self.scheme = scheme_uri(base_uri)
        self.graphs: dict[str, _Sink] = {}
        self.literals: dict[tuple[type, object], Literal] = {}
        self.sections: dict[str, list[Section]] = {
            note.path: sorted(note.sections, key=lambda sec: sec.line) for note in corpus.notes}

    def literal(self, value: object) -> Literal:
        """A plain literal, shared: paths, line numbers and sentences repeat across quads,
        and building an rdflib Literal costs several microseconds."""
        key = (type(value), value)
        found = self.literals.get(key)
        if found is None:
            found = self.literals[key] = Literal(value)
        return found

    def graph(self, path: str) -> _Sink:
        graph = self.graphs.get(path)
        if graph is None:
            graph = self.graphs[path] = _Sink(note_uri(self.base, path), self.quads)
        return graph

    def build(self) -> None:
        declared: set[tuple[str, str]] = set()  # (path, concept id) already declared
        for note in self.corpus.notes:
            self.add_note(note)
        for cid in sorted(self.present):
            concept = self.corpus.concepts[cid]
            for path, anchor in concept.sections:
                if path not in self.notes:
                    continue
                note = self.notes[path]
                self.declare(concept, path, declared)
                sec = section_uri(self.base, path, anchor)
                defines = any(s.anchor == anchor and s.concept == cid for s in note.sections)
                self.graph(path).add(
                    (concept_uri(self.base, cid), _KG_definedIn if defines else _KG_mentionedIn, sec)
                )
            ev = concept.definition
            if ev is not None and ev.path in self.notes:
                self.declare(concept, ev.path, declared)
                g = self.graph(ev.path)
                uri = concept_uri(self.base, cid)
                g.add((uri, _SKOS_definition, _lang_literal(ev.text)))
                g.add((uri, _KG_definitionPath, self.literal(ev.path)))
                g.add((uri, _KG_definitionLine, self.literal(ev.line)))
        grouped: dict[tuple[str, str, str, str], list[Relation]] = {}
        for rel in self.corpus.relations:
            if rel.evidence.path not in self.notes:
                continue
            if rel.source not in self.present or rel.target not in self.present:
                continue
            if rel.type not in RELATIONS:
                continue
            for cid in (rel.source, rel.target):
                self.declare(self.corpus.concepts[cid], rel.evidence.path, declared)
            key = (rel.evidence.path, rel.source, rel.type, rel.target)
            grouped.setdefault(key, []).append(rel)
        for key in sorted(grouped):
            self.add_relation(key, grouped[key])
        self.quads.extend(_scheme_quads(self.quads, self.base))

    def add_note(self, note: Note) -> None:
        g = self.graph(note.path)
        uri = note_uri(self.base, note.path)
        g.add((uri, _RDF_type, _KG_Note))
        g.add((uri, _DCTERMS_title, self.literal(note.title)))
        g.add((uri, _KG_path, self.literal(note.path)))
        if note.lines:
            g.add((uri, _KG_startLine, self.literal(1)))
            g.add((uri, _KG_endLine, self.literal(note.lines)))
        for tag in note.tags:
            g.add((uri, _DCTERMS_subject, self.literal(tag)))
        for section in note.sections:
            sec = section_uri(self.base, note.path, section.anchor)
            g.add((uri, _KG_section, sec))
            g.add((sec, _RDF_type, _KG_Section))
            g.add((sec, _KG_inNote, uri))
            g.add((sec, _DCTERMS_title, self.literal(section.title)))
            g.add((sec, _KG_anchor, self.literal(section.anchor)))
            g.add((sec, _KG_path, self.literal(note.path)))
            g.add((sec, _KG_breadcrumb, self.literal(" > ".join(section.breadcrumb))))
            g.add((sec, _KG_level, self.literal(section.level)))
            g.add((sec, _KG_startLine, self.literal(section.line)))
            g.add((sec, _KG_endLine, self.literal(section.end_line)))
            if section.parent:
                g.add((sec, _KG_parentSection, section_uri(self.base, note.path, section.parent)))

    def declare(self, concept: Concept, path: str, declared: set[tuple[str, str]]) -> None:
        """Put the concept's type and labels into the note's graph (once per note)."""
        if (path, concept.id) in declared:
            return
        declared.add((path, concept.id))
        g = self.graph(path)
        uri = concept_uri(self.base, concept.id)
        g.add((uri, _RDF_type, _SKOS_Concept))
        g.add((uri, _SKOS_inScheme, self.scheme))
        g.add((uri, _SKOS_prefLabel, Literal(concept.label, lang="en")))
        for lang, label in sorted(concept.translations.items()):
            if lang != "en":
                g.add((uri, _SKOS_prefLabel, Literal(label, lang=lang)))
        for alt in sorted(concept.alt_labels):
            if alt != concept.label:
                g.add((uri, _SKOS_altLabel, _lang_literal(alt)))

    def add_relation(self, key: tuple[str, str, str, str], occurrences: list[Relation]) -> None:
        """One statement per (note, source, type, target): its weight sums the note's
        occurrences, and it keeps the first MAX_EVIDENCE of them as evidence nodes."""
        path, source, rtype, target = key
        g = self.graph(path)
        spec = RELATIONS[rtype]
        src = concept_uri(self.base, source)
        dst = concept_uri(self.base, target)
        g.add((src, spec.predicate, dst))
        if spec.hierarchical:
            g.add((dst, _SKOS_narrower, src))
        node = _statement_uri(self.base, key)
        g.add((node, _RDF_type, _KG_Relation))  # kg:Relation is an rdf:Statement
        g.add((node, _RDF_subject, src))
        g.add((node, _RDF_predicate, spec.predicate))
        g.add((node, _RDF_object, dst))
        g.add((node, _KG_weight, Literal(round(sum(r.weight for r in occurrences), 6))))
        g.add((node, _KG_path, self.literal(path)))
        places = sorted({(r.evidence.line, r.evidence.text) for r in occurrences})
        keep = MAX_CO_MENTION_EVIDENCE if spec.co_mention else MAX_EVIDENCE
        for number, (line, text) in enumerate(places[:keep]):
            evidence = URIRef(f"{node}-e{number}")
            section = _section_at_sorted(self.sections[path], line)
            origin = (section_uri(self.base, path, section.anchor) if section is not None
                      else note_uri(self.base, path))
            g.add((node, _KG_evidence, evidence))
            g.add((evidence, _KG_evidenceText, self.literal(text)))
            g.add((evidence, _KG_line, self.literal(line)))
            g.add((evidence, _PROV_wasDerivedFrom, origin))


def _statement_uri(base_uri: str, key: tuple[str, str, str, str]) -> URIRef:
    digest = hashlib.sha1("\x1f".join(key).encode("utf-8")).hexdigest()[:20]
    return URIRef(f"{base_uri}relation/{digest}")


def _section_at_sorted(sections: list[Section], line: int) -> Section | None:
    """The innermost section starting at or before ``line`` (sections sorted by line)."""
    index = bisect.bisect_right([s.line for s in sections], line) - 1
    while index >= 0:
        if sections[index].line <= line <= sections[index].end_line:
            return sections[index]
        index -= 1
    return None


def _scheme_quads(quads: list[tuple[Node, Node, Node, URIRef]], base_uri: str
                  ) -> list[tuple[Node, Node, Node, URIRef]]:
    """The scheme graph: the scheme and its top concepts (those with no broader)."""
    scheme = scheme_uri(base_uri)
    # identity: every quad here was made by the builder from these very term objects
    concepts = {s for s, p, o, _ in quads if p is _RDF_type and o is _SKOS_Concept}
    has_broader = {s for s, p, _, _ in quads if p is _SKOS_broader}
    out = [(scheme, _RDF_type, _SKOS_ConceptScheme, scheme),
           (scheme, _DCTERMS_title, Literal("Concepts from the notes", lang="en"), scheme)]
    for concept in sorted(concepts - has_broader):
        out.append((scheme, _SKOS_hasTopConcept, concept, scheme))
        out.append((concept, _SKOS_topConceptOf, scheme, scheme))
    return out


def corpus_quads(corpus: Corpus, base_uri: str) -> list[tuple[Node, Node, Node, URIRef]]:
    """Every quad of the corpus: (subject, predicate, object, graph IRI)."""
    builder = _Builder(corpus, base_uri)
    builder.build()
    return builder.quads


def save_quads(quads: list[tuple[Node, Node, Node, URIRef]], path: str | os.PathLike[str]) -> None:
    """Write quads as N-Quads, atomically (temp file, then rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    memo: dict[Node, str] = {}

    def term(node: Node) -> str:
        text = memo.get(node)
        if text is None:
            text = memo[node] = _nquads_term(node)
        return text

    with open(tmp, "w", encoding="utf-8") as handle:
        handle.writelines(f"{term(s)} {term(p)} {term(o)} {term(g)} .\n" for s, p, o, g in quads)
    os.replace(tmp, target)


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _nquads_term(node: Node) -> str:
    """N-Quads form of a term (rdflib's n3() is general and several times slower)."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        text = f'"{str(node).translate(_NT_ESCAPES)}"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None and node.datatype != XSD.string:
            return f"{text}^^<{node.datatype}>"
        return text
    return node.n3()


def new_dataset() -> Dataset:
    """An empty in-memory dataset with our prefixes bound."""
    ds = Dataset()
    bind_prefixes(ds)
    return ds


def corpus_to_dataset(corpus: Corpus, base_uri: str) -> Dataset:
    """Build the dataset: one named graph per note plus the scheme graph."""
    return quads_to_dataset(corpus_quads(corpus, base_uri))


def quads_to_dataset(quads: list[tuple[Node, Node, Node, URIRef]]) -> Dataset:
    ds = new_dataset()
    graphs: dict[URIRef, Graph] = {}

    def with_graphs() -> Iterator[Quad]:
        for s, p, o, name in quads:
            graph = graphs.get(name)
            if graph is None:
                graph = graphs[name] = ds.graph(name)
            yield s, p, o, graph

    ds.store.addN(with_graphs())
    return ds


def note_graphs(ds: Dataset, base_uri: str) -> Iterator[Graph]:
    """The named graphs holding notes (not the scheme or the default graph)."""
    prefix = f"{base_uri}note/"
    for graph in ds.graphs():
        if str(graph.identifier).startswith(prefix):
            yield graph


def write_scheme(ds: Dataset, base_uri: str) -> None:
    """(Re)compute the scheme graph from the note graphs: the scheme and its top concepts.

    A concept is top when no note says it has a broader concept.
    """
    scheme = scheme_uri(base_uri)
    ds.remove_graph(scheme)
    concepts: set[Node] = set()
    has_broader: set[Node] = set()
    for graph in note_graphs(ds, base_uri):
        concepts.update(graph.subjects(RDF.type, SKOS.Concept))
        has_broader.update(graph.subjects(SKOS.broader, None))
    g = ds.graph(scheme)
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal("Concepts from the notes", lang="en")))
    for concept in sorted(concepts - has_broader):
        g.add((scheme, SKOS.hasTopConcept, concept))
        g.add((concept, SKOS.topConceptOf, scheme))


def remove_note(ds: Dataset, base_uri: str, path: str) -> None:
    """Drop everything one note contributed and refresh the scheme graph."""
    ds.remove_graph(note_uri(base_uri, path))
    write_scheme(ds, base_uri)


# --------------------------------------------------------------------------- persistence


def _iter_quads(ds: Dataset) -> Iterator[tuple[Node, Node, Node, Node]]:
    for s, p, o, g in ds.quads((None, None, None, None)):
        yield s, p, o, (g.identifier if isinstance(g, Graph) else g)


def save_dataset(ds: Dataset, path: str | os.PathLike[str]) -> None:
    """Write the dataset as N-Quads (atomically: write a temp file, then rename).

    rdflib's serializer is used: converting every term to Oxigraph costs more than it saves.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"Dataset\.\w+ is deprecated", DeprecationWarning)
        ds.serialize(destination=str(tmp), format="nquads", encoding="utf-8")
    os.replace(tmp, target)


def save_dataset_oxigraph(ds: Dataset, path: str | os.PathLike[str]) -> None:
    """Same output as :func:`save_dataset` through pyoxigraph; kept for ``graph.bench``."""
    to_ox = _ToOxigraph()
    with open(path, "wb") as fh:
        _ox.serialize((to_ox.quad(q) for q in _iter_quads(ds)), fh, _ox.RdfFormat.N_QUADS)


def load_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Read an N-Quads file written by :func:`save_dataset` into an in-memory dataset."""
    ds = new_dataset()
    if _ox is None:  # pragma: no cover
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r"Dataset\.\w+ is deprecated", DeprecationWarning)
            ds.parse(str(path), format="nquads")
        return ds
    conv = _FromOxigraph()
    graphs: dict[object, Graph] = {}

    def quads() -> Iterator[Quad]:
        for s, p, o, g in _ox.parse(path=str(path), format=_ox.RdfFormat.N_QUADS):
            graph = graphs.get(g)
            if graph is None:
                name = conv(g)
                graph = graphs[g] = (
                    ds.default_graph if name == DATASET_DEFAULT_GRAPH_ID else ds.graph(name)
                )
            yield conv(s), conv(p), conv(o), graph

    # Straight to the store: Dataset.addN re-checks every node and looks the graph up
    # again, which costs 40% of the load time; the parser's output is already valid.
    ds.store.addN(quads())
    return ds


def _convert_to_ox(term: Node) -> object:
    if isinstance(term, URIRef):
        return _ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return _ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return _ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return _ox.Literal(str(term), datatype=_ox.NamedNode(str(term.datatype)))
        return _ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to an Oxigraph term")


class _ToOxigraph:
    """rdflib -> Oxigraph terms, memoised (IRIs and many literals repeat)."""

    def __init__(self) -> None:
        self.cache: dict[Node, object] = {}
        self.default = _ox.DefaultGraph()

    def term(self, term: Node) -> object:
        hit = self.cache.get(term)
        if hit is None:
            hit = self.cache[term] = _convert_to_ox(term)
        return hit

    def quad(self, quad: tuple[Node, Node, Node, Node]) -> object:
        s, p, o, g = quad
        graph = self.default if g is None or g == DATASET_DEFAULT_GRAPH_ID else self.term(g)
        return _ox.Quad(self.term(s), self.term(p), self.term(o), graph)


class _FromOxigraph:
    """Oxigraph -> rdflib terms, memoised by the Oxigraph term: 3x faster than converting each."""

    _XSD_STRING = str(XSD.string)

    def __init__(self) -> None:
        self.cache: dict[object, Node] = {}

    def __call__(self, term: object) -> Node:
        hit = self.cache.get(term)
        if hit is None:
            hit = self.cache[term] = self._convert(term)
        return hit

    def _convert(self, term: object) -> Node:
        if isinstance(term, _ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, _ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype == self._XSD_STRING:  # Oxigraph types plain literals; rdflib doesn't
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(datatype))
        if isinstance(term, _ox.BlankNode):
            return BNode(term.value)
        if isinstance(term, _ox.DefaultGraph):
            return DATASET_DEFAULT_GRAPH_ID
        raise TypeError(f"unexpected term {term!r}")


# --------------------------------------------------------------------------- export


def export(ds: Dataset, fmt: str) -> tuple[bytes, str]:
    """Serialise for download: ``(body, mimetype)``.

    Triple formats (turtle, ntriples, xml) get the union of all graphs; quad formats
    (nquads, trig, json-ld) keep the named graphs.
    """
    try:
        rdflib_format, mimetype, keeps_graphs = FORMATS[fmt]
    except KeyError:
        allowed = ", ".join(FORMATS)
        raise ValueError(f"unknown RDF format {fmt!r}; allowed: {allowed}") from None
    source: Graph = ds if keeps_graphs else union_graph(ds)
    with warnings.catch_warnings():
        # rdflib 7.6's own TriG/N-Quads/JSON-LD serializers call deprecated Dataset APIs.
        warnings.filterwarnings("ignore", r"Dataset\.\w+ is deprecated", DeprecationWarning)
        body = source.serialize(format=rdflib_format, encoding="utf-8")
    return body, mimetype


def union_graph(ds: Dataset) -> Graph:
    """All triples of all graphs in one plain Graph (for triple-only consumers and tests)."""
    graph = Graph()
    bind_prefixes(graph)
    for s, p, o, _ in _iter_quads(ds):
        graph.add((s, p, o))
    return graph
