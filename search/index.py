"""``SearchIndex``: the one class the rest of kg talks to. Whoosh stays behind it.

A search, in order: the text is parsed (``search.query.parse``) and planned against the
index's vocabulary and synonyms (``Planner``); the plan's tree is evaluated on per-term
score maps read from Whoosh's postings (``search.evaluate``, ``search.scoring``), all
words first and any word if that finds nothing, then a spelling-corrected query; the
matches are filtered and counted by facet (``search.facets``), the best re-ranked by
the notes' structure (``search.ranking``) and given snippets (``search.snippets``).
With ``syntax="whoosh"`` the text is Whoosh's query language, parsed by Whoosh's
``QueryParser`` and run by Whoosh's searcher with the same scoring model.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from whoosh.filedb.filestore import FileStorage, RamStorage, Storage

from common.memory import collector_paused
from ingest.model import Concept, Note
from search import korean
from search.analysis import reset as reset_analysis
from search.facets import empty_facets
from search.query import ParsedQuery, Plan, corrected_words, parse
from search.ranking import multiplier, ranked
from search.schema import FIELD_BOOSTS
from search.snippets import hit_pattern, snippet
from search.view import View
from search.whoosh_query import QuerySyntaxError, parse_syntax
from search.writer import META_FILE, SYNONYMS_FILE, read_json, write_index

FRESHNESS_CHECK_SECONDS = 1.0
SYNTAXES = ("plain", "whoosh")

__all__ = ["SYNTAXES", "QuerySyntaxError", "SearchIndex"]


class SearchIndex:
    """Full-text search over sections and concepts.

    Build with :meth:`build` (a directory) or :meth:`in_memory` (tests); serve with
    :meth:`open`. One long-lived view (searcher and caches) is shared by threads and
    replaced when the index on disk changes. Open after forking: searchers cannot be
    shared across a fork.
    """

    def __init__(self, ix: Any, storage: Storage) -> None:
        self._ix = ix
        self._storage = storage
        self._synonyms = read_json(storage, SYNONYMS_FILE) or {"keys": {}, "labels": {}}
        meta = read_json(storage, META_FILE) or {}
        # Queries must analyse Korean the way the index was built.
        built_with = meta.get("korean_analyzer")
        if built_with and built_with != korean.mode():
            korean.set_mode(built_with)
            reset_analysis()
        self._view: View | None = None  # made on first use: an ingest closes it unused
        self._retired: View | None = None
        self._checked = time.monotonic()
        self._swap = threading.Lock()

    # -- building and opening ---------------------------------------------------------

    @classmethod
    def build(
        cls,
        directory: str | os.PathLike[str],
        notes: Iterable[Note],
        concepts: Mapping[str, Concept] | Iterable[Concept],
        previous: str | os.PathLike[str] | None = None,
    ) -> SearchIndex:
        """Write a new index into an empty (or missing) directory and open it.

        ``previous``: an earlier build's index directory; the new index starts from its
        segments (hard links) and replaces only the documents that changed. The result
        searches exactly as a build from scratch.
        """
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        if os.listdir(directory):
            raise FileExistsError(f"index directory is not empty: {directory}")
        with collector_paused():
            write_index(
                FileStorage(directory),
                list(notes),
                _concepts(concepts),
                None if previous is None else os.fspath(previous),
            )
        return cls.open(directory)

    @classmethod
    def in_memory(
        cls, notes: Iterable[Note], concepts: Mapping[str, Concept] | Iterable[Concept]
    ) -> SearchIndex:
        """An index in RAM (RamStorage), for tests and small throwaway corpora."""
        storage = RamStorage()
        with collector_paused():
            ix = write_index(storage, list(notes), _concepts(concepts))
        return cls(ix, storage)

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> SearchIndex:
        """Open an existing index read-only."""
        storage = FileStorage(os.fspath(directory), readonly=True)
        return cls(storage.open_index(), storage)

    def _current(self) -> View:
        """The live view; replaced (new searcher, fresh caches) if the index changed."""
        now = time.monotonic()
        view = self._view
        if view is not None and now - self._checked < FRESHNESS_CHECK_SECONDS:
            return view
        with self._swap:
            self._checked = now
            view = self._view
            if view is None:
                view = self._view = View(self._ix, self._storage, self._synonyms)
            elif not view.searcher.up_to_date():
                self._synonyms = read_json(self._storage, SYNONYMS_FILE) or self._synonyms
                self._view = View(self._ix, self._storage, self._synonyms)
                # A thread may still be searching the replaced view: it is closed at
                # the next swap (a second later at the earliest), not now.
                retired, self._retired = self._retired, view
                if retired is not None:
                    retired.close()
            assert self._view is not None  # set in every branch above
            return self._view

    def close(self) -> None:
        """Release the searchers (and their open files)."""
        for view in (self._view, self._retired):
            if view is not None:
                view.close()

    @property
    def doc_count(self) -> int:
        return self._current().searcher.doc_count()

    # -- searching ----------------------------------------------------------------------

    def search(
        self,
        q: str,
        limit: int = 10,
        offset: int = 0,
        kind: str | None = None,
        filters: dict[str, Any] | None = None,
        syntax: str = "plain",
    ) -> dict[str, Any]:
        """Search with facets and HTML snippets.

        ``syntax="plain"`` (the default): every word is required (in any field); if
        that finds nothing, any word; if that finds nothing, a spelling-corrected query
        is run and reported in ``didYouMean``. Typos, prefixes, synonyms, phrases: see
        ``search.query``. ``syntax="whoosh"``: Whoosh's query language (raises
        :class:`QuerySyntaxError` with Whoosh's message). ``filters`` keys: kind, path,
        tag, concept (values a string or a list, exact).
        """
        if syntax not in SYNTAXES:
            raise ValueError(f"unknown syntax {syntax!r}; expected one of {', '.join(SYNTAXES)}")
        view = self._current()
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        allowed = view.facets.allowed(kind, filters)
        if syntax == "whoosh":
            return self._search_syntax(
                view, q if isinstance(q, str) else "", allowed, limit, offset
            )
        parsed = parse(q if isinstance(q, str) else "")
        response = _response(parsed.text)
        if not parsed.words and not parsed.phrases:
            return response
        plan, pattern = view.plan(parsed)
        found = self._run(view, plan, allowed, limit, offset)
        if found is None:
            fixed = corrected_words(parsed.words, view.vocab)
            if fixed is not None:
                fixed_parsed = ParsedQuery(
                    text=" ".join([*fixed, *(f'"{" ".join(p)}"' for p in parsed.phrases)]),
                    words=fixed,
                    phrases=parsed.phrases,
                    typing=False,
                )
                plan, pattern = view.plan(fixed_parsed)
                found = self._run(view, plan, allowed, limit, offset)
                if found is not None:
                    response["didYouMean"] = fixed_parsed.text
        if found is None:
            return response
        total, hits, docset = found
        response["total"] = total
        response["facets"] = view.facets.counts(docset)
        response["results"] = [_result(view, d, s, plan.terms, pattern) for d, s in hits]
        return response

    @staticmethod
    def _run(
        view: View, plan: Plan, allowed: set[int] | None, limit: int, offset: int
    ) -> tuple[int, list[tuple[int, float]], Any] | None:
        """AND, then OR; None when neither matches."""
        queries = [plan.and_query]
        if len(plan.scoring_groups) > 1:
            queries.append(plan.or_query)  # OR of one group is the AND already run
        groups = [g.terms for g in plan.scoring_groups]
        for q in queries:
            if q is None:
                continue
            scores = view.evaluate(q)
            if allowed is not None:
                if len(allowed) < len(scores):
                    scores = {d: scores[d] for d in allowed if d in scores}
                else:
                    scores = {d: s for d, s in scores.items() if d in allowed}
            if not scores:
                continue
            hits = ranked(
                scores, view.doc, offset + limit, lambda doc: multiplier(doc, groups, plan.concepts)
            )
            return len(scores), hits[offset : offset + limit], scores.keys()
        return None

    def _search_syntax(
        self, view: View, text: str, allowed: set[int] | None, limit: int, offset: int
    ) -> dict[str, Any]:
        """A query in Whoosh's syntax, run by Whoosh's searcher (no re-ranking)."""
        response = _response(text.strip())
        if not text.strip():
            return response
        q = parse_syntax(view.parser, text)
        scores = view.whoosh_search(q, allowed)
        if not scores:
            return response
        terms = frozenset(
            t.decode("utf-8") if isinstance(t, bytes) else t
            for f, t in q.iter_all_terms()
            if f in FIELD_BOOSTS
        )
        pattern = hit_pattern(terms)
        hits = ranked(scores, view.doc, offset + limit, None)[offset : offset + limit]
        response["total"] = len(scores)
        response["facets"] = view.facets.counts(scores.keys())
        response["results"] = [_result(view, d, s, terms, pattern) for d, s in hits]
        return response


def _concepts(concepts: Mapping[str, Concept] | Iterable[Concept]) -> list[Concept]:
    return list(concepts.values()) if isinstance(concepts, Mapping) else list(concepts)


def _response(text: str) -> dict[str, Any]:
    return {"query": text, "total": 0, "results": [], "facets": empty_facets(), "didYouMean": None}


def _result(
    view: View, docnum: int, score: float, terms: frozenset[str], pattern: Any
) -> dict[str, Any]:
    doc = view.doc(docnum)
    return {
        "kind": doc.kind,
        "id": doc.id,
        "title": doc.title,
        "breadcrumb": list(doc.breadcrumb),
        "snippet": snippet(doc.body, terms, pattern),
        "score": round(score, 4),
        "path": doc.path,
        "anchor": doc.anchor,
        "line": doc.line,
        "concepts": list(doc.concepts),
    }
