"""The fast path: a plan's tree (``search.query``) evaluated on per-term score maps.

Each ``Term`` is a map docnum -> score from :class:`search.scoring.TermScores` (Whoosh's
postings, scored once per searcher); the nodes combine maps as the Whoosh query of
:func:`search.whoosh_query.to_whoosh` combines matchers: ``All`` and ``Some`` add scores
up, ``Best`` keeps the first alternative a document matches, a ``Phrase`` adds its terms'
scores for the documents Whoosh's phrase query matches. A test runs both on the bench
queries and compares the rankings.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from search.query import All, Best, Phrase, Some, Term

CACHE_SIZE = 20000  # boosted term maps and phrase results kept (LRU)


class Evaluator:
    """Evaluates query nodes for one index version (callers must not mutate results)."""

    def __init__(
        self,
        term_scores: Callable[[str], dict[int, float]],
        phrase_docs: Callable[[tuple[str, ...]], set[int]],
    ) -> None:
        self.term_scores = term_scores
        self.phrase_docs = phrase_docs
        self._cache: OrderedDict[Any, dict[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, key: Any, compute: Callable[[], dict[int, float]]) -> dict[int, float]:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = compute()
        with self._lock:
            self._cache[key] = found
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def __call__(self, node: Any) -> dict[int, float]:
        """Scores of the documents ``node`` matches."""
        if isinstance(node, Term):
            raw = self.term_scores(node.term)
            if node.boost == 1.0:
                return raw
            b = node.boost
            return self._cached(node, lambda: {d: s * b for d, s in raw.items()})
        if isinstance(node, Best):
            maps = [m for m in map(self, node.children) if m]
            if len(maps) <= 1:
                return maps[0] if maps else {}
            out: dict[int, float] = {}
            for m in reversed(maps):  # most preferred last, so it wins
                out.update(m)
            return out
        if isinstance(node, All):
            maps = sorted(map(self, node.children), key=len)
            if not maps or not maps[0]:
                return {}
            keys: Any = maps[0].keys()
            for m in maps[1:]:
                keys = keys & m.keys()
            b = node.boost
            return {d: sum(m[d] for m in maps) * b for d in keys}
        if isinstance(node, Some):
            maps = sorted(map(self, node.children), key=len, reverse=True)
            if not maps:
                return {}
            out = dict(maps[0])
            for m in maps[1:]:
                get = out.get
                for d, s in m.items():
                    out[d] = get(d, 0.0) + s
            return out
        if isinstance(node, Phrase):
            return self._cached(node, lambda: self._phrase(node.terms))
        raise TypeError(f"unknown query node {node!r}")

    def _phrase(self, terms: tuple[str, ...]) -> dict[int, float]:
        """The terms' scores added up, for documents having them consecutive in a field."""
        maps = [self.term_scores(t) for t in dict.fromkeys(terms)]
        if not all(maps):
            return {}
        docs = self.phrase_docs(terms)
        return {d: sum(m[d] for m in maps) for d in sorted(docs) if all(d in m for m in maps)}
