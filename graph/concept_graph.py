"""The precomputed in-memory concept graph the API answers from.

Why not query the RDF dataset directly: rdflib's SPARQL engine costs 7-10 ms per query
and the API's related/path/suggest calls must answer in about a millisecond. So the
dataset is read once into records (:mod:`graph.records`, built by
:mod:`graph.concept_build`) with adjacency lists over them, and saved as compact JSON so
a server starts without rdflib parsing. Label tables live in :mod:`graph.labels`, path
finding in :mod:`graph.paths`.
"""

from __future__ import annotations

import bisect
import heapq
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from rdflib import Dataset

from common.memory import collector_paused
from ingest.model import Corpus
from ingest.text import label_key
from search.spelling import allowed_typos

from . import concept_build, records, vocab
from .labels import LabelIndex
from .paths import k_shortest, step_cost
from .rdf import concept_uri
from .records import FORMAT_VERSION, UNRATED, ConceptRecord, Edge, GraphData, Source
from .vocab import RELATION_RANK, RELATIONS

__all__ = ["FORMAT_VERSION", "UNRATED", "ConceptGraph", "Edge", "EdgeFilter"]

EVIDENCE_CAP = 3  # evidence items per result in related()/paths()
MAX_DEPTH = 3
_SHORT_PREFIX = 2  # suggest() results for prefixes this short are memoised
SUGGEST_MEMO_SIZE = 4096  # the memo is keyed by client input: least recently used go first


def is_co_mention(edge: Edge) -> bool:
    """Two concepts only named together: a ``related`` edge no author wrote as a link."""
    return RELATIONS[edge.relation].co_mention and not edge.explicit


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


def _edge_strength(edge: Edge) -> float:
    return _strength(edge.relation, edge.weight, edge.confidence, edge.explicit)


@dataclass(frozen=True, slots=True)
class EdgeFilter:
    """Which edges a query walks: of these types (None: all), typed ones at least this
    confident, and co-mentions only when asked for (they are never typed claims)."""

    relations: frozenset[str] | None = None
    min_confidence: float = 0.0
    co_mention: bool = True

    def admits(self, edge: Edge) -> bool:
        if self.relations is not None and edge.relation not in self.relations:
            return False
        if is_co_mention(edge):
            return self.co_mention or self.relations is not None
        return edge.confidence >= self.min_confidence


def _stated(edge: Edge) -> dict[str, Any]:
    """What an edge the author linked adds to its JSON: ``explicit``, and the field
    names it was written with (``labels``) when there are any; nothing otherwise."""
    if not edge.explicit:
        return {}
    return {"explicit": True, "labels": list(edge.labels)} if edge.labels else {"explicit": True}


def _per_filter(caches: dict[Any, dict[str, Any]], key: EdgeFilter) -> dict[str, Any]:
    """The memo for one edge filter, in a table of at most 32 filters."""
    cache = caches.get(key)
    if cache is None:
        if len(caches) >= 32:
            caches.clear()
        cache = caches[key] = {}
    return cache


def _source_json(source: Source) -> dict[str, Any]:
    return {
        "path": source.path,
        "anchor": source.anchor,
        "line": source.line,
        "title": source.title,
    }


Link = tuple[str, int, str]  # other concept, edge index, direction ("out" or "in")
Reached = tuple[float, int, int, str, list[str], int]  # score, distance, edge index,
# direction, via (the ids between), relation rank: a plain tuple, made ~10^4 times a walk


