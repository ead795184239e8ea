"""How text becomes index terms: one definition shared by indexing, querying and snippets.

A *word* is what the tokenizer finds (``ReplicaSet``, ``spec.restartPolicy``,
``kube-system``, ``파드는``). Each word yields its whole lower-case form plus its parts
(split at dots, hyphens, underscores, CamelCase and Latin/Hangul boundaries), so
``replica set`` finds ``ReplicaSet`` and ``restart policy`` finds ``spec.restartPolicy``.
Parts take consecutive positions (phrases work across them); merged forms sit at the
position of their first part.

Stemming (Porter) applies to plain ASCII-letter terms only. Hangul runs go through the
Korean analyzer (``search.korean``: morphemes with kiwipiepy, else character bigrams)
inside :func:`split_word`, so ``파드를``, ``파드는`` and ``파드의`` all index ``파드`` and a
particle glued to an English word (``Deployment는``) is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import RegexTokenizer, Token
from whoosh.analysis.filters import Filter
from whoosh.lang.porter import stem as _porter_stem

from ingest.lexicon import KOREAN_PARTICLES
from search import korean

# A word: letters/digits, optionally joined by dots or hyphens (identifiers, field paths).
WORD_PATTERN = r"\w+(?:[.\-]\w+)*"
WORD_RE = re.compile(WORD_PATTERN)
_SEGMENT_SPLIT = re.compile(r"[._\-]+")
# CamelCase / acronym / Latin-vs-other-script parts of one segment. Digits stay with
# letters (k8s, v1beta1, ipv4) so version strings don't shatter.
_PART_RE = re.compile(r"[A-Z0-9]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z0-9]+|[^\W\x00-\x7f]+")
_ASCII_ALPHA = re.compile(r"[a-z]+\Z")

# Words too common to require in an all-words query; they still count in phrases and
# are still indexed (so "on failure" as a phrase works).
STOP_WORDS = frozenset(
    "a an and are as at be by for from if in into is it of on or the their then there "
    "these this to was were will with".split()
)


def normalize(text: str) -> str:
    """NFKC-fold text before analysis (full-width letters, ligatures, compatibility forms)."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=65536)
def stem(term: str) -> str:
    """Porter stem of a lower-case ASCII term; other terms go to :func:`script_term`."""
    if _ASCII_ALPHA.match(term):
        return _porter_stem(term)
    return script_term(term)


def script_term(term: str) -> str:
    """Non-Latin terms are final as :func:`split_word` makes them (Hangul is analysed
    there, where one word may become several terms)."""
    return term


def _korean_word(word: str) -> tuple[tuple[str, int], ...]:
    """Terms of a word with Hangul in it (see :mod:`search.korean`)."""
    runs = re.split(r"([\uac00-\ud7a3]+)", word)
    if len(runs) == 3 and not runs[0] and not runs[2]:  # all Hangul: 파드를, 네임스페이스에서
        if word in KOREAN_PARTICLES:
            return ()
        terms = korean.analyze(word)
        if not terms:
            return ()
        out = [(t.lower(), i) for i, t in enumerate(terms)]
        whole = korean.content(word)  # the word without its particle
        if len(out) > 1 or out[0][0] != whole:
            out.insert(0, (whole.lower(), 0))
        return tuple(out)
    # Mixed: a particle glued to a name goes (Deployment는, kube-system에서); other Hangul
    # is analysed and kept as its own part (YAML파일 -> yaml, 파일).
    kept = []
    for k, run in enumerate(runs):
        if k % 2 == 0:
            kept.append(run)
        elif k > 0 and runs[k - 1] and run in KOREAN_PARTICLES:
            continue
        else:
            kept.append(" " + run + " ")
    pieces = "".join(kept).split()
    out = []
    pos = 0
    for piece in pieces:
        sub = split_word(piece)
        for term, rel in sub:
            out.append((term, pos + rel))
        if sub:
            pos += max(rel for _, rel in sub) + 1
    if len(pieces) == 1 or not out:
        return tuple(out)
    whole = "".join(p for p in pieces).lower()
    return ((whole, 0), *[t for t in out if t != (whole, 0)])


