"""Typo tolerance, prefix completion and corrections over the unstemmed vocabulary.

Whoosh's ``terms_within`` scans the whole lexicon computing edit distances in Python;
here the vocabulary is held in memory, bucketed by first letter and length, so a fuzzy
lookup touches a few hundred words. Results are cached per word.

The vocabulary of an index (word -> documents having it) is counted from the documents
when the index is written and saved beside it as JSON, for that index generation.
"""

from __future__ import annotations

import bisect
import heapq
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import chain
from typing import Any

from search.analysis import WORD_RE, word_stems


def allowed_typos(word: str) -> int:
    """Edits tolerated for a word: 0 for 1-4 letters, 1 for 5-8, 2 for longer."""
    n = len(word)
    if n <= 4:
        return 0
    if n <= 8:
        return 1
    return 2


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition is one edit), capped at limit+1.

    The common prefix and suffix are dropped first (candidates share their first letter,
    and most share more), then only the diagonal band of width 2*limit+1 is computed:
    cells further out cost more than ``limit`` anyway.
    """
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    start = 0
    stop = min(la, lb)
    while start < stop and a[start] == b[start]:
        start += 1
    while la > start and lb > start and a[la - 1] == b[lb - 1]:
        la -= 1
        lb -= 1
    a, b = a[start:la], b[start:lb]
    la, lb = len(a), len(b)
    if not la or not lb:
        return la or lb if (la or lb) <= limit else limit + 1
    big = limit + 1
    prev2: list[int] | None = None
    prev = [j if j <= limit else big for j in range(lb + 1)]
    for i in range(1, la + 1):
        lo = max(1, i - limit)
        hi = min(lb, i + limit)
        cur = [big] * (lb + 1)
        if i <= limit:
            cur[0] = i
        ca = a[i - 1]
        best = cur[0] if lo == 1 else big
        for j in range(lo, hi + 1):
            cb = b[j - 1]
            v = prev[j - 1] if ca == cb else prev[j - 1] + 1
            d = prev[j] + 1
            if d < v:
                v = d
            d = cur[j - 1] + 1
            if d < v:
                v = d
            if (
                prev2 is not None
                and j > 1
                and ca == b[j - 2]
                and a[i - 2] == cb
                and prev2[j - 2] + 1 < v
            ):
                v = prev2[j - 2] + 1
            if v > big:
                v = big
            cur[j] = v
            if v < best:
                best = v
        if best > limit:
            return big
        prev2, prev = prev, cur
    return prev[lb] if prev[lb] <= limit else big


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
        # Each edit changes the set of letters by at most two (a transposition by none):
        # a C-speed test that rules out most candidates before the edit distance.
        letters = set(word)
        spread = 2 * maxdist
        for first in firsts:
            for length in range(max(1, n - maxdist), n + maxdist + 1):
                for cand in self._buckets.get((first, length), ()):
                    if cand == word or len(letters.symmetric_difference(cand)) > spread:
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


# -- the vocabulary of an index ------------------------------------------------------------

VOCABULARY_FILE = "kg-vocabulary.json"
VOCABULARY_VERSION = 1  # change with anything that changes spelling_words
SPELLING_FIELDS = ("title", "labels", "body")


def spelling_words(doc: Mapping[str, Any]) -> set[str]:
    """The unstemmed terms of a document's title, labels and body: what typos are
    corrected to and prefixes completed with (stored fields or an index document)."""
    words: set[str] = set()
    for field in SPELLING_FIELDS:
        for word in WORD_RE.findall(doc.get(field) or ""):
            words.update(word_stems(word)[1])
    return words


def vocabulary_counts(docs: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """word -> the number of documents having it (see :func:`spelling_words`)."""
    return Counter(chain.from_iterable(map(spelling_words, docs)))


def save_vocabulary(storage: Any, counts: Mapping[str, int], generation: int, key: Any) -> None:
    """Write the counts beside the index, for its ``generation`` (JSON, versioned)."""
    payload = {
        "version": VOCABULARY_VERSION,
        "generation": generation,
        "key": key,
        "counts": dict(sorted(counts.items())),
    }
    f = storage.create_file(VOCABULARY_FILE)
    f.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    f.close()


def load_vocabulary(storage: Any, generation: int, key: Any) -> dict[str, int] | None:
    """The counts saved for this index generation and analysis ``key``, or None (then
    they are counted again from the stored documents). The version is checked before
    the counts are decoded; anything malformed counts as missing."""
    if not storage.file_exists(VOCABULARY_FILE):
        return None
    f = storage.open_file(VOCABULARY_FILE)
    try:
        payload = json.loads(bytes(f.read()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    finally:
        f.close()
    if (
        not isinstance(payload, dict)
        or payload.get("version") != VOCABULARY_VERSION
        or payload.get("generation") != generation
        or payload.get("key") != key
    ):
        return None
    counts = payload.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(n, int) for n in counts.values()):
        return None
    return counts
