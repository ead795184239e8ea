"""How a document scores for a term: BM25 per text field, field boosts, over Whoosh's index.

One formula (:func:`bm25`) and one set of statistics (:class:`FieldStats`, read from a
Whoosh reader) serve both ways a query is run:

* :class:`FieldBM25`, a Whoosh ``WeightingModel``: Whoosh's own ``searcher.search()``
  scores with it (``syntax=whoosh`` queries, and the test that proves the fast path
  ranks as Whoosh does);
* :class:`TermScores`, the speed layer: a term's score in every document, summed over
  the text fields with the field boosts, read once from Whoosh's postings and kept
  (per searcher) for the next query that uses the term.

The statistics count live documents only (a document replaced by an incremental build
is not counted), so an index updated in place scores exactly as one built afresh.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from functools import cached_property
from typing import Any

from whoosh.scoring import BaseScorer, WeightingModel

from search.schema import FIELD_BOOSTS, TEXT_FIELDS

BM25_K1 = 1.2
BM25_B = 0.75
TERM_CACHE_SIZE = 20000  # terms whose score maps a searcher keeps (LRU)
DF_CACHE_SIZE = 200000  # (field, term) document frequencies a searcher keeps


def bm25(
    tf: float,
    length: int,
    avg_length: float,
    df: int,
    doc_count: int,
    k1: float = BM25_K1,
    b: float = BM25_B,
) -> float:
    """Okapi BM25 of one term in one field of one document::

        idf  = ln(1 + (N - df + 0.5) / (df + 0.5))
        bm25 = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_length))

    ``tf``: occurrences of the term in the field; ``length``: the field's length in
    terms (as Whoosh stores it, rounded to one byte); ``avg_length``: the mean over
    live documents; ``df``: live documents having the term in the field; ``N``: live
    documents. Always positive (the idf of a term in every document is ln(1 + 1/(2N+1))).
    """
    idf = math.log(1.0 + (doc_count - df + 0.5) / (df + 0.5))
    return idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * length / (avg_length or 1.0)))


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


class FieldStats:
    """The statistics BM25 needs, for one index version, live documents only.

    The field lengths are read from Whoosh when first needed: a searcher with a score
    table (``search.score_table``) never needs them for plain-text queries.
    """

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.doc_count = reader.doc_count()
        self._df: dict[tuple[str, str], int] = {}
        # Whoosh's readers share file positions between the matchers they make: one
        # thread reads the index at a time (re-entrant: a search scores with this class).
        self.whoosh_lock = threading.RLock()

    @cached_property
    def lengths(self) -> dict[str, list[int]]:
        """field -> each document's length there (0 for deleted documents)."""
        reader = self.reader
        out: dict[str, list[int]] = {}
        with self.whoosh_lock:
            live = list(reader.all_doc_ids())
            for field in TEXT_FIELDS:
                lengths = out[field] = [0] * reader.doc_count_all()
                for d in live:
                    lengths[d] = reader.doc_field_length(d, field, 0) or 0
        return out

    @cached_property
    def avg(self) -> dict[str, float]:
        """field -> the mean length of live documents there."""
        n = self.doc_count
        return {f: sum(lengths) / n if n else 1.0 for f, lengths in self.lengths.items()}

    def postings(self, field: str, term: str) -> list[tuple[int, float]]:
        """(docnum, term frequency) of the live documents having ``term`` in ``field``,
        in docnum order, read from Whoosh's postings (deleted documents left out)."""
        found: list[tuple[int, float]] = []
        add = found.append
        with self.whoosh_lock:
            if self.reader.doc_frequency(field, term):
                m = self.reader.postings(field, term)
                active, docnum, weight, step = m.is_active, m.id, m.weight, m.next
                while active():
                    add((docnum(), weight()))
                    step()
        if len(self._df) > DF_CACHE_SIZE:
            self._df.clear()
        self._df[(field, term)] = len(found)
        return found

    def df(self, field: str, term: str) -> int:
        """Live documents having ``term`` in ``field`` (Whoosh's ``doc_frequency``
        counts deleted ones too until a merge drops them)."""
        found = self._df.get((field, term))
        return len(self.postings(field, term)) if found is None else found


