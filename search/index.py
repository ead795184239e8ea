"""``SearchIndex``: the one class the rest of kg talks to. Whoosh stays behind it."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from whoosh import index as windex
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage, RamStorage, Storage
from whoosh.scoring import BM25F

from ingest.model import Concept, Note
from search.analysis import word_terms, words
from search.documents import documents, synonyms
from search.query import ParsedQuery, Plan, Planner, corrected_words, parse
from search.schema import LIST_SEP, SCHEMA_VERSION, build_schema
from search.snippets import hit_pattern, snippet
from search.spelling import Vocabulary

SYNONYMS_FILE = "kg-synonyms.json"
META_FILE = "kg-search.json"

# Re-ranking of the top hits (Whoosh's BM25F order beyond this window is kept as is,
# so pages stay consistent: the window is always the first RERANK_WINDOW by BM25F).
RERANK_WINDOW = 100
HEADING_NAMES_QUERY_CONCEPT = 2.0  # section whose heading names a concept the query names
DEFINES_QUERY_CONCEPT = 1.6  # the defining section of such a concept
CONCEPT_LABEL_MISS = 0.3  # concept doc whose labels do not cover every query word
FACET_LIMIT = 20  # values returned per facet (the most frequent)
PLAN_CACHE_SIZE = 1024
FRESHNESS_CHECK_SECONDS = 1.0
FILTER_FIELDS = {"kind": "kind", "path": "path", "tag": "tags", "tags": "tags",
                 "concept": "concepts", "concepts": "concepts"}


@dataclass(slots=True)
class _Doc:
    """What search needs of one indexed document, held in memory per searcher."""

    kind: str
    id: str
    title: str
    breadcrumb: list[str]
    body: str
    path: str
    anchor: str
    line: int
    concepts: list[str]
    tags: list[str]
    heads: str
    defines: frozenset[str]
    label_terms: frozenset[str]


def _split(value: str | None, sep: str = ",") -> list[str]:
    return [v for v in (value or "").split(sep) if v]


class _View:
    """One index version: a searcher plus everything derived from it (caches included)."""

    def __init__(self, ix: Any, synonym_table: dict[str, Any]) -> None:
        self.searcher = ix.searcher(weighting=BM25F())
        reader = self.searcher.reader()
        self.generation = reader.generation()
        self.vocab = Vocabulary(
            (t.decode("utf-8") if isinstance(t, bytes) else t, info.doc_frequency())
            for t, info in reader.iter_field("spell")
        )
        self.docs: list[_Doc | None] = [None] * reader.doc_count_all()
        for docnum, stored in reader.iter_docs():
            labels = stored.get("labels") or ""
            label_terms: set[str] = set()
            for w in words(labels):
                label_terms |= word_terms(w)
            self.docs[docnum] = _Doc(
                kind=stored.get("kind", ""),
                id=stored.get("id", ""),
                title=stored.get("title", ""),
                breadcrumb=_split(stored.get("breadcrumb"), LIST_SEP),
                body=stored.get("body", ""),
                path=stored.get("path", ""),
                anchor=stored.get("anchor", ""),
                line=int(stored.get("line") or 0),
                concepts=_split(stored.get("concepts")),
                tags=_split(stored.get("tags")),
                heads=stored.get("heads", ""),
                defines=frozenset(_split(stored.get("defines"))),
                label_terms=frozenset(label_terms),
            )
        freq_cache: dict[tuple[str, str], int] = {}

        def frequency(fieldname: str, term: str) -> int:
            key = (fieldname, term)
            found = freq_cache.get(key)
            if found is None:
                found = reader.doc_frequency(fieldname, term)
                freq_cache[key] = found
            return found

        self.planner = Planner(self.vocab, synonym_table, frequency)
        self._plans: OrderedDict[str, tuple[Plan, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def plan(self, parsed: ParsedQuery) -> tuple[Plan, Any]:
        """Plan (and highlight regex) for a parsed query, LRU-cached per index version."""
        key = repr((parsed.words, parsed.phrases, parsed.typing))
        with self._lock:
            hit = self._plans.get(key)
            if hit is not None:
                self._plans.move_to_end(key)
                return hit
        plan = self.planner.plan(parsed)
        value = (plan, hit_pattern(plan.terms))
        with self._lock:
            self._plans[key] = value
            if len(self._plans) > PLAN_CACHE_SIZE:
                self._plans.popitem(last=False)
        return value

    def close(self) -> None:
        self.searcher.close()


class SearchIndex:
    """Full-text search over sections and concepts.

    Build with :meth:`build` (a directory) or :meth:`in_memory` (tests); serve with
    :meth:`open`. One long-lived searcher is shared by threads and replaced by a new one
    when the index on disk changes. Open after forking: searchers cannot be pickled.
    """

    def __init__(self, ix: Any, storage: Storage) -> None:
        self._ix = ix
        self._storage = storage
        self._synonyms = self._read_json(SYNONYMS_FILE) or {"keys": {}, "labels": {}}
        self._view = _View(ix, self._synonyms)
        self._checked = time.monotonic()
        self._swap = threading.Lock()

    # -- building and opening ---------------------------------------------------------

    @classmethod
    def build(
        cls,
        directory: str | os.PathLike[str],
        notes: Iterable[Note],
        concepts: Mapping[str, Concept] | Iterable[Concept],
        procs: int = 1,
    ) -> SearchIndex:
        """Write a new index into an empty (or missing) directory and open it."""
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        if os.listdir(directory):
            raise FileExistsError(f"index directory is not empty: {directory}")
        storage = FileStorage(directory)
        cls._write(storage, list(notes), concepts, procs)
        return cls.open(directory)

    @classmethod
    def in_memory(
        cls, notes: Iterable[Note], concepts: Mapping[str, Concept] | Iterable[Concept]
    ) -> SearchIndex:
        """An index in RAM (RamStorage), for tests and small throwaway corpora."""
        storage = RamStorage()
        ix = cls._write(storage, list(notes), concepts, 1)
        return cls(ix, storage)

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> SearchIndex:
        """Open an existing index read-only."""
        storage = FileStorage(os.fspath(directory), readonly=True)
        return cls(storage.open_index(), storage)

    @staticmethod
    def _write(
        storage: Storage,
        notes: list[Note],
        concepts: Mapping[str, Concept] | Iterable[Concept],
        procs: int,
    ) -> Any:
        concept_list = list(concepts.values()) if isinstance(concepts, Mapping) else list(concepts)
        ix = storage.create_index(build_schema())
        writer = ix.writer(procs=procs, limitmb=256) if procs > 1 else ix.writer(limitmb=256)
        count = 0
        for doc in documents(notes, concept_list):
            writer.add_document(**doc)
            count += 1
        writer.commit()
        for name, payload in (
            (SYNONYMS_FILE, synonyms(concept_list)),
            (META_FILE, {"schema_version": SCHEMA_VERSION, "documents": count,
                         "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}),
        ):
            f = storage.create_file(name)
            f.write(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8"))
            f.close()
        return ix

    def _read_json(self, name: str) -> dict[str, Any] | None:
        if not self._storage.file_exists(name):
            return None
        f = self._storage.open_file(name)
        try:
            return json.loads(bytes(f.read()).decode("utf-8"))
        finally:
            f.close()

    def _current(self) -> _View:
        """The live view; replaced (new searcher, fresh caches) if the index changed."""
        now = time.monotonic()
        if now - self._checked < FRESHNESS_CHECK_SECONDS:
            return self._view
        with self._swap:
            self._checked = now
            view = self._view
            if not view.searcher.up_to_date():
                self._synonyms = self._read_json(SYNONYMS_FILE) or self._synonyms
                self._view = _View(self._ix, self._synonyms)
                view.close()
            return self._view

    def close(self) -> None:
        """Release the searcher (and its open files)."""
        self._view.close()

    @property
    def doc_count(self) -> int:
        return self._view.searcher.doc_count()

    # -- searching ----------------------------------------------------------------------

    def search(
        self,
        q: str,
        limit: int = 10,
        offset: int = 0,
        kind: str | None = None,
        filters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Plain-text search with typo tolerance, synonyms, facets and HTML snippets.

        Every word is required (in any field); if that finds nothing, any word; if that
        finds nothing, a spelling-corrected query is run and reported in ``didYouMean``.
        ``filters`` keys: kind, path, tag, concept (values a string or a list, exact).
        """
        view = self._current()
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        parsed = parse(q if isinstance(q, str) else "")
        flt = self._filter(kind, filters)
        response: dict[str, Any] = {
            "query": parsed.text, "total": 0, "results": [],
            "facets": {"kind": {}, "path": {}, "tag": {}, "concept": {}}, "didYouMean": None,
        }
        if not parsed.words and not parsed.phrases:
            return response
        plan, pattern = view.plan(parsed)
        found = self._run(view, plan, flt, limit, offset)
        if found is None:
            fixed = corrected_words(parsed.words, view.vocab)
            if fixed is not None:
                fixed_parsed = ParsedQuery(
                    text=" ".join([*fixed, *(f'"{" ".join(p)}"' for p in parsed.phrases)]),
                    words=fixed, phrases=parsed.phrases, typing=False,
                )
                plan, pattern = view.plan(fixed_parsed)
                found = self._run(view, plan, flt, limit, offset)
                if found is not None:
                    response["didYouMean"] = fixed_parsed.text
        if found is None:
            return response
        total, ranked, docset = found
        response["total"] = total
        response["facets"] = self._facets(view, docset)
        results = []
        for docnum, score in ranked:
            doc = view.docs[docnum]
            assert doc is not None
            results.append({
                "kind": doc.kind,
                "id": doc.id,
                "title": doc.title,
                "breadcrumb": list(doc.breadcrumb),
                "snippet": snippet(doc.body, plan.terms, pattern),
                "score": round(score, 4),
                "path": doc.path,
                "anchor": doc.anchor,
                "line": doc.line,
                "concepts": list(doc.concepts),
            })
        response["results"] = results
        return response

    def _filter(self, kind: str | None, filters: dict[str, Any] | None) -> Any:
        clauses = []
        items: list[tuple[str, Any]] = [("kind", kind)] if kind else []
        items += list((filters or {}).items())
        for key, value in items:
            if value is None or value == "" or value == []:
                continue
            fieldname = FILTER_FIELDS.get(key)
            if fieldname is None:
                raise ValueError(
                    f"unknown filter {key!r}; expected one of kind, path, tag, concept"
                )
            values = [value] if isinstance(value, str) else list(value)
            clauses.append(wq.Or([wq.Term(fieldname, str(v)) for v in values]))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else wq.And(clauses)

    def _run(
        self, view: _View, plan: Plan, flt: Any, limit: int, offset: int
    ) -> tuple[int, list[tuple[int, float]], set[int]] | None:
        """AND, then OR; None when neither matches."""
        queries = [plan.and_query]
        if len(plan.scoring_groups) > 1:
            queries.append(plan.or_query)  # OR of one group is the AND already run
        for q in queries:
            if q is None:
                continue
            window = max(RERANK_WINDOW, offset + limit)
            results = view.searcher.search(q, limit=window, filter=flt)
            total = len(results)
            if not total:
                continue
            hits = [(hit.docnum, hit.score) for hit in results]
            ranked = self._rerank(view, plan, hits[:RERANK_WINDOW]) + hits[RERANK_WINDOW:]
            return total, ranked[offset : offset + limit], set(results.docs())
        return None

    @staticmethod
    def _rerank(view: _View, plan: Plan, hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Structure over text statistics: defining sections up, label-less concepts down."""
        groups = [g.terms for g in plan.scoring_groups]
        out = []
        for rank, (docnum, score) in enumerate(hits):
            doc = view.docs[docnum]
            assert doc is not None
            if doc.kind == "concept":
                if not all(doc.label_terms & g for g in groups):
                    score *= CONCEPT_LABEL_MISS
            elif plan.concepts:
                if doc.heads and doc.heads in plan.concepts:
                    score *= HEADING_NAMES_QUERY_CONCEPT
                elif doc.defines & plan.concepts:
                    score *= DEFINES_QUERY_CONCEPT
            out.append((-score, rank, docnum, score))
        out.sort()
        return [(docnum, score) for _, _, docnum, score in out]

    @staticmethod
    def _facets(view: _View, docset: set[int]) -> dict[str, dict[str, int]]:
        kinds: Counter[str] = Counter()
        paths: Counter[str] = Counter()
        tags: Counter[str] = Counter()
        concepts: Counter[str] = Counter()
        docs = view.docs
        for docnum in docset:
            doc = docs[docnum]
            if doc is None:
                continue
            kinds[doc.kind] += 1
            if doc.path:
                paths[doc.path] += 1
            tags.update(doc.tags)
            concepts.update(doc.concepts)

        def top(c: Counter[str]) -> dict[str, int]:
            return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_LIMIT])

        return {"kind": top(kinds), "path": top(paths), "tag": top(tags), "concept": top(concepts)}
