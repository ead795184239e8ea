"""Building a concept graph's records, from RDF quads or from the corpus itself.

Both readers gather the same two things, concept records and every statement's
occurrences grouped by (source, relation, target), and :func:`assemble` turns those
into a :class:`~graph.records.GraphData` in one place. A test holds the two readers
equal on the same notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import DCTERMS, RDF, SKOS, URIRef

from ingest.confidence import edge_confidence
from ingest.model import Corpus

from .hierarchy import cycle_closing_edges, graph_relations
from .rdf import (
    concept_id_from_uri,
    statement_confidence,
    statement_evidence,
    statement_explicit,
    statement_groups,
    statement_weight,
)
from .records import (
    UNRATED,
    ConceptRecord,
    Definition,
    Edge,
    Evidence,
    GraphData,
    Source,
)
from .vocab import KG, PREDICATE_TO_RELATION, RELATION_RANK, RELATIONS

EdgeKey = tuple[str, str, str]  # source, relation, target


@dataclass(slots=True)
class Occurrences:
    """What the statements of one edge add up to, before :func:`assemble`."""

    weight: float = 0.0
    evidence: list[tuple[str, str, int]] = field(default_factory=list)  # text, path, line
    beliefs: list[float] = field(default_factory=list)  # each statement's confidence
    explicit: bool = False
    labels: set[str] = field(default_factory=set)


def _sorted_sources(sources: list[Source]) -> tuple[Source, ...]:
    return tuple(sorted(sources, key=lambda r: (not r.defined, r.path, r.line, r.anchor)))


def _translations(labels: dict[str, str], label: str) -> dict[str, str]:
    return {
        lang: text
        for lang, text in sorted(labels.items())
        if lang not in ("en", "") and text != label
    }


# ---------------------------------------------------------------------- from quads


class _QuadReader:
    """One pass over the quads, each predicate sent to the handler of what it states.

    Predicates are matched as plain strings through one dict: rdflib's namespace
    attribute lookups and ``URIRef.__eq__`` cost ~60 s on a million quads.
    """

    def __init__(self, base_uri: str) -> None:
        self.base_uri = base_uri
        self.concepts: set[str] = set()
        self.notes: set[str] = set()
        self.pref: dict[str, dict[str, str]] = {}
        self.alt: dict[str, set[str]] = {}
        self.definition: dict[str, dict[str, Any]] = {}
        self.places: dict[str, dict[str, bool]] = {}  # concept -> section IRI -> defined there
        self.sections: dict[str, dict[str, Any]] = {}
        self.statements: dict[str, dict[str, Any]] = {}
        self.evidence_of: dict[str, list[str]] = {}  # statement -> its evidence nodes
        self.evidence: dict[str, dict[str, Any]] = {}  # evidence node -> text, line
        self.direct: set[EdgeKey] = set()
        self.handlers: dict[str, Callable[[Any, Any], None]] = {
            str(RDF.type): self._type,
            str(SKOS.prefLabel): self._pref,
            str(SKOS.altLabel): self._alt,
            str(SKOS.definition): self._definition("text"),
            str(KG.definitionPath): self._definition("path"),
            str(KG.definitionLine): self._definition("line"),
            str(KG.definedIn): self._place(True),
            str(KG.mentionedIn): self._place(False),
            str(KG.anchor): self._section("anchor"),
            str(DCTERMS.title): self._section("title"),
            str(KG.startLine): self._section("line"),
            str(KG.path): self._section("path"),
            str(RDF.subject): self._statement("s"),
            str(RDF.object): self._statement("o"),
            str(RDF.predicate): self._statement("p"),
            str(KG.weight): self._statement("w"),
            str(KG.relationType): self._statement("type"),
            str(KG.confidence): self._statement("c"),
            str(KG.explicit): self._explicit,
            str(KG.linkLabel): self._link_label,
            str(KG.evidence): self._evidence,
            str(KG.evidenceText): self._evidence_field("text", str),
            str(KG.line): self._evidence_field("line", int),
            **{str(p): self._relation(rtype) for p, rtype in PREDICATE_TO_RELATION.items()},
        }

    def read(self, quads: Iterable[tuple[Any, Any, Any, Any]]) -> None:
        handlers = self.handlers
        for s, p, o, _g in quads:
            handler = handlers.get(str(p))
            if handler is not None:
                handler(s, o)

    def cid(self, node: Any) -> str | None:
        return concept_id_from_uri(self.base_uri, str(node)) if isinstance(node, URIRef) else None

    def _type(self, s: Any, o: Any) -> None:
        kind = str(o)
        if kind == _SKOS_CONCEPT and (c := self.cid(s)) is not None:
            self.concepts.add(c)
        elif kind == _KG_NOTE:
            self.notes.add(str(s))

    def _pref(self, s: Any, o: Any) -> None:
        if (c := self.cid(s)) is not None:
            self.pref.setdefault(c, {})[o.language or ""] = str(o)

    def _alt(self, s: Any, o: Any) -> None:
        if (c := self.cid(s)) is not None:
            self.alt.setdefault(c, set()).add(str(o))

    def _definition(self, name: str) -> Callable[[Any, Any], None]:
        def handle(s: Any, o: Any) -> None:
            if (c := self.cid(s)) is None:
                return
            known = self.definition.setdefault(c, {})
            if (
                name == "text"
                and getattr(o, "language", None) not in ("en", None)
                and "text" in known
            ):
                return  # the English definition is the concept's; others add to it
            known[name] = int(o) if name == "line" else str(o)

        return handle

    def _place(self, defined: bool) -> Callable[[Any, Any], None]:
        def handle(s: Any, o: Any) -> None:
            if (c := self.cid(s)) is not None:
                where = self.places.setdefault(c, {})
                where[str(o)] = where.get(str(o), False) or defined

        return handle

    def _section(self, name: str) -> Callable[[Any, Any], None]:
        def handle(s: Any, o: Any) -> None:
            self.sections.setdefault(str(s), {})[name] = o.toPython()
            if name == "path":
                self.statements.setdefault(str(s), {})["path"] = str(o)

        return handle

    def _statement(self, name: str) -> Callable[[Any, Any], None]:
        def handle(s: Any, o: Any) -> None:
            self.statements.setdefault(str(s), {})[name] = o

        return handle

    def _explicit(self, s: Any, o: Any) -> None:
        self.statements.setdefault(str(s), {})["x"] = bool(o.toPython())

    def _link_label(self, s: Any, o: Any) -> None:
        self.statements.setdefault(str(s), {}).setdefault("labels", []).append(str(o))

    def _evidence(self, s: Any, o: Any) -> None:
        self.evidence_of.setdefault(str(s), []).append(str(o))

    def _evidence_field(self, name: str, kind: Callable[[Any], Any]) -> Callable[[Any, Any], None]:
        def handle(s: Any, o: Any) -> None:
            self.evidence.setdefault(str(s), {})[name] = kind(o)

        return handle

    def _relation(self, rtype: str) -> Callable[[Any, Any], None]:
        def handle(s: Any, o: Any) -> None:
            src, dst = self.cid(s), self.cid(o)
            if src is not None and dst is not None:
                self.direct.add((src, rtype, dst))

        return handle

    # -- what was read, as records

    def records(self) -> list[ConceptRecord]:
        records = []
        for c in sorted(self.concepts):
            labels = self.pref.get(c, {})
            label = labels.get("en") or labels.get("") or next(iter(labels.values()), c)
            defn = self.definition.get(c)
            cited = []
            for iri, defined in self.places.get(c, {}).items():
                sec = self.sections.get(iri, {})
                cited.append(
                    Source(
                        sec.get("path", ""),
                        sec.get("anchor", ""),
                        int(sec.get("line", 0)),
                        str(sec.get("title", "")),
                        defined,
                    )
                )
            records.append(
                ConceptRecord(
                    c,
                    label,
                    tuple(sorted(self.alt.get(c, set()) - {label})),
                    _translations(labels, label),
                    Definition(defn.get("text", ""), defn.get("path", ""), int(defn.get("line", 0)))
                    if defn and "text" in defn
                    else None,
                    _sorted_sources(cited),
                )
            )
        return records

    def edges(self) -> dict[EdgeKey, Occurrences]:
        aggregated: dict[EdgeKey, Occurrences] = {}
        concepts = self.concepts
        for node, st in self.statements.items():
            if "s" not in st or "o" not in st:
                continue
            src, dst = self.cid(st["s"]), self.cid(st["o"])
            rtype = (
                str(st["type"])
                if "type" in st
                else (PREDICATE_TO_RELATION.get(st["p"]) if "p" in st else None)
            )
            if src not in concepts or dst not in concepts or rtype not in RELATIONS:
                continue
            assert src is not None and dst is not None and rtype is not None
            edge = aggregated.setdefault((src, rtype, dst), Occurrences())
            edge.weight += float(st["w"].toPython()) if "w" in st else 1.0
            edge.beliefs.append(float(st["c"].toPython()) if "c" in st else UNRATED)
            edge.explicit = edge.explicit or st.get("x", False)
            edge.labels.update(st.get("labels", ()))
            for at in self.evidence_of.get(node, ()):
                found = self.evidence.get(at, {})
                edge.evidence.append(
                    (found.get("text", ""), st.get("path", ""), found.get("line", 0))
                )
        # Direct triples nobody reified (e.g. added by hand) still count, without evidence.
        # A co-mention (skos:related) is also written backwards, SKOS making it symmetric:
        # that reverse triple is the same edge, not one nobody reified.
        for key in self.direct:
            if (
                key[0] in concepts
                and key[2] in concepts
                and key not in aggregated
                and not (RELATIONS[key[1]].co_mention and (key[2], key[1], key[0]) in aggregated)
            ):
                aggregated[key] = Occurrences(1.0, [], [UNRATED])
        return aggregated


_SKOS_CONCEPT, _KG_NOTE = str(SKOS.Concept), str(KG.Note)


def from_quads(quads: Iterable[tuple[Any, Any, Any, Any]], base_uri: str) -> GraphData:
    """The records of any stream of quads shaped like :func:`graph.rdf.corpus_quads` gives."""
    reader = _QuadReader(base_uri)
    reader.read(quads)
    return assemble(base_uri, len(reader.notes), reader.records(), reader.edges())


# ---------------------------------------------------------------------- from the corpus


def _corpus_records(corpus: Corpus) -> list[ConceptRecord]:
    notes = {note.path for note in corpus.notes}
    sections = {(note.path, s.anchor): s for note in corpus.notes for s in note.sections}
    defined_at = {
        (note.path, s.anchor, s.concept)
        for note in corpus.notes
        for s in note.sections
        if s.concept
    }
    records = []
    for cid in sorted(corpus.concepts):
        concept = corpus.concepts[cid]
        places: dict[tuple[str, str], bool] = {}
        for path, anchor in concept.sections:
            if path in notes:
                places[(path, anchor)] = (
                    places.get((path, anchor), False) or (path, anchor, cid) in defined_at
                )
        if not places:
            continue
        label = concept.label
        src = []
        for (path, anchor), defined in places.items():
            sec = sections.get((path, anchor))
            src.append(
                Source(path, anchor, sec.line, sec.title, defined)
                if sec is not None
                else Source("", "", 0, "", defined)
            )
        ev = concept.definition
        records.append(
            ConceptRecord(
                cid,
                label,
                tuple(sorted(set(concept.alt_labels) - {label})),
                _translations(dict(concept.translations), label),
                Definition(ev.text, ev.path, ev.line)
                if ev is not None and ev.path in notes
                else None,
                _sorted_sources(src),
            )
        )
    return records


def _corpus_edges(corpus: Corpus, present: set[str]) -> dict[EdgeKey, Occurrences]:
    notes = {note.path: note for note in corpus.notes}
    kept = graph_relations(corpus.relations, notes, present)
    cycle_edges = cycle_closing_edges(kept)  # left out of the RDF too (graph.hierarchy)
    grouped = statement_groups(
        [
            r
            for r in kept
            if not (RELATIONS[r.type].hierarchical and (r.source, r.target) in cycle_edges)
        ]
    )
    aggregated: dict[EdgeKey, Occurrences] = {}
    for (path, source, rtype, target), occurrences in grouped.items():
        edge = aggregated.get((source, rtype, target))
        if edge is None:
            edge = aggregated[(source, rtype, target)] = Occurrences()
        edge.weight += float(statement_weight(occurrences))
        edge.beliefs.append(statement_confidence(occurrences))
        explicit, labels = statement_explicit(occurrences)
        edge.explicit = edge.explicit or explicit
        edge.labels.update(labels)
        edge.evidence.extend(
            (text, path, line) for line, text in statement_evidence(rtype, occurrences)
        )
    return aggregated


def from_corpus(corpus: Corpus, base_uri: str) -> GraphData:
    """The records of the dataset :func:`graph.rdf.corpus_nquads` writes for ``corpus``,
    read from the corpus itself: equal to :func:`from_quads` of those quads, without
    parsing a million quads back."""
    records = _corpus_records(corpus)
    edges = _corpus_edges(corpus, {c.id for c in records})
    return assemble(base_uri, len({note.path for note in corpus.notes}), records, edges)


# ---------------------------------------------------------------------- one assembly


def assemble(
    base_uri: str,
    notes: int,
    concepts: list[ConceptRecord],
    aggregated: dict[EdgeKey, Occurrences],
) -> GraphData:
    """The graph's records: edges sorted by (source, relation rank, target), each with
    its evidence by (path, line) and its combined confidence."""
    # A sentence is the evidence of several edges (a co-mention names a few pairs at
    # once) and a path of many: each is stored once and referred to by number, which
    # makes the file and a server's copy of it about half as big.
    texts: dict[str, int] = {}
    paths: dict[str, int] = {}
    edges = []
    for (src, rtype, dst), found in sorted(
        aggregated.items(), key=lambda kv: (kv[0][0], RELATION_RANK[kv[0][1]], kv[0][2])
    ):
        evidence = found.evidence
        if len(evidence) > 1:
            evidence.sort(key=lambda e: (e[1], e[2], e[0]))
        edges.append(
            Edge(
                src,
                rtype,
                dst,
                round(found.weight, 6),
                tuple(
                    [
                        Evidence(
                            texts.setdefault(text, len(texts)),
                            paths.setdefault(path, len(paths)),
                            line,
                        )
                        for text, path, line in evidence
                    ]
                ),
                1.0 if found.explicit else edge_confidence(sorted(found.beliefs)),
                int(found.explicit),
                tuple(sorted(found.labels)),
            )
        )
    return GraphData(base_uri, notes, concepts, edges, list(texts), list(paths))