class FieldBM25(WeightingModel):
    """Whoosh's side of the scoring: :func:`bm25` on :class:`FieldStats`. Field boosts
    are the query's (``Term(field, text, boost=FIELD_BOOSTS[field] * ...)``).

    Fields that are not text (kind, path, concept, tag) are exact values: a match
    scores 1 (times its boost), so a query of filters alone still ranks something.
    """

    def __init__(self, stats: FieldStats | None = None) -> None:
        self.stats = stats  # set once the searcher using this model has a reader

    def scorer(self, searcher: Any, fieldname: str, text: str | bytes, qf: int = 1) -> BaseScorer:
        if fieldname not in FIELD_BOOSTS:
            return _ConstantScorer()
        assert self.stats is not None, "FieldBM25 used before its statistics were set"
        return _BM25Scorer(self.stats, searcher, fieldname, _text(text))


class _ConstantScorer(BaseScorer):
    def score(self, matcher: Any) -> float:
        return 1.0

    def max_quality(self) -> float:
        return 1.0


class _BM25Scorer(BaseScorer):
    """Scores the matcher's current document; ``searcher`` may be a segment's, whose
    document numbers are its own (Whoosh gives each segment its own scorer)."""

    def __init__(self, stats: FieldStats, searcher: Any, field: str, term: str) -> None:
        self.searcher = searcher
        self.field = field
        self.avg = stats.avg[field]
        self.df = stats.df(field, term)
        self.n = stats.doc_count

    def score(self, matcher: Any) -> float:
        length = self.searcher.doc_field_length(matcher.id(), self.field, 0) or 0
        return bm25(matcher.weight(), length, self.avg, self.df, self.n)

    def max_quality(self) -> float:
        return math.inf  # no quality optimisations: every match is scored


def term_scores(stats: FieldStats, postings: dict[str, Any]) -> dict[int, float]:
    """docnum -> the term's :func:`bm25` in each text field times the field's boost,
    summed over the fields in ``TEXT_FIELDS`` order (``postings``: field -> the term's
    (docnum, tf) there). Documents come in the order the fields first give them."""
    out: dict[int, float] = {}
    for field in TEXT_FIELDS:
        hits = postings.get(field)
        if not hits:
            continue
        boost, avg, lengths = FIELD_BOOSTS[field], stats.avg[field], stats.lengths[field]
        df, n = len(hits), stats.doc_count
        get = out.get
        for d, tf in hits:
            out[d] = get(d, 0.0) + boost * bm25(tf, lengths[d], avg, df, n)
    return out


class TermScores:
    """The speed layer: term -> {docnum: score} (:func:`term_scores`).

    Equal to what Whoosh's searcher gives ``Or([Term(f, term, boost=FIELD_BOOSTS[f])
    for f in TEXT_FIELDS])`` with :class:`FieldBM25`. Maps come from the index's score
    table (``search.score_table``) or, without one, from Whoosh's postings; they are
    kept (LRU) and callers must not mutate them.
    """

    def __init__(self, stats: FieldStats, table: Any = None) -> None:
        self.stats = stats
        self.table = table
        self._cache: OrderedDict[str, dict[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, term: str) -> dict[int, float]:
        with self._lock:
            found = self._cache.get(term)
            if found is not None:
                self._cache.move_to_end(term)
                return found
        found = self.table.get(term) if self.table is not None else None
        if found is None:
            found = term_scores(self.stats, {f: self.stats.postings(f, term) for f in TEXT_FIELDS})
        with self._lock:
            self._cache[term] = found
            if len(self._cache) > TERM_CACHE_SIZE:
                self._cache.popitem(last=False)
        return found
