"""The precomputed in-memory concept graph the API answers from.

Why not query the RDF dataset directly: rdflib's SPARQL engine costs 7-10 ms per query
and the API's related/path/suggest calls must answer in about a millisecond. So the
dataset is read once (a single pass over its quads, no SPARQL) into plain dicts and
lists: concepts, aggregated edges and adjacency lists, plus sorted label keys for
prefix search. It is saved as compact JSON so a server starts without rdflib parsing.

Edges aggregate every occurrence of (source, type, target): weight is the sum of the
occurrence weights and evidence is every occurrence sorted by (path, line).
"""

from __future__ import annotations

import bisect
import heapq
import json
import math
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from rdflib import DCTERMS, RDF, SKOS, Dataset, URIRef

from common.files import replaced
from common.memory import collector_paused
from ingest.confidence import edge_confidence
from ingest.model import Corpus
from ingest.text import label_key
from search.spelling import Vocabulary, allowed_typos

from . import vocab
from .hierarchy import cycle_closing_edges, graph_relations
from .rdf import (
    concept_id_from_uri,
    concept_uri,
    statement_confidence,
    statement_evidence,
    statement_explicit,
    statement_groups,
    statement_weight,
)
from .vocab import KG, PREDICATE_TO_RELATION, RELATION_RANK, RELATIONS

# 2: evidence sentences and paths stored once, by number; 3: each edge's confidence;
# 4: whether the author wrote the edge as a link, and the field names they used
FORMAT_VERSION = 4
EVIDENCE_CAP = 3  # evidence items per result in related()/paths()
MAX_DEPTH = 3
# Dijkstra costs: a typed edge is one step, a step up or down the hierarchy a little more
# (going through a broad concept like Controller explains less than a direct chain), a
# co-mention much more; more evidence makes a typed edge somewhat cheaper.
# A chain the author wrote (A -> B -> C) is cheaper than any typed shortcut, so it comes
# back as the first path; a co-mention hop costs more than a long typed path, so it is
# only taken when nothing typed connects (and the path says so).
CHAIN_COST = 0.3
TYPED_COST = 1.0
HIERARCHY_COST = 1.4
CO_MENTION_COST = 10.0


def is_co_mention(edge: list[Any]) -> bool:
    """Two concepts only named together: a ``related`` edge no author wrote as a link."""
    return RELATIONS[edge[1]].co_mention and not edge[6]


def _step_cost(relation: str, weight: float, confidence: float, explicit: int = 0) -> float:
    """Cost of one hop: its kind's base cost, cheaper with more evidence and more
    confidence: ``base / ((1 + log2(weight) / 4) * (0.5 + confidence))``. A ``related``
    the author linked costs as a typed hop."""
    spec = RELATIONS[relation]
    if spec.co_mention and not explicit:
        return CO_MENTION_COST  # however often, "mentioned together" explains little
    base = (
        CHAIN_COST
        if relation == "leadsTo"
        else (HIERARCHY_COST if spec.hierarchical else TYPED_COST)
    )
    return base / ((1.0 + 0.25 * math.log2(max(weight, 1.0))) * (0.5 + confidence))


_SHORT_PREFIX = 2  # suggest() results for prefixes this short are memoised
SUGGEST_MEMO_SIZE = 4096  # the memo is keyed by client input: least recently used go first


def _strength(relation: str, weight: float, confidence: float, explicit: int = 0) -> float:
    """How strong one aggregated edge is: typed/hierarchical in [1, 2), a ``related`` the
    author linked in [0.7, 1), co-mention in [0.3, 0.6). Typed relations always outrank
    an untyped link, which outranks co-mention; within the typed tier confidence counts
    most, then evidence (with diminishing returns):
    ``1 + 0.7 * confidence + 0.3 * weight / (weight + 1)``."""
    boost = weight / (weight + 1.0) if weight > 0 else 0.0
    if RELATIONS[relation].co_mention:
        return (0.7 if explicit else 0.3) + 0.3 * boost
    return 1.0 + 0.7 * confidence + 0.3 * boost


(
    _TYPE,
    _PREF,
    _ALT,
    _DEF_TEXT,
    _DEF_PATH,
    _DEF_LINE,
    _DEFINED_IN,
    _MENTIONED_IN,
    _ANCHOR,
    _TITLE,
    _START,
    _PATH,
    _SUBJECT,
    _OBJECT,
    _PREDICATE,
    _WEIGHT,
    _RTYPE,
    _EVIDENCE,
    _EVIDENCE_TEXT,
    _LINE,
    _RELATION,
    _CONFIDENCE,
    _EXPLICIT,
    _LINK_LABEL,
) = range(24)
_PREDICATE_CODES: dict[str, int] = {
    str(RDF.type): _TYPE,
    str(SKOS.prefLabel): _PREF,
    str(SKOS.altLabel): _ALT,
    str(SKOS.definition): _DEF_TEXT,
    str(KG.definitionPath): _DEF_PATH,
    str(KG.definitionLine): _DEF_LINE,
    str(KG.definedIn): _DEFINED_IN,
    str(KG.mentionedIn): _MENTIONED_IN,
    str(KG.anchor): _ANCHOR,
    str(DCTERMS.title): _TITLE,
    str(KG.startLine): _START,
    str(KG.path): _PATH,
    str(RDF.subject): _SUBJECT,
    str(RDF.object): _OBJECT,
    str(RDF.predicate): _PREDICATE,
    str(KG.weight): _WEIGHT,
    str(KG.confidence): _CONFIDENCE,
    str(KG.explicit): _EXPLICIT,
    str(KG.linkLabel): _LINK_LABEL,
    str(KG.relationType): _RTYPE,
    str(KG.evidence): _EVIDENCE,
    str(KG.evidenceText): _EVIDENCE_TEXT,
    str(KG.line): _LINE,
    **{str(predicate): _RELATION for predicate in PREDICATE_TO_RELATION},
}
_DEFINITION_FIELDS = {_DEF_TEXT: "text", _DEF_PATH: "path", _DEF_LINE: "line"}
_SECTION_FIELDS = {_ANCHOR: "anchor", _TITLE: "title", _START: "line", _PATH: "path"}
_STATEMENT_FIELDS = {
    _SUBJECT: "s",
    _OBJECT: "o",
    _PREDICATE: "p",
    _WEIGHT: "w",
    _RTYPE: "type",
    _CONFIDENCE: "c",
}
_SKOS_CONCEPT, _KG_NOTE = str(SKOS.Concept), str(KG.Note)
UNRATED = 0.5  # the confidence of a statement that carries none (added by hand, older builds)


