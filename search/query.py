"""User text -> a query tree. Plain text only: no query syntax is ever parsed.

A query is a list of *groups*, each one thing the user asked for: a word (with its typo,
prefix and part variants), a double-quoted phrase, or a run of words that names a
concept (expanded with the concept's other labels). ``and_query`` requires every group
(each may match any field); ``or_query`` is the fallback that requires any.

The tree is made of the small node types below, not engine objects: the index evaluates
them (see ``search.index``), so the planner and its cache don't depend on Whoosh.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ingest.text import label_key
from search import korean
from search.analysis import (
    STOP_WORDS,
    WORD_RE,
    leaf_terms,
    main_term,
    normalize,
    split_word,
    stem,
)
from search.spelling import Vocabulary, allowed_typos

MAX_QUERY_CHARS = 256
MAX_WORDS = 10
MAX_SPAN = 4  # longest run of words looked up as a concept label
PREFIX_MIN = 1  # search-as-you-type completes the last word from its first letter

# Variant boosts: exact words rank above parts, synonyms, completions and typos.
EXACT_BOOST = 1.0
PARTS_BOOST = 0.9  # "node selector" for nodeSelector (and back)
SYNONYM_BOOST = 0.8  # another label of the concept the words name
PREFIX_BOOST = 0.5
FUZZY_BOOST = {1: 0.4, 2: 0.25}
FUZZY_LIMIT = 4
SYNONYM_LABEL_LIMIT = 8

_QUOTED = re.compile(r'"([^"]*)"')


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The user's text split into free words and quoted phrases."""

    text: str
    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    typing: bool  # the last free word may be incomplete (no trailing space)


def parse(text: str) -> ParsedQuery:
    """Split raw input; never raises. Unbalanced quotes are ignored, punctuation dropped."""
    text = normalize(text or "")[:MAX_QUERY_CHARS]
    phrases: list[tuple[str, ...]] = []
    budget = MAX_WORDS

    def take_phrase(m: re.Match[str]) -> str:
        nonlocal budget
        ws = tuple(WORD_RE.findall(m.group(1)))[: max(budget, 0)]
        if ws:
            phrases.append(ws)
            budget -= len(ws)
        return " \x00 "

    rest = _QUOTED.sub(take_phrase, text).replace('"', " ")
    free = tuple(WORD_RE.findall(rest))[: max(budget, 0)]
    stripped = rest.rstrip()
    typing = bool(free) and stripped.endswith(free[-1]) and rest == rest.rstrip()
    return ParsedQuery(text=text.strip(), words=free, phrases=tuple(phrases), typing=typing)


@dataclass(slots=True)
class Group:
    """One required unit of the query and the index terms it can match."""

    query: Any
    terms: frozenset[str]
    stop: bool = False


