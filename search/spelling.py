"""Typo tolerance, prefix completion and corrections over the unstemmed vocabulary.

Whoosh's ``terms_within`` scans the whole lexicon computing edit distances in Python;
here the vocabulary is held in memory, bucketed by first letter and length, so a fuzzy
lookup touches a few hundred words. Results are cached per word.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable
from functools import lru_cache


def allowed_typos(word: str) -> int:
    """Edits tolerated for a word: 0 for 1-4 letters, 1 for 5-8, 2 for longer."""
    n = len(word)
    if n <= 4:
        return 0
    if n <= 8:
        return 1
    return 2


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition is one edit), capped at limit+1."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        ca = a[i - 1]
        best = i
        for j in range(1, lb + 1):
            cb = b[j - 1]
            cost = 0 if ca == cb else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if (
                prev2 is not None
                and i > 1
                and j > 1
                and ca == b[j - 2]
                and a[i - 2] == cb
                and prev2[j - 2] + 1 < v
            ):
                v = prev2[j - 2] + 1
            cur[j] = v
            if v < best:
                best = v
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


class Vocabulary:
    """The words of the spelling field with their document frequencies."""

    def __init__(self, frequencies: Iterable[tuple[str, int]]) -> None:
        self.df: dict[str, int] = dict(frequencies)
        self.sorted = sorted(self.df)
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for word in self.sorted:
            self._buckets.setdefault((word[0], len(word)), []).append(word)
        # Per-instance caches (a new searcher builds a new Vocabulary).
        self.fuzzy = lru_cache(maxsize=8192)(self._fuzzy)
        self.completions = lru_cache(maxsize=8192)(self._completions)

    def __contains__(self, word: str) -> bool:
        return word in self.df

    def _fuzzy(self, word: str, maxdist: int, limit: int = 6) -> tuple[tuple[str, int], ...]:
        """Words within ``maxdist`` edits (not the word itself), closest then commonest.

        Candidates share the first letter, or the second when the first two are swapped
        or the first is a typo: most typos are not in the first letter, and this keeps
        the scan small.
        """
        if maxdist <= 0 or not word:
            return ()
        firsts = {word[0]}
        if len(word) > 1:
            firsts.add(word[1])
        found: list[tuple[int, int, str]] = []
        n = len(word)
        for first in firsts:
            for length in range(max(1, n - maxdist), n + maxdist + 1):
                for cand in self._buckets.get((first, length), ()):
                    if cand == word:
                        continue
                    d = distance(word, cand, maxdist)
                    if d <= maxdist:
                        found.append((d, -self.df[cand], cand))
        found.sort()
        return tuple((cand, d) for d, _, cand in found[:limit])

    def _completions(self, prefix: str, limit: int = 20) -> tuple[str, ...]:
        """The most frequent words starting with ``prefix`` (not the prefix itself)."""
        if not prefix:
            return ()
        lo = bisect.bisect_left(self.sorted, prefix)
        hi = bisect.bisect_left(self.sorted, prefix + "\U0010ffff", lo)
        cands = (w for w in self.sorted[lo:hi] if w != prefix)
        return tuple(heapq.nlargest(limit, cands, key=lambda w: self.df[w]))

    def correct(self, word: str) -> str | None:
        """The best replacement for a word that is not in the vocabulary, if any."""
        if word in self.df or len(word) < 3 or not word.isalpha():
            return None
        maxdist = 1 if len(word) <= 4 else 2
        found = self.fuzzy(word, maxdist, 1)
        return found[0][0] if found else None