@lru_cache(maxsize=65536)
def split_word(word: str) -> tuple[tuple[str, int], ...]:
    """The unstemmed terms of one word as (term, relative position) pairs, whole first.
    Empty for a word that is only a Korean particle or ending.

    >>> split_word("spec.restartPolicy")
    (('spec.restartpolicy', 0), ('spec', 0), ('restartpolicy', 1), ('restart', 1), ('policy', 2))
    """
    if not word.isascii() and korean.has_hangul(word):
        return _korean_word(word)
    whole = word.lower()
    segments = [s for s in _SEGMENT_SPLIT.split(word) if s]
    out: list[tuple[str, int]] = []
    pos = 0
    for segment in segments:
        parts = _PART_RE.findall(segment) or [segment]
        if len(parts) > 1 or len(segments) > 1:
            out.append((segment.lower(), pos))
        if len(parts) > 1:
            for part in parts:
                out.append((part.lower(), pos))
                pos += 1
        else:
            pos += 1
    if len(out) <= 1:
        return ((whole, 0),)
    if out[0][0] != whole:
        out.insert(0, (whole, 0))
    # Single segments appear once as "segment" above; drop exact repeats.
    seen: set[tuple[str, int]] = set()
    unique = []
    for item in out:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return tuple(unique)


def width(word: str) -> int:
    """How many positions a word occupies (its number of leaf parts)."""
    terms = split_word(word)
    return max(p for _, p in terms) + 1 if terms else 0


@lru_cache(maxsize=65536)
def word_terms(word: str) -> frozenset[str]:
    """Every stemmed index term one surface word produces (for highlighting matches)."""
    return frozenset(stem(t) for t, _ in split_word(word))


@lru_cache(maxsize=262144)
def word_stems(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stemmed index terms in token order, unstemmed terms) of one surface word: what
    ``text_analyzer`` and the spelling vocabulary make of it (index build tables)."""
    terms = split_word(word)
    return tuple(stem(t) for t, _ in terms), tuple(t for t, _ in terms)


@lru_cache(maxsize=65536)
def main_term(word: str) -> str:
    """The stemmed whole-word term (``Deployments`` -> ``deploy``, ``파드를`` -> ``파드``)."""
    if not word.isascii() and korean.has_hangul(word):
        terms = split_word(word)
        return stem(terms[0][0]) if terms else word.lower()
    return stem(word.lower())


@lru_cache(maxsize=65536)
def leaf_terms(word: str) -> tuple[str, ...]:
    """Stemmed leaf parts in order (``nodeSelector`` -> ``node``, ``selector``)."""
    terms = split_word(word)
    by_pos: dict[int, str] = {}
    for term, pos in terms:
        by_pos[pos] = term  # later entries at a position are the finer parts
    return tuple(stem(by_pos[p]) for p in sorted(by_pos))


class SplitFilter(Filter):
    """Whoosh filter: expand each word into its whole form and parts, stemmed."""

    # whoosh's Filter narrows the call of Composable (value, **kwargs) the same way
    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]
        shift = 0
        for token in tokens:
            terms = split_word(token.text)
            positions = token.positions
            base = token.pos + shift if positions else 0
            last = 0
            if not terms:  # a lone Korean particle: no term, keeps its position
                continue
            for term, rel in terms:
                token.text = stem(term)
                if positions:
                    token.pos = base + rel
                if rel > last:
                    last = rel
                yield token
            shift += last


def text_analyzer() -> Any:
    """Analyzer for the searchable text fields: words -> whole + parts, stemmed."""
    return RegexTokenizer(WORD_PATTERN) | SplitFilter()


def reset() -> None:
    """Forget cached analyses (after ``korean.set_mode``)."""
    for cached in (stem, split_word, word_terms, word_stems, main_term, leaf_terms):
        cached.cache_clear()


def words(text: str) -> list[str]:
    """The surface words of a text, as the tokenizer sees them."""
    return WORD_RE.findall(text)