@dataclass(slots=True)
class Plan:
    """A query ready to run: groups, the terms to highlight, the concepts it names."""

    groups: list[Group]
    concepts: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    and_query: Any = None
    or_query: Any = None
    scoring_groups: list[Group] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Term:
    """One index term (in any text field, field boosts applied), scaled by ``boost``."""

    term: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Best:
    """Alternatives for one thing, most preferred first: a document scores by the most
    preferred alternative it contains (an exact word outranks its typo variants)."""

    children: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class All:
    """Every child must match; scores add up."""

    children: tuple[Any, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Some:
    """Any child may match; scores add up (documents matching more words rank higher)."""

    children: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive (stemmed) terms in one text field."""

    terms: tuple[str, ...]


def _or(subs: list[Any]) -> Any:
    subs = [s for s in subs if s is not None]
    if not subs:
        return None
    return subs[0] if len(subs) == 1 else Best(tuple(subs))


def _and(subs: list[Any], boost: float = 1.0) -> Any:
    if not subs or any(s is None for s in subs):
        return None
    if len(subs) == 1 and boost == 1.0:
        return subs[0]
    return All(tuple(subs), boost)


class Planner:
    """Builds plans against one index version (its vocabulary, synonyms and terms)."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        synonyms: dict[str, Any],
        exists: Callable[[str], bool],
    ) -> None:
        self.vocab = vocabulary
        self.keys: dict[str, list[str]] = synonyms.get("keys", {})
        self.labels: dict[str, list[str]] = synonyms.get("labels", {})
        self.exists = exists

    # -- term level ---------------------------------------------------------------

    def _term(self, term: str, boost: float) -> Any:
        """A term node, or None when no text field has the term."""
        return Term(term, boost) if self.exists(term) else None

    def _leaves(self, leaves: tuple[str, ...], boost: float) -> Any:
        return _and([self._term(t, 1.0) for t in leaves], boost)

    def word(
        self, word: str, *, fuzzy: bool, prefix: bool, boost: float = 1.0
    ) -> tuple[Any, set[str]]:
        """A word with its variants: whole, parts, typo corrections, completions."""
        lower = word.lower()
        variants: dict[str, float] = {main_term(word): EXACT_BOOST}
        if fuzzy:
            for cand, dist in self.vocab.fuzzy(lower, allowed_typos(lower), FUZZY_LIMIT):
                term = main_term(cand)
                variants[term] = max(variants.get(term, 0.0), FUZZY_BOOST[dist])
        if prefix and len(lower) >= PREFIX_MIN:
            for cand in self.vocab.completions(lower):
                term = main_term(cand)
                variants[term] = max(variants.get(term, 0.0), PREFIX_BOOST)
        alternatives: list[tuple[float, Any]] = [
            (b * boost, self._term(t, b * boost)) for t, b in variants.items()
        ]
        terms = {t for t in variants}
        leaves = leaf_terms(word)
        if len(leaves) > 1:
            alternatives.append((PARTS_BOOST * boost, self._leaves(leaves, PARTS_BOOST * boost)))
            terms.update(leaves)
        alternatives.sort(key=lambda a: -a[0])
        return _or([node for _, node in alternatives]), terms

    def phrase(self, words: tuple[str, ...]) -> tuple[Any, set[str]]:
        """Exact (stemmed) phrase in any text field; CamelCase words as their parts."""
        seq: list[str] = []
        for w in words:
            seq.extend(leaf_terms(w))
        if len(seq) == 1:
            q, terms = self.word(words[0], fuzzy=False, prefix=False)
            return q, terms
        if not all(self.exists(t) for t in seq):
            return None, set(seq)
        return Phrase(tuple(seq)), set(seq)

    def label(self, label: str, boost: float) -> tuple[Any, set[str]]:
        """A concept label as a query: all its words, exact (no typos, no prefix)."""
        ws = WORD_RE.findall(normalize(label))
        parts = [self.word(w, fuzzy=False, prefix=False, boost=boost) for w in ws]
        terms: set[str] = set()
        for _, t in parts:
            terms |= t
        return _and([q for q, _ in parts]), terms

    # -- plan ----------------------------------------------------------------------

    def plan(self, parsed: ParsedQuery) -> Plan:
        """Groups for the free words (concept spans merged) and the phrases."""
        words = parsed.words
        groups: list[Group] = []
        concepts: set[str] = set()
        i = 0
        n = len(words)
        while i < n:
            span = self._concept_span(words, i)
            if span:
                length, ids = span
                concepts.update(ids)
                groups.append(self._span_group(words[i : i + length], ids, parsed, i))
                i += length
                continue
            w = words[i]
            last = i == n - 1
            fuzzy = not (last and parsed.typing and len(w) < 5)
            q, terms = self.word(w, fuzzy=fuzzy, prefix=last and parsed.typing)
            # Two words that are one word elsewhere ("replica set" / "replicaset").
            if i + 1 < n:
                joined = (w + words[i + 1]).lower()
                if joined in self.vocab and w.lower() not in STOP_WORDS:
                    q2, terms2 = self.word(
                        words[i + 1],
                        fuzzy=True,
                        prefix=(i + 1 == n - 1) and parsed.typing,
                    )
                    qj = self._term(main_term(joined), EXACT_BOOST)
                    groups.append(
                        Group(_or([_and([q, q2]), qj]), frozenset(terms | terms2 | {stem(joined)}))
                    )
                    i += 2
                    continue
            groups.append(Group(q, frozenset(terms), stop=w.lower() in STOP_WORDS))
            i += 1
        for ph in parsed.phrases:
            q, terms = self.phrase(ph)
            groups.append(Group(q, frozenset(terms)))
        # Stop words are optional unless the query is nothing but stop words.
        scoring = [g for g in groups if not g.stop] or groups
        all_terms: set[str] = set()
        for g in scoring:  # stop words are not highlighted unless they are the query
            all_terms |= g.terms
        return Plan(
            groups=groups,
            concepts=frozenset(concepts),
            terms=frozenset(all_terms),
            words=words,
            phrases=parsed.phrases,
            and_query=_and([g.query for g in scoring]) if scoring else None,
            or_query=Some(tuple(g.query for g in scoring if g.query is not None)),
            scoring_groups=scoring,
        )

    def _concept_span(self, words: tuple[str, ...], i: int) -> tuple[int, list[str]] | None:
        """Longest run of words starting at ``i`` that is a concept label or alias."""
        for length in range(min(MAX_SPAN, len(words) - i), 0, -1):
            span = words[i : i + length]
            ids = self.keys.get(label_key(" ".join(span)))
            if not ids and not span[-1].isascii() and korean.has_hangul(span[-1]):
                # a Korean label with its particle: 디플로이먼트를, 컨트롤 플레인은
                bare = korean.content(span[-1])
                if bare != span[-1]:
                    ids = self.keys.get(label_key(" ".join([*span[:-1], bare])))
            if ids:
                if length == 1 and words[i].lower() in STOP_WORDS:
                    return None
                return length, ids
        return None

    def _span_group(
        self, span: tuple[str, ...], ids: list[str], parsed: ParsedQuery, start: int
    ) -> Group:
        """The words as typed OR any other label of the concept(s) they name."""
        end = start + len(span)
        typing_last = parsed.typing and end == len(parsed.words)
        typed = []
        terms: set[str] = set()
        for k, w in enumerate(span):
            last = typing_last and k == len(span) - 1
            q, t = self.word(w, fuzzy=not last and len(span) == 1, prefix=last)
            typed.append(q)
            terms |= t
        subs = [_and(typed)]
        typed_key = label_key(" ".join(span))
        for cid in ids:
            for lab in self.labels.get(cid, [])[:SYNONYM_LABEL_LIMIT]:
                if (
                    label_key(lab) == typed_key
                    and len(span) == 1
                    and lab.lower() == span[0].lower()
                ):
                    continue
                q, t = self.label(lab, SYNONYM_BOOST)
                subs.append(q)
                terms |= t
        stop = all(w.lower() in STOP_WORDS for w in span)
        return Group(_or(subs), frozenset(terms), stop=stop)


def corrected_words(words: tuple[str, ...], vocab: Vocabulary) -> tuple[str, ...] | None:
    """The words with unknown ones replaced by their closest known word, if any changed."""
    out: list[str] = []
    changed = False
    for w in words:
        lower = w.lower()
        if lower in vocab or all(t in vocab for t, _ in split_word(w)):
            out.append(w)
            continue
        fix = vocab.correct(lower)
        if fix:
            out.append(fix)
            changed = True
        else:
            out.append(w)
    return tuple(out) if changed else None