def _upgrade_from_1(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 held each evidence's sentence and path in full; 2 holds them by number."""
    texts: dict[str, int] = {}
    paths: dict[str, int] = {}
    for edge in data["edges"]:
        edge[4] = [
            [texts.setdefault(text, len(texts)), paths.setdefault(path, len(paths)), line]
            for text, path, line in edge[4]
        ]
    return {**data, "version": 2, "texts": list(texts), "paths": list(paths)}


@dataclass(frozen=True, slots=True)
class EdgeFilter:
    """Which edges a query walks: of these types (None: all), typed ones at least this
    confident, and co-mentions only when asked for (they are never typed claims)."""

    relations: frozenset[str] | None = None
    min_confidence: float = 0.0
    co_mention: bool = True

    def admits(self, edge: list[Any]) -> bool:
        rtype = edge[1]
        if self.relations is not None and rtype not in self.relations:
            return False
        if is_co_mention(edge):
            return self.co_mention or self.relations is not None
        return edge[5] >= self.min_confidence


def _stated(edge: list[Any]) -> dict[str, Any]:
    """What an edge the author linked adds to its JSON: ``explicit``, and the field
    names it was written with (``labels``) when there are any; nothing otherwise."""
    if not edge[6]:
        return {}
    return {"explicit": True, "labels": list(edge[7])} if edge[7] else {"explicit": True}


def _per_filter(caches: dict[Any, dict[str, Any]], key: EdgeFilter) -> dict[str, Any]:
    """The memo for one edge filter, in a table of at most 32 filters."""
    cache = caches.get(key)
    if cache is None:
        if len(caches) >= 32:
            caches.clear()
        cache = caches[key] = {}
    return cache


class ConceptGraph:
    """Concepts, aggregated typed edges and lookup indexes; every method returns JSON-able data.

    Unknown ids never raise: they give ``None`` or an empty list.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        """Index the compact form (see :meth:`to_dict`); use from_dataset/load rather than this."""
        self.base_uri: str = data.get("base_uri", "")
        self.note_count: int = int(data.get("notes", 0))
        self._data = data
        # id -> compact concept record (dict with keys id,label,alt,tr,def,src)
        self._concepts: dict[str, dict[str, Any]] = {c["id"]: c for c in data["concepts"]}
        # edges: [source, type, target, weight, [[text, path, line], ...], confidence,
        # explicit (0/1), [field names]], where text and path are positions in these
        # two lists
        self._edges: list[list[Any]] = data["edges"]
        self._texts: list[str] = data["texts"]
        self._paths: list[str] = data["paths"]
        adj: dict[str, list[tuple[str, int, str]]] = {cid: [] for cid in self._concepts}
        for index, edge in enumerate(self._edges):
            adj[edge[0]].append((edge[2], index, "out"))
            adj[edge[2]].append((edge[0], index, "in"))
        self._adj = adj
        self._degree = {cid: len({n for n, _, _ in links}) for cid, links in adj.items()}
        # The label tables (resolve, suggest, did_you_mean, concepts) are built on first
        # use (see __getattr__): normalising every label was a fifth of a worker's start.
        self._lazy_lock = threading.Lock()
        self._folded = {cid: rec["label"].casefold() for cid, rec in self._concepts.items()}
        self._strong_cache: dict[frozenset[str] | None, dict[str, list[Any]]] = {}
        self._suggest_memo = lru_cache(maxsize=SUGGEST_MEMO_SIZE)(self._suggest)
        self._links_cache: dict[frozenset[str] | None, dict[str, dict[str, Any]]] = {}

    # ------------------------------------------------------------------ building

    @classmethod
    def from_dataset(cls, ds: Dataset, base_uri: str) -> ConceptGraph:
        """Read the dataset built by :func:`graph.rdf.corpus_to_dataset` in one pass over
        its quads."""
        return cls.from_quads(
            ((s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None))), base_uri
        )

    @classmethod
    def from_quads(cls, quads: Iterable[tuple[Any, Any, Any, Any]], base_uri: str) -> ConceptGraph:
        """The view of any stream of quads shaped like :func:`graph.rdf.corpus_quads` gives."""
        with collector_paused():
            return cls._from_quads(quads, base_uri)

    @classmethod
    def _from_quads(cls, quads: Iterable[tuple[Any, Any, Any, Any]], base_uri: str) -> ConceptGraph:
        concepts: set[str] = set()
        notes: set[URIRef] = set()
        pref: dict[str, dict[str, str]] = {}
        alt: dict[str, set[str]] = {}
        definition: dict[str, dict[str, Any]] = {}
        places: dict[str, dict[str, bool]] = {}  # concept -> section IRI -> defined there
        sections: dict[str, dict[str, Any]] = {}
        statements: dict[str, dict[str, Any]] = {}
        direct: set[tuple[str, str, str]] = set()

        def cid(node: Any) -> str | None:
            return concept_id_from_uri(base_uri, str(node)) if isinstance(node, URIRef) else None

        evidence_of: dict[str, list[str]] = {}  # statement -> its evidence nodes
        evidence: dict[str, dict[str, Any]] = {}  # evidence node -> text, line
        # Predicates are matched as plain strings through one dict: rdflib's namespace
        # attribute lookups and URIRef.__eq__ cost ~60 s on a million quads.
        codes = _PREDICATE_CODES
        concept_type, note_type = _SKOS_CONCEPT, _KG_NOTE
        for s, p, o, _g in quads:
            code = codes.get(str(p))
            if code is None:
                continue
            if code == _TYPE:
                kind = str(o)
                if kind == concept_type and (c := cid(s)) is not None:
                    concepts.add(c)
                elif kind == note_type:
                    notes.add(s)
            elif code == _PREF:
                if (c := cid(s)) is not None:
                    pref.setdefault(c, {})[o.language or ""] = str(o)
            elif code == _ALT:
                if (c := cid(s)) is not None:
                    alt.setdefault(c, set()).add(str(o))
            elif code in _DEFINITION_FIELDS:
                if (c := cid(s)) is not None:
                    field = _DEFINITION_FIELDS[code]
                    if (
                        field == "text"
                        and getattr(o, "language", None) not in ("en", None)
                        and "text" in definition.get(c, {})
                    ):
                        continue  # the English definition is the concept's; others add to it
                    definition.setdefault(c, {})[field] = int(o) if field == "line" else str(o)
            elif code == _DEFINED_IN or code == _MENTIONED_IN:
                if (c := cid(s)) is not None:
                    where = places.setdefault(c, {})
                    where[str(o)] = where.get(str(o), False) or code == _DEFINED_IN
            elif code in _SECTION_FIELDS:
                field = _SECTION_FIELDS[code]
                sections.setdefault(str(s), {})[field] = o.toPython()
                if field == "path":
                    statements.setdefault(str(s), {})["path"] = str(o)
            elif code in _STATEMENT_FIELDS:
                statements.setdefault(str(s), {})[_STATEMENT_FIELDS[code]] = o
            elif code == _EXPLICIT:
                statements.setdefault(str(s), {})["x"] = bool(o.toPython())
            elif code == _LINK_LABEL:
                statements.setdefault(str(s), {}).setdefault("labels", []).append(str(o))
            elif code == _EVIDENCE:
                evidence_of.setdefault(str(s), []).append(str(o))
            elif code == _EVIDENCE_TEXT:
                evidence.setdefault(str(s), {})["text"] = str(o)
            elif code == _LINE:
                evidence.setdefault(str(s), {})["line"] = int(o)
            else:  # a relation predicate
                src, dst = cid(s), cid(o)
                if src is not None and dst is not None:
                    direct.add((src, PREDICATE_TO_RELATION[p], dst))

        records: list[dict[str, Any]] = []
        for c in sorted(concepts):
            labels = pref.get(c, {})
            label = labels.get("en") or labels.get("") or next(iter(labels.values()), c)
            translations = {
                lang: text
                for lang, text in sorted(labels.items())
                if lang not in ("en", "") and text != label
            }
            defn = definition.get(c)
            cited = []
            for iri, defined in places.get(c, {}).items():
                sec = sections.get(iri, {})
                cited.append(
                    [
                        sec.get("path", ""),
                        sec.get("anchor", ""),
                        int(sec.get("line", 0)),
                        str(sec.get("title", "")),
                        defined,
                    ]
                )
            cited.sort(key=lambda r: (not r[4], r[0], r[2], r[1]))
            records.append(
                {
                    "id": c,
                    "label": label,
                    "alt": sorted(alt.get(c, set()) - {label}),
                    "tr": translations,
                    "def": (
                        [defn.get("text", ""), defn.get("path", ""), int(defn.get("line", 0))]
                        if defn and "text" in defn
                        else None
                    ),
                    "src": cited,
                }
            )

        aggregated: dict[tuple[str, str, str], list[Any]] = {}
        for node, st in statements.items():
            if "s" not in st or "o" not in st:
                continue
            src, dst = cid(st["s"]), cid(st["o"])
            rtype = (
                str(st["type"])
                if "type" in st
                else (PREDICATE_TO_RELATION.get(st["p"]) if "p" in st else None)
            )
            if src not in concepts or dst not in concepts or rtype not in RELATIONS:
                continue
            edge = aggregated.setdefault((src, rtype, dst), [0.0, [], [], False, set()])
            edge[0] += float(st["w"].toPython()) if "w" in st else 1.0
            edge[2].append(float(st["c"].toPython()) if "c" in st else UNRATED)
            edge[3] = edge[3] or st.get("x", False)
            edge[4].update(st.get("labels", ()))
            for at in evidence_of.get(node, ()):
                found = evidence.get(at, {})
                edge[1].append([found.get("text", ""), st.get("path", ""), found.get("line", 0)])
        # Direct triples nobody reified (e.g. added by hand) still count, without evidence.
        # A co-mention (skos:related) is also written backwards, SKOS making it symmetric:
        # that reverse triple is the same edge, not one nobody reified.
        for key in direct:
            if (
                key[0] in concepts
                and key[2] in concepts
                and key not in aggregated
                and not (RELATIONS[key[1]].co_mention and (key[2], key[1], key[0]) in aggregated)
            ):
                aggregated[key] = [1.0, [], [UNRATED], False, set()]
        return cls._assemble(base_uri, len(notes), records, aggregated)

    @classmethod
    def from_corpus(cls, corpus: Corpus, base_uri: str) -> ConceptGraph:
        """The view of the dataset :func:`graph.rdf.corpus_nquads` writes for ``corpus``,
        read from the corpus itself: equal to ``from_quads`` of those quads (a test holds
        the two together), without parsing a million quads back."""
        with collector_paused():
            return cls._from_corpus(corpus, base_uri)

    @classmethod
    def _from_corpus(cls, corpus: Corpus, base_uri: str) -> ConceptGraph:
        notes = {note.path: note for note in corpus.notes}
        sections = {(note.path, s.anchor): s for note in corpus.notes for s in note.sections}
        defined_at = {
            (note.path, s.anchor, s.concept)
            for note in corpus.notes
            for s in note.sections
            if s.concept
        }
        records: list[dict[str, Any]] = []
        present: set[str] = set()
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
            present.add(cid)
            label = concept.label
            src = []
            for (path, anchor), defined in places.items():
                sec = sections.get((path, anchor))
                src.append(
                    [path, anchor, sec.line, sec.title, defined]
                    if sec is not None
                    else ["", "", 0, "", defined]
                )
            src.sort(key=lambda r: (not r[4], r[0], r[2], r[1]))
            ev = concept.definition
            records.append(
                {
                    "id": cid,
                    "label": label,
                    "alt": sorted(set(concept.alt_labels) - {label}),
                    "tr": {
                        lang: text
                        for lang, text in sorted(concept.translations.items())
                        if lang not in ("en", "") and text != label
                    },
                    "def": [ev.text, ev.path, ev.line]
                    if ev is not None and ev.path in notes
                    else None,
                    "src": src,
                }
            )
        kept = graph_relations(corpus.relations, notes, present)
        cycle_edges = cycle_closing_edges(kept)  # left out of the RDF too (graph.hierarchy)
        grouped = statement_groups(
            [
                r
                for r in kept
                if not (RELATIONS[r.type].hierarchical and (r.source, r.target) in cycle_edges)
            ]
        )
        aggregated: dict[tuple[str, str, str], list[Any]] = {}
        for (path, source, rtype, target), occurrences in grouped.items():
            edge = aggregated.get((source, rtype, target))
            if edge is None:
                edge = aggregated[(source, rtype, target)] = [0.0, [], [], False, set()]
            edge[0] += float(statement_weight(occurrences))
            edge[2].append(statement_confidence(occurrences))
            explicit, labels = statement_explicit(occurrences)
            edge[3] = edge[3] or explicit
            edge[4].update(labels)
            edge[1].extend(
                [text, path, line] for line, text in statement_evidence(rtype, occurrences)
            )
        return cls._assemble(base_uri, len(notes), records, aggregated)

    @classmethod
    def _assemble(
        cls,
        base_uri: str,
        notes: int,
        records: list[dict[str, Any]],
        aggregated: dict[tuple[str, str, str], list[Any]],
    ) -> ConceptGraph:
        # A sentence is the evidence of several edges (a co-mention names a few pairs at
        # once) and a path of many: each is stored once and referred to by number, which
        # makes the file and a server's copy of it about half as big.
        texts: dict[str, int] = {}
        paths: dict[str, int] = {}
        edges = []
        for (src, rtype, dst), (weight, evidence, beliefs, explicit, labels) in sorted(
            aggregated.items(), key=lambda kv: (kv[0][0], RELATION_RANK[kv[0][1]], kv[0][2])
        ):
            if len(evidence) > 1:
                evidence.sort(key=lambda e: (e[1], e[2], e[0]))
            edges.append(
                [
                    src,
                    rtype,
                    dst,
                    round(weight, 6),
                    [
                        [
                            texts.setdefault(text, len(texts)),
                            paths.setdefault(path, len(paths)),
                            line,
                        ]
                        for text, path, line in evidence
                    ],
                    1.0 if explicit else edge_confidence(sorted(beliefs)),
                    int(explicit),
                    sorted(labels),
                ]
            )
        return cls(
            {
                "version": FORMAT_VERSION,
                "base_uri": base_uri,
                "notes": notes,
                "concepts": records,
                "edges": edges,
                "texts": list(texts),
                "paths": list(paths),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The compact JSON-able form that :meth:`save` writes."""
        return self._data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConceptGraph) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # equal by value, so unhashable

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write compact JSON atomically (temp file + rename) so readers never see half a file."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with replaced(target) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            # dumps (C encoder, one write) rather than dump (Python iterencode chunks).
            fh.write(json.dumps(self._data, ensure_ascii=False, separators=(",", ":")))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ConceptGraph:
        """Read a file written by :meth:`save`."""
        # ~10^6 small objects: with the cyclic GC on, its rescans were half the time.
        with collector_paused():
            with open(path, "rb") as fh:
                data = json.loads(fh.read())
            if data.get("version") == 1:  # a store built by an earlier kg still serves
                data = _upgrade_from_1(data)
            if data.get("version") == 2:
                data = {**data, "version": 3, "edges": [[*edge, UNRATED] for edge in data["edges"]]}
            if data.get("version") == 3:
                data = {**data, "version": 4, "edges": [[*edge, 0, []] for edge in data["edges"]]}
            if data.get("version") != FORMAT_VERSION:
                raise ValueError(
                    f"{path}: concept graph format version {data.get('version')!r}, "
                    f"expected {FORMAT_VERSION}; rebuild it from the dataset"
                )
            return cls(data)

    # ------------------------------------------------------------------ indexes

    _LAZY = frozenset(
        {
            "_id_key",
            "_label_key",
            "_alias_key",
            "_suggest_entries",
            "_suggest_keys",
            "_by_label",
            "_spelling",
        }
    )

    def __getattr__(self, name: str) -> Any:
        """Build the label tables the first time one is asked for (only attributes not
        set yet reach here, so later lookups cost nothing)."""
        if name not in ConceptGraph._LAZY:
            raise AttributeError(name)
        with self.__dict__["_lazy_lock"]:
            if name not in self.__dict__:
                self._build_label_index()
        return self.__dict__[name]

    def _build_label_index(self) -> None:
        # Built in locals and published at the end: other threads may read meanwhile.
        id_key: dict[str, str] = {}
        label_key_: dict[str, str] = {}
        alias_key: dict[str, str] = {}
        # (key, tier, -degree, id, matched text); tier 0 = label, 1 = alias.
        entries: set[tuple[str, int, int, str, str]] = set()

        def better(table: dict[str, str], key: str, cid: str) -> None:
            if not key:
                return
            current = table.get(key)
            if current is None or (-self._degree[cid], cid) < (-self._degree[current], current):
                table[key] = cid

        for cid, rec in self._concepts.items():
            better(id_key, label_key(cid), cid)
            better(label_key_, label_key(rec["label"]), cid)
            aliases = list(rec["alt"]) + list(rec["tr"].values())
            for alias in aliases:
                better(alias_key, label_key(alias), cid)
            deg = -self._degree[cid]
            for tier, texts in ((0, [rec["label"]]), (1, aliases)):
                for text in texts:
                    for key in {label_key(text), text.strip().lower()}:
                        if key:
                            entries.add((key, tier, deg, cid, text))
        suggest_entries = sorted(entries)
        self._suggest_keys = [e[0] for e in suggest_entries]
        self._suggest_entries = suggest_entries
        self._by_label = sorted(
            self._concepts.values(), key=lambda c: (c["label"].casefold(), c["id"])
        )
        self._spelling = Vocabulary((key, 1) for key in {**id_key, **alias_key, **label_key_})
        self._id_key, self._label_key, self._alias_key = id_key, label_key_, alias_key

    def _label(self, cid: str) -> str:
        return self._concepts[cid]["label"]

    def label_in(self, cid: str, lang: str | None) -> str | None:
        """The concept's label in a language (``ko``), falling back to English; None for
        an unknown id."""
        rec = self._concepts.get(cid)
        if rec is None:
            return None
        if lang and lang != "en":
            return rec["tr"].get(lang) or rec["label"]
        return rec["label"]

    def labels(self, cid: str) -> dict[str, str]:
        """Every preferred label by language: ``{"en": "Pod", "ko": "파드"}``."""
        rec = self._concepts.get(cid)
        if rec is None:
            return {}
        return {"en": rec["label"], **rec["tr"]}

    def _ref(self, cid: str) -> dict[str, str]:
        return {"id": cid, "label": self._concepts[cid]["label"]}

    def typed_edges(self) -> Iterator[dict[str, Any]]:
        """Every typed edge (co-mentions left out) as the API writes an edge: source and
        target ids, relation, weight, confidence, whether the author wrote it, and its
        first evidence (None when the graph holds none)."""
        for edge in self._edges:
            source, rtype, target, weight, _evidence, belief, explicit = edge[:7]
            if RELATIONS[rtype].co_mention:
                continue
            first = self._evidence(edge, cap=1)
            yield {
                "source": source,
                "relation": rtype,
                "target": target,
                "weight": weight,
                "confidence": belief,
                "explicit": bool(explicit),
                "evidence": first[0] if first else None,
            }

    def _evidence(self, edge: list[Any], cap: int | None = EVIDENCE_CAP) -> list[dict[str, Any]]:
        items = edge[4] if cap is None else edge[4][:cap]
        texts, paths = self._texts, self._paths
        return [{"text": texts[t], "path": paths[p], "line": n} for t, p, n in items]

    @staticmethod
    def edge_filter(
        relations: Iterable[str] | None = None, min_confidence: float = 0.0, co_mention: bool = True
    ) -> EdgeFilter:
        return EdgeFilter(
            None if relations is None else frozenset(r for r in relations if r in RELATIONS),
            float(min_confidence),
            bool(co_mention),
        )

    # ------------------------------------------------------------------ lookups

    def resolve(self, key: str) -> str | None:
        """The concept id a user's spelling means: exact id, then label, then alias/translation."""
        if not isinstance(key, str):
            return None
        if key in self._concepts:
            return key
        k = label_key(key)
        if not k:
            return None
        for table in (self._label_key, self._alias_key, self._id_key):
            cid = table.get(k)
            if cid is not None:
                return cid
        return None

    def concept(self, cid: str) -> dict[str, Any] | None:
        """Everything the concept page shows, or None for an unknown id."""
        rec = self._concepts.get(cid)
        if rec is None:
            return None
        broader: list[dict[str, Any]] = []
        narrower: list[dict[str, Any]] = []
        related: list[dict[str, Any]] = []
        for other, index, direction in self._adj[cid]:
            edge = self._edges[index]
            _s, rtype, _t, weight, _ev, belief, explicit = edge[:7]
            if RELATIONS[rtype].hierarchical:
                (broader if direction == "out" else narrower).append(self._ref(other))
            else:
                related.append(
                    {
                        **self._ref(other),
                        "relation": rtype,
                        "direction": direction,
                        "weight": weight,
                        "confidence": belief,
                        **_stated(edge),
                        "_s": _strength(rtype, weight, belief, explicit),
                    }
                )
        related.sort(
            key=lambda r: (-r.pop("_s"), RELATION_RANK[r["relation"]], r["label"].casefold())
        )
        by_label = lambda r: (r["label"].casefold(), r["id"])
        defn = rec["def"]
        return {
            "id": cid,
            "uri": str(concept_uri(self.base_uri, cid)),
            "label": rec["label"],
            "altLabels": list(rec["alt"]),
            "translations": dict(rec["tr"]),
            "definition": {"text": defn[0], "path": defn[1], "line": defn[2]} if defn else None,
            "broader": sorted(broader, key=by_label),
            "narrower": sorted(narrower, key=by_label),
            "related": related,
            "sources": [
                {"path": p, "anchor": a, "line": n, "title": t}
                for p, a, n, t, _defined in rec["src"]
            ],
        }

    def defined_in(self, cid: str) -> list[dict[str, Any]]:
        """The sections that define the concept (its heading, a "Term: …" item), in the
        order ``concept()["sources"]`` lists them first; [] for an unknown id."""
        rec = self._concepts.get(cid)
        if rec is None:
            return []
        return [
            {"path": p, "anchor": a, "line": n, "title": t}
            for p, a, n, t, defined in rec["src"]
            if defined
        ]

    def concepts(self, limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, str]]]:
        """One page of all concepts, sorted by label (case-insensitive): (total, items)."""
        limit, offset = max(0, int(limit)), max(0, int(offset))
        page = self._by_label[offset : offset + limit]
        return len(self._by_label), [{"id": c["id"], "label": c["label"]} for c in page]

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, str]]:
        """Autocomplete: exact label > exact alias > label prefix > alias prefix, then degree."""
        if not isinstance(prefix, str) or limit <= 0:
            return []
        norm, lower = label_key(prefix), prefix.strip().lower()
        if not norm and not lower:
            return []
        if len(norm) <= _SHORT_PREFIX:
            return [dict(item) for item in self._suggest_memo(norm, lower, limit)]
        return self._suggest(norm, lower, limit)

    def _suggest(self, norm: str, lower: str, limit: int) -> list[dict[str, str]]:
        best: dict[str, tuple[int, int, str, str]] = {}  # id -> (rank, -degree, casefold, text)
        for query in {norm, lower}:
            if not query:
                continue
            lo = bisect.bisect_left(self._suggest_keys, query)
            for i in range(lo, len(self._suggest_entries)):
                key, tier, neg_degree, cid, text = self._suggest_entries[i]
                if not key.startswith(query):
                    break
                rank = tier if key == query else 2 + tier
                cand = (rank, neg_degree, self._label(cid).casefold(), text)
                if cid not in best or cand < best[cid]:
                    best[cid] = cand
        top = heapq.nsmallest(limit, best.items(), key=lambda kv: (kv[1][:3], kv[0]))
        return [{"id": cid, "label": self._label(cid), "matched": cand[3]} for cid, cand in top]

    def close_spellings(self, text: str, n: int = 3) -> list[tuple[str, str]]:
        """``(concept id, name key matched)`` for the concepts whose label, alias or id is
        a typo away from ``text`` (``deploymnet`` → deployment), closest first, one per
        concept: search's edit distance and its allowance by word length
        (:func:`search.spelling.allowed_typos`), the same rule search forgives typos by."""
        if not isinstance(text, str) or n <= 0:
            return []
        k = label_key(text) or text.strip().lower()
        if not k:
            return []
        tables = (self._label_key, self._alias_key, self._id_key)
        words = [k] if k in self._spelling else []
        words += [word for word, _ in self._spelling.fuzzy(k, allowed_typos(k), n * 3)]
        out: dict[str, str] = {}
        for word in words:
            cid = next(table[word] for table in tables if word in table)
            out.setdefault(cid, word)
            if len(out) == n:
                break
        return list(out.items())

    def did_you_mean(self, key: str, n: int = 3) -> list[dict[str, str]]:
        """Close spellings for a miss (404 hints), as :meth:`close_spellings` finds them."""
        return [self._ref(cid) for cid, _ in self.close_spellings(key, n)]

    # ------------------------------------------------------------------ traversal

    def related(
        self,
        cid: str,
        depth: int = 1,
        relations: Iterable[str] | None = None,
        limit: int = 50,
        min_confidence: float = 0.0,
        co_mention: bool = True,
    ) -> list[dict[str, Any]]:
        """Neighbours within ``depth`` hops (both directions), strongest first.

        For depth > 1 relation, direction and evidence are the last hop's and ``via``
        lists the intermediate ids. score = strength of that hop / distance.
        """
        if cid not in self._concepts or limit <= 0:
            return []
        depth = min(max(int(depth), 1), MAX_DEPTH)
        allowed = self.edge_filter(relations, min_confidence, co_mention)
        # node -> (score, distance, edge index, direction, via, relation rank)
        found: dict[str, tuple[float, int, int, str, list[str], int]] = {}
        frontier = [cid]
        seen = {cid}
        for distance in range(1, depth + 1):
            level: dict[str, tuple[float, int, int, str, list[str], int]] = {}
            get = level.get
            for node in frontier:
                via = [] if node == cid else found[node][4] + [node]
                for other, strength, rank, index, direction in self._strong_links(node, allowed):
                    if other in seen:
                        continue
                    score = strength / distance
                    current = get(other)
                    if (
                        current is None
                        or score > current[0]
                        or (score == current[0] and rank < current[5])
                    ):
                        level[other] = (score, distance, index, direction, via, rank)
            found.update(level)
            seen.update(level)
            frontier = sorted(level)
            if not frontier:
                break
        folded = self._folded
        ranked = heapq.nsmallest(
            limit,
            found.items(),
            key=lambda kv: (-kv[1][0], kv[1][1], kv[1][5], folded[kv[0]], kv[0]),
        )
        out = []
        for other, (score, distance, index, direction, via, _rank) in ranked:
            edge = self._edges[index]
            item = {
                **self._ref(other),
                "relation": edge[1],
                "direction": direction,
                "distance": distance,
                "score": round(score, 4),
                "weight": edge[3],
                "confidence": edge[5],
                **_stated(edge),
                "evidenceCount": len(edge[4]),
                "evidence": self._evidence(edge),
            }
            if distance > 1:
                item["via"] = list(via)
            out.append(item)
        return out

    def _strong_links(
        self, node: str, allowed: EdgeFilter
    ) -> list[tuple[str, float, int, int, str]]:
        """The strongest edge to each neighbour, in adjacency order:
        (other, strength, relation rank, edge index, direction). Of equally strong edges
        the lower rank wins, then the first: what related() would pick edge by edge.
        Memoised per relation filter (a depth-2 walk reads hundreds of nodes' links)."""
        cache = _per_filter(self._strong_cache, allowed)
        hit = cache.get(node)
        if hit is not None:
            return hit
        best: dict[str, tuple[str, float, int, int, str]] = {}
        edges = self._edges
        for other, index, direction in self._adj[node]:
            edge = edges[index]
            if not allowed.admits(edge):
                continue
            strength = _strength(edge[1], edge[3], edge[5], edge[6])
            rank = RELATION_RANK[edge[1]]
            current = best.get(other)
            if (
                current is None
                or strength > current[1]
                or (strength == current[1] and rank < current[2])
            ):
                best[other] = (other, strength, rank, index, direction)
        result = list(best.values())
        cache[node] = result
        return result

    def _best_links(
        self, node: str, allowed: EdgeFilter
    ) -> dict[str, tuple[float, float, int, str]]:
        """Cheapest edge to each neighbour: other -> (cost, -weight, edge index, direction).

        Memoised per relation filter: Dijkstra and Yen ask for the same nodes many times.
        """
        cache = _per_filter(self._links_cache, allowed)
        hit = cache.get(node)
        if hit is not None:
            return hit
        links: dict[str, tuple[float, float, int, int, str]] = {}
        for other, index, direction in self._adj[node]:
            edge = self._edges[index]
            if not allowed.admits(edge):
                continue
            cost = _step_cost(edge[1], edge[3], edge[5], edge[6])
            cand = (cost, -edge[3], RELATION_RANK[edge[1]], index, direction)
            current = links.get(other)
            if current is None or cand < current:
                links[other] = cand
        result = {o: (c[0], c[1], c[3], c[4]) for o, c in links.items()}
        cache[node] = result
        return result

    def _shortest(
        self,
        src: str,
        dst: str,
        allowed: EdgeFilter,
        max_len: int,
        banned_nodes: set[str],
        banned_links: set[tuple[str, str]],
    ) -> tuple[float, list[str]] | None:
        """Dijkstra from src to dst on at most ``max_len`` edges, avoiding the banned parts."""
        # Heap entries point at (node, parent state) records instead of copying paths.
        states: list[tuple[str, int]] = [(src, -1)]
        heap: list[tuple[float, int, int]] = [(0.0, 0, 0)]
        # Pops come in cost order, so a node already expanded with no more hops dominates
        # this state (cheaper, and at least as much hop budget left); this also rules out
        # loops, since costs are positive.
        min_hops: dict[str, int] = {}
        # The cheapest entry pushed per node (cost, hops): a new entry no cheaper and with
        # no fewer hops would pop after it and be skipped (or never be reached), so it is
        # not pushed at all. Same result, a fraction of the heap traffic on dense graphs.
        pushed: dict[str, tuple[float, int]] = {src: (0.0, 0)}
        no_hops = max_len + 1
        heappush, heappop = heapq.heappush, heapq.heappop
        while heap:
            cost, hops, state = heappop(heap)
            node = states[state][0]
            if node == dst:
                path = []
                while state >= 0:
                    path.append(states[state][0])
                    state = states[state][1]
                return cost, path[::-1]
            if hops >= max_len or min_hops.get(node, no_hops) <= hops:
                continue
            min_hops[node] = hops
            nxt = hops + 1
            for other, (step, _w, _i, _d) in self._best_links(node, allowed).items():
                if min_hops.get(other, no_hops) <= nxt or other in banned_nodes:
                    continue
                total = cost + step
                best = pushed.get(other)
                if best is not None and best[0] <= total and best[1] <= nxt:
                    continue
                if banned_links and (node, other) in banned_links:
                    continue
                if best is None or total < best[0] or (total == best[0] and nxt < best[1]):
                    pushed[other] = (total, nxt)
                states.append((other, state))
                heappush(heap, (total, nxt, len(states) - 1))
        return None

    def _path_cost(self, nodes: list[str], allowed: EdgeFilter) -> float:
        return sum(self._best_links(a, allowed)[b][0] for a, b in pairwise(nodes))

    def paths(
        self,
        src: str,
        dst: str,
        k: int = 1,
        relations: Iterable[str] | None = None,
        max_len: int = 6,
        min_confidence: float = 0.0,
    ) -> list[dict[str, Any]]:
        """Up to k shortest explained paths (Yen): chains the notes write first, then
        typed edges; a co-mention hop only as a last resort, marked ``coMention``.

        Edges are walked in both directions; each reports its true direction.
        """
        if src not in self._concepts or dst not in self._concepts or k <= 0 or max_len <= 0:
            return []
        k = min(int(k), 10)
        allowed = self.edge_filter(relations, min_confidence, True)
        if src == dst:
            return [{"nodes": [self._ref(src)], "edges": [], "cost": 0.0}]
        first = self._shortest(src, dst, allowed, max_len, set(), set())
        if first is None:
            return []
        found: list[tuple[float, list[str]]] = [first]
        candidates: list[tuple[float, list[str]]] = []
        while len(found) < k:
            prev = found[-1][1]
            for i in range(len(prev) - 1):
                spur, root = prev[i], prev[: i + 1]
                banned_links = {
                    (p[1][i], p[1][i + 1])
                    for p in found
                    if p[1][: i + 1] == root and len(p[1]) > i + 1
                }
                spur_path = self._shortest(
                    spur, dst, allowed, max_len - i, set(root[:-1]), banned_links
                )
                if spur_path is None:
                    continue
                nodes = root[:-1] + spur_path[1]
                entry = (self._path_cost(nodes, allowed), nodes)
                if entry not in candidates and all(nodes != f[1] for f in found):
                    heapq.heappush(candidates, entry)
            if not candidates:
                break
            found.append(heapq.heappop(candidates))
        return [self._explain(nodes, cost, allowed) for cost, nodes in found]

    def _explain(self, nodes: list[str], cost: float, allowed: EdgeFilter) -> dict[str, Any]:
        edges = []
        for a, b in pairwise(nodes):
            _cost, _w, index, direction = self._best_links(a, allowed)[b]
            edge = self._edges[index]
            edges.append(
                {
                    "from": a,
                    "to": b,
                    "source": edge[0],
                    "target": edge[2],
                    "relation": edge[1],
                    "direction": direction,
                    "weight": edge[3],
                    "confidence": edge[5],
                    **_stated(edge),
                    "coMention": is_co_mention(edge),
                    "evidence": self._evidence(edge),
                }
            )
        return {"nodes": [self._ref(n) for n in nodes], "edges": edges, "cost": round(cost, 4)}

    def neighbourhood(
        self,
        focus: str | None = None,
        depth: int = 1,
        relations: Iterable[str] | None = None,
        limit: int = 50,
        min_weight: float = 0.0,
        min_confidence: float = 0.0,
        co_mention: bool = True,
    ) -> dict[str, list[dict[str, Any]]]:
        """A bounded subgraph for drawing: around ``focus``, or the most connected concepts."""
        empty: dict[str, list[dict[str, Any]]] = {"nodes": [], "edges": []}
        if limit <= 0:
            return empty
        allowed = self.edge_filter(relations, min_confidence, co_mention)

        def usable(index: int) -> bool:
            edge = self._edges[index]
            return allowed.admits(edge) and edge[3] >= min_weight

        if focus is None:
            chosen = [
                c
                for c, _ in sorted(self._degree.items(), key=lambda kv: (-kv[1], kv[0]))
                if self._degree[c] > 0
            ][:limit]
        elif focus not in self._concepts:
            return empty
        else:
            depth = min(max(int(depth), 1), MAX_DEPTH)
            chosen = [focus]
            seen = {focus}
            frontier = [focus]
            for _ in range(depth):
                level: dict[str, float] = {}
                for node in frontier:
                    for other, index, _d in self._adj[node]:
                        if other in seen or not usable(index):
                            continue
                        edge = self._edges[index]
                        level[other] = max(
                            level.get(other, 0.0), _strength(edge[1], edge[3], edge[5], edge[6])
                        )
                ordered = sorted(level, key=lambda c: (-level[c], -self._degree[c], c))
                room = limit - len(chosen)
                ordered = ordered[:room]
                chosen.extend(ordered)
                seen.update(ordered)
                frontier = ordered
                if len(chosen) >= limit or not frontier:
                    break
        members = set(chosen)
        edges = []
        for cid in chosen:
            for other, index, direction in self._adj[cid]:
                if direction != "out" or other not in members or not usable(index):
                    continue
                edge = self._edges[index]
                edges.append(
                    {
                        "source": edge[0],
                        "target": edge[2],
                        "relation": edge[1],
                        "weight": edge[3],
                        "confidence": edge[5],
                        **_stated(edge),
                    }
                )
        nodes = [
            {
                **self._ref(c),
                "kind": "focus" if c == focus else "concept",
                "degree": self._degree[c],
            }
            for c in chosen
        ]
        return {"nodes": nodes, "edges": edges}

    # ------------------------------------------------------------------ summary

    def relation_types(self) -> list[dict[str, str]]:
        """The relation types (id, label, description, predicate), strongest first."""
        return vocab.relation_types()

    def stats(self) -> dict[str, int]:
        """Counts for the status page: concepts, aggregated edges, notes."""
        return {
            "concepts": len(self._concepts),
            "relations": len(self._edges),
            "notes": self.note_count,
        }

    def __contains__(self, cid: object) -> bool:
        return cid in self._concepts

    def __len__(self) -> int:
        return len(self._concepts)
