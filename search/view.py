"""One version of the index, opened for searching: a Whoosh searcher and what is
derived from it (statistics, score maps, stored documents, facets, vocabulary, plans).

A view never changes; when Whoosh's index gets a new generation, ``SearchIndex``
opens a new view and drops the old one with its caches.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from common.memory import collector_paused
from search.documents import StoredDoc
from search.evaluate import Evaluator
from search.facets import FacetTable
from search.query import ParsedQuery, Plan, Planner
from search.score_table import load_table
from search.scoring import FieldBM25, FieldStats, TermScores
from search.snippets import hit_pattern
from search.spelling import Vocabulary, load_vocabulary, vocabulary_counts
from search.whoosh_query import phrase_query, syntax_parser
from search.writer import analysis_key

PLAN_CACHE_SIZE = 1024


class View:
    """Searcher, statistics and caches of one index generation (thread-safe)."""

    def __init__(self, ix: Any, storage: Any, synonym_table: dict[str, Any]) -> None:
        with collector_paused():  # many small objects, none of them garbage
            # Whoosh's searcher scores with our model: same formula, same statistics.
            self.weighting = FieldBM25()
            self.searcher = ix.searcher(weighting=self.weighting)
            reader = self.reader = self.searcher.reader()
            self.generation = reader.generation()
            self.docs: list[StoredDoc | None] = [None] * reader.doc_count_all()
            stored_docs = []
            for docnum, stored in reader.iter_docs():
                self.docs[docnum] = StoredDoc.from_stored(stored)
                stored_docs.append(stored)
            self.stats = self.weighting.stats = FieldStats(reader)
            table = load_table(storage, self.generation, analysis_key())
            self.term_scores = TermScores(self.stats, table)
            self.evaluate = Evaluator(self.term_scores, self.phrase_docs)
            self.facets = FacetTable(self.docs)
            counts = load_vocabulary(storage, self.generation, analysis_key())
            if counts is None:  # written by another program, or by hand: count again
                counts = vocabulary_counts(stored_docs)
            self.vocab = Vocabulary(counts.items())
        self.planner = Planner(self.vocab, synonym_table, self.exists)
        self.parser = syntax_parser(ix.schema)
        self._plans: OrderedDict[Any, tuple[Plan, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def doc(self, docnum: int) -> StoredDoc:
        found = self.docs[docnum]
        assert found is not None, f"document {docnum} is deleted"
        return found

    def exists(self, term: str) -> bool:
        """Does any live document have the term in a text field?"""
        return bool(self.term_scores(term))

    def phrase_docs(self, terms: tuple[str, ...]) -> set[int]:
        """Documents having the terms consecutive in one text field (Whoosh's phrase
        query on the positions it indexed)."""
        with self.stats.whoosh_lock:
            return set(self.searcher.docs_for_query(phrase_query(terms)))

    def plan(self, parsed: ParsedQuery) -> tuple[Plan, Any]:
        """Plan (and highlight regex) for a parsed query, LRU-cached per view."""
        key = (parsed.words, parsed.phrases, parsed.typing)
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

    def whoosh_search(self, q: Any, allowed: set[int] | None) -> dict[int, float]:
        """Every document Whoosh's own searcher matches for ``q``, with its score
        (``FieldBM25``), restricted to ``allowed`` (None: no restriction)."""
        if allowed is not None and not allowed:
            return {}
        with self.stats.whoosh_lock:
            results = self.searcher.search(q, limit=None, filter=allowed)
            return {hit.docnum: hit.score for hit in results}

    def close(self) -> None:
        self.searcher.close()
