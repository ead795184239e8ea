"""Re-ranking of the best BM25 hits by the notes' structure, and the final order.

BM25 knows words, not that a section *defines* Pod or that a concept doc whose labels
miss a query word is a passing match. The top ``RERANK_WINDOW`` hits are re-scored by
the multipliers below (beyond the window BM25's order is kept, so pages stay
consistent). Equal scores are ordered by document id: the order does not depend on
where a document sits in the index (an incremental build puts edited ones last).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from functools import lru_cache

from search.analysis import WORD_RE, word_stems
from search.documents import StoredDoc

RERANK_WINDOW = 100
# Multipliers on the BM25 score. The two concept ones scale with the share of the query
# the concept's words make up ("service" alone: full; "service dns": half).
HEADING_NAMES_QUERY_CONCEPT = 2.0  # section whose heading names a concept the query names
DEFINES_QUERY_CONCEPT = 1.6  # the defining section of such a concept
TITLE_COVERS_QUERY = 2.0  # the title contains every query word (a heading about exactly this)
CONCEPT_NAMED_BY_QUERY = 3.0  # the concept the query's words name (svc -> Service)
CONCEPT_LABEL_MISS = 0.3  # concept doc whose labels do not cover every query word


@lru_cache(maxsize=65536)
def text_terms(text: str) -> frozenset[str]:
    """Every index term of a text, as the text analyzer makes them (labels, titles)."""
    return frozenset(t for w in WORD_RE.findall(text) for t in word_stems(w)[0])


def multiplier(doc: StoredDoc, groups: Sequence[frozenset[str]], concepts: frozenset[str]) -> float:
    """What the document's structure does to its BM25 score for a query of ``groups``
    (each the terms one query word may match) naming ``concepts``."""
    share = 1.0 / max(1, len(groups))
    if doc.kind == "concept":
        label_terms = text_terms(doc.labels)
        if not all(label_terms & g for g in groups):
            return CONCEPT_LABEL_MISS
        if doc.id in concepts:
            return 1.0 + (CONCEPT_NAMED_BY_QUERY - 1.0) * share
        return 1.0
    factor = 1.0
    if all(text_terms(doc.title) & g for g in groups):
        factor *= TITLE_COVERS_QUERY
    if concepts:
        if doc.heads and doc.heads in concepts:
            factor *= 1.0 + (HEADING_NAMES_QUERY_CONCEPT - 1.0) * share
        elif doc.defines & concepts:
            factor *= 1.0 + (DEFINES_QUERY_CONCEPT - 1.0) * share
    return factor


def ranked(
    scores: dict[int, float],
    doc: Callable[[int], StoredDoc],
    window: int,
    rescore: Callable[[StoredDoc], float] | None,
) -> list[tuple[int, float]]:
    """The best ``window`` documents, best first: BM25 order, the first RERANK_WINDOW
    re-scored by ``rescore`` (None: no re-ranking); ties by document id."""
    key: Callable[[tuple[int, float]], tuple[float, str]] = lambda kv: (-kv[1], doc(kv[0]).id)
    if rescore is not None:  # re-rank the same window whatever page is asked for
        window = max(window, RERANK_WINDOW)
    if len(scores) > window:
        # The window's cut-off score, then everything at or above it (ties included).
        cut = heapq.nlargest(window, scores.values())[-1]
        top = sorted(((d, s) for d, s in scores.items() if s >= cut), key=key)[:window]
    else:
        top = sorted(scores.items(), key=key)
    if rescore is None:
        return top
    head = [(d, s * rescore(doc(d))) for d, s in top[:RERANK_WINDOW]]
    return sorted(head, key=key) + top[RERANK_WINDOW:]