class ConceptGraph:
    """Concepts, aggregated typed edges and lookup indexes; every method returns JSON-able data.

    Unknown ids never raise: they give ``None`` or an empty list.
    """

    def __init__(self, data: GraphData) -> None:
        """Index the records; every way of building a graph (:meth:`from_corpus`,
        :meth:`from_dataset`, :meth:`from_quads`, :meth:`load`) ends here."""
        self._data = data
        self.base_uri: str = data.base_uri
        self.note_count: int = data.notes
        self._concepts: dict[str, ConceptRecord] = {c.id: c for c in data.concepts}
        self._edges: list[Edge] = data.edges
        self._texts: list[str] = data.texts
        self._paths: list[str] = data.paths
        adj: dict[str, list[Link]] = {cid: [] for cid in self._concepts}
        for index, edge in enumerate(self._edges):
            adj[edge.source].append((edge.target, index, "out"))
            adj[edge.target].append((edge.source, index, "in"))
        self._adj = adj
        self._degree = {cid: len({n for n, _, _ in links}) for cid, links in adj.items()}
        self._folded = {cid: rec.label.casefold() for cid, rec in self._concepts.items()}
        self._label_index: LabelIndex | None = None  # see _labels
        self._label_lock = threading.Lock()
        self._strong_cache: dict[EdgeFilter, dict[str, list[Any]]] = {}
        self._links_cache: dict[EdgeFilter, dict[str, dict[str, Any]]] = {}
        self._suggest_memo = lru_cache(maxsize=SUGGEST_MEMO_SIZE)(self._suggest)

    # ------------------------------------------------------------------ building

    @classmethod
    def from_corpus(cls, corpus: Corpus, base_uri: str) -> ConceptGraph:
        """The view of the dataset :func:`graph.rdf.corpus_nquads` writes for ``corpus``,
        read from the corpus itself (equal to ``from_quads`` of those quads)."""
        with collector_paused():
            return cls(concept_build.from_corpus(corpus, base_uri))

    @classmethod
    def from_quads(cls, quads: Iterable[tuple[Any, Any, Any, Any]], base_uri: str) -> ConceptGraph:
        """The view of any stream of quads shaped like :func:`graph.rdf.corpus_quads` gives."""
        with collector_paused():
            return cls(concept_build.from_quads(quads, base_uri))

    @classmethod
    def from_dataset(cls, ds: Dataset, base_uri: str) -> ConceptGraph:
        """The view of the dataset built by :func:`graph.rdf.corpus_to_dataset`, read in
        one pass over its quads."""
        return cls.from_quads(ds.quads((None, None, None, None)), base_uri)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ConceptGraph:
        """Read a file written by :meth:`save` (or by an earlier kg)."""
        # ~10^6 small objects: with the cyclic GC on, its rescans were half the time.
        with collector_paused():
            return cls(records.read(path))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the compact JSON file (:mod:`graph.records`) atomically."""
        records.write(self._data, path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConceptGraph) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # equal by value, so unhashable

    # ------------------------------------------------------------------ records

    @property
    def _labels(self) -> LabelIndex:
        """The label tables, built the first time one is asked for."""
        index = self._label_index
        if index is None:
            with self._label_lock:
                if self._label_index is None:
                    self._label_index = LabelIndex.build(self._concepts.values(), self._degree)
                index = self._label_index
        return index

    def _label(self, cid: str) -> str:
        return self._concepts[cid].label

    def _ref(self, cid: str) -> dict[str, str]:
        return {"id": cid, "label": self._concepts[cid].label}

    def label_in(self, cid: str, lang: str | None) -> str | None:
        """The concept's label in a language (``ko``), falling back to English; None for
        an unknown id."""
        rec = self._concepts.get(cid)
        if rec is None:
            return None
        if lang and lang != "en":
            return rec.translations.get(lang) or rec.label
        return rec.label

    def labels(self, cid: str) -> dict[str, str]:
        """Every preferred label by language: ``{"en": "Pod", "ko": "파드"}``."""
        rec = self._concepts.get(cid)
        if rec is None:
            return {}
        return {"en": rec.label, **rec.translations}

    def edges(self) -> Iterator[Edge]:
        """Every edge record, co-mentions too, in (source, relation rank, target) order."""
        return iter(self._edges)

    def edge(self, source: str, relation: str, target: str) -> Edge | None:
        """The edge (source, relation, target), or None when the graph has none."""
        for other, index, direction in self._adj.get(source, ()):
            edge = self._edges[index]
            if direction == "out" and other == target and edge.relation == relation:
                return edge
        return None

    def typed_edges(self) -> Iterator[dict[str, Any]]:
        """Every typed edge (co-mentions left out) as the API writes an edge: source and
        target ids, relation, weight, confidence, whether the author wrote it, and its
        first evidence (None when the graph holds none)."""
        for edge in self._edges:
            if RELATIONS[edge.relation].co_mention:
                continue
            first = self._evidence(edge, cap=1)
            yield {
                "source": edge.source,
                "relation": edge.relation,
                "target": edge.target,
                "weight": edge.weight,
                "confidence": edge.confidence,
                "explicit": bool(edge.explicit),
                "evidence": first[0] if first else None,
            }

    def _evidence(self, edge: Edge, cap: int | None = EVIDENCE_CAP) -> list[dict[str, Any]]:
        items = edge.evidence if cap is None else edge.evidence[:cap]
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
        labels = self._labels
        for table in (labels.label_key, labels.alias_key, labels.id_key):
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
            if RELATIONS[edge.relation].hierarchical:
                (broader if direction == "out" else narrower).append(self._ref(other))
            else:
                related.append(
                    {
                        **self._ref(other),
                        "relation": edge.relation,
                        "direction": direction,
                        "weight": edge.weight,
                        "confidence": edge.confidence,
                        **_stated(edge),
                        "_s": _edge_strength(edge),
                    }
                )
        related.sort(
            key=lambda r: (-r.pop("_s"), RELATION_RANK[r["relation"]], r["label"].casefold())
        )
        by_label = lambda r: (r["label"].casefold(), r["id"])
        defn = rec.definition
        return {
            "id": cid,
            "uri": str(concept_uri(self.base_uri, cid)),
            "label": rec.label,
            "altLabels": list(rec.alt),
            "translations": dict(rec.translations),
            "definition": defn._asdict() if defn else None,
            "broader": sorted(broader, key=by_label),
            "narrower": sorted(narrower, key=by_label),
            "related": related,
            "sources": [_source_json(s) for s in rec.sources],
        }

    def defined_in(self, cid: str) -> list[dict[str, Any]]:
        """The sections that define the concept (its heading, a "Term: …" item), in the
        order ``concept()["sources"]`` lists them first; [] for an unknown id."""
        rec = self._concepts.get(cid)
        if rec is None:
            return []
        return [_source_json(s) for s in rec.sources if s.defined]

    def concepts(self, limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, str]]]:
        """One page of all concepts, sorted by label (case-insensitive): (total, items)."""
        limit, offset = max(0, int(limit)), max(0, int(offset))
        by_label = self._labels.by_label
        page = by_label[offset : offset + limit]
        return len(by_label), [{"id": c.id, "label": c.label} for c in page]

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
        entries, keys = self._labels.suggest_entries, self._labels.suggest_keys
        for query in {norm, lower}:
            if not query:
                continue
            lo = bisect.bisect_left(keys, query)
            for i in range(lo, len(entries)):
                key, tier, neg_degree, cid, text = entries[i]
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
        labels = self._labels
        tables = (labels.label_key, labels.alias_key, labels.id_key)
        words = [k] if k in labels.spelling else []
        words += [word for word, _ in labels.spelling.fuzzy(k, allowed_typos(k), n * 3)]
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
        found = self._reach(cid, depth, self.edge_filter(relations, min_confidence, co_mention))
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
                "relation": edge.relation,
                "direction": direction,
                "distance": distance,
                "score": round(score, 4),
                "weight": edge.weight,
                "confidence": edge.confidence,
                **_stated(edge),
                "evidenceCount": len(edge.evidence),
                "evidence": self._evidence(edge),
            }
            if distance > 1:
                item["via"] = list(via)
            out.append(item)
        return out

    def _reach(self, cid: str, depth: int, allowed: EdgeFilter) -> dict[str, Reached]:
        """Every concept within ``depth`` hops, reached by its best hop (highest score
        = strength / distance, then lowest relation rank), breadth first."""
        found: dict[str, Reached] = {}
        frontier = [cid]
        seen = {cid}
        for distance in range(1, depth + 1):
            level: dict[str, Reached] = {}
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
        return found

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
            strength = _edge_strength(edge)
            rank = RELATION_RANK[edge.relation]
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
            cost = step_cost(edge.relation, edge.weight, edge.confidence, edge.explicit)
            cand = (cost, -edge.weight, RELATION_RANK[edge.relation], index, direction)
            current = links.get(other)
            if current is None or cand < current:
                links[other] = cand
        result = {o: (c[0], c[1], c[3], c[4]) for o, c in links.items()}
        cache[node] = result
        return result

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

        def links(node: str) -> dict[str, tuple[float, float, int, str]]:
            return self._best_links(node, allowed)

        found = k_shortest(links, src, dst, k, max_len)
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
                    "source": edge.source,
                    "target": edge.target,
                    "relation": edge.relation,
                    "direction": direction,
                    "weight": edge.weight,
                    "confidence": edge.confidence,
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
        if limit <= 0 or (focus is not None and focus not in self._concepts):
            return {"nodes": [], "edges": []}
        allowed = self.edge_filter(relations, min_confidence, co_mention)

        def usable(edge: Edge) -> bool:
            return allowed.admits(edge) and edge.weight >= min_weight

        if focus is None:
            chosen = self._most_connected(limit)
        else:
            chosen = self._around(focus, min(max(int(depth), 1), MAX_DEPTH), limit, usable)
        nodes = [
            {
                **self._ref(c),
                "kind": "focus" if c == focus else "concept",
                "degree": self._degree[c],
            }
            for c in chosen
        ]
        edges = [
            {
                "source": edge.source,
                "target": edge.target,
                "relation": edge.relation,
                "weight": edge.weight,
                "confidence": edge.confidence,
                **_stated(edge),
            }
            for edge in self._edges_among(chosen, usable)
        ]
        return {"nodes": nodes, "edges": edges}

    def _most_connected(self, limit: int) -> list[str]:
        """The concepts with the most neighbours (ties by id), none without any."""
        ranked = sorted(self._degree.items(), key=lambda kv: (-kv[1], kv[0]))
        return [c for c, degree in ranked if degree > 0][:limit]

    def _around(
        self, focus: str, depth: int, limit: int, usable: Callable[[Edge], bool]
    ) -> list[str]:
        """The focus, then hop by hop its neighbours by strongest edge, then degree, then
        id, until ``limit`` concepts."""
        chosen = [focus]
        seen = {focus}
        frontier = [focus]
        for _ in range(depth):
            level: dict[str, float] = {}
            for node in frontier:
                for other, index, _d in self._adj[node]:
                    edge = self._edges[index]
                    if other in seen or not usable(edge):
                        continue
                    level[other] = max(level.get(other, 0.0), _edge_strength(edge))
            ordered = sorted(level, key=lambda c: (-level[c], -self._degree[c], c))
            ordered = ordered[: limit - len(chosen)]
            chosen.extend(ordered)
            seen.update(ordered)
            frontier = ordered
            if len(chosen) >= limit or not frontier:
                break
        return chosen

    def _edges_among(self, chosen: list[str], usable: Callable[[Edge], bool]) -> Iterator[Edge]:
        """The usable edges between chosen concepts, by source in the chosen order."""
        members = set(chosen)
        for cid in chosen:
            for other, index, direction in self._adj[cid]:
                edge = self._edges[index]
                if direction == "out" and other in members and usable(edge):
                    yield edge

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
