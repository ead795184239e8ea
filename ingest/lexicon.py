"""Finding concept mentions in text.

The lexicon maps label keys (``ingest.text.label_key``) to concept ids. Mentions are
found by scanning tokens left to right and taking the longest run of up to four tokens
whose key is a label, so ``replica set``, ``ReplicaSets`` and ``Replica-Set`` all mention
ReplicaSet. Words that miss by one typo (``Lables``) are matched when they are long
enough to be safe. Korean particles are peeled off Hangul words (``파드를`` → ``파드``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .text import label_key

# a word, with dots and hyphens inside it (spec.replicas, kube-proxy); written as runs
# rather than char by char with a lookahead, so the engine tests less per character
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9][A-Za-z0-9_]*)*|[가-힣]+")
MAX_WORDS = 4
_DOMAIN_ENDINGS = frozenset(
    "com io org net local dev yaml yml json conf cfg properties txt md sh py go js ts html "
    "internal cluster svc log tar gz zip exe kr jp uk".split()
)
# Korean particles and endings that attach to nouns, longest first.
KOREAN_PARTICLES = tuple(
    sorted(
        "에서는 으로는 이라는 에게서 에서 에게 으로 까지 부터 처럼 보다 라는 하고 "
        "이나 이랑 랑 들을 들이 들은 들의 들에 들과 들 은 는 이 가 을 를 "
        "의 에 로 와 과 도 만 나 엔 께".split(),
        key=len,
        reverse=True,
    )
)


@lru_cache(maxsize=65536)
def _token_keys(token: str) -> tuple[str, str]:
    """(key of the token as a non-final word, key as the final word of a label)."""
    raw = re.sub(r"[\-_.]", "", token.lower())
    return raw, label_key(token)


def is_identifier(text: str) -> bool:
    """A code identifier: ``spec.restartPolicy``, ``livenessProbe`` (not a domain name)."""
    if re.fullmatch(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+", text):
        return True
    if re.fullmatch(r"[a-z][A-Za-z0-9]+(?:\.[a-zA-Z][A-Za-z0-9]*)*\.[a-zA-Z][A-Za-z0-9]+", text):
        return text.rsplit(".", 1)[1].lower() not in _DOMAIN_ENDINGS and not re.search(
            r"\.(?:com|io|org|net|local|svc)\b", text
        )
    return False


def is_camel(text: str) -> bool:
    """A CamelCase name: ``ReplicaSet``, ``ClusterIP``, ``CoreDNS``, ``OnFailure``."""
    return bool(re.fullmatch(r"[A-Z][a-z0-9]*[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*", text)) or bool(
        re.fullmatch(r"[A-Z][a-z]+[A-Z]{2,}[a-z0-9]*", text)
    )


def damerau1(a: str, b: str) -> bool:
    """True when a and b differ by exactly one edit (with adjacent transposition)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _deletes(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


# (raw key, key, concept the token names alone, starts a longer label?, fallback match:
# (concept, Hangul stem or None, fuzzy?))
_TokenInfo = tuple[str, str, str | None, bool, tuple[str, str | None, bool] | None]


@dataclass(slots=True, frozen=True)
class Mention:
    concept: str
    start: int
    end: int
    surface: str
    fuzzy: bool = False


@dataclass(slots=True)
class Lexicon:
    """Label keys to concept ids, with the indexes mention-finding needs."""

    keys: dict[str, str] = field(default_factory=dict)
    quiet: set[str] = field(default_factory=set)  # keys that never match in running text
    # keys of code identifiers (``anyOf``, ``restartPolicy``): mentioned only when written
    # as code, never by words that happen to spell them ("any of the techniques")
    code: set[str] = field(default_factory=set)
    # keys of names that mention their concept only when written with a capital
    # (``Endpoints``): in lower case the same letters are an everyday word
    cased: set[str] = field(default_factory=set)
    # strict prefixes of keys: a run of words whose keys are not one cannot grow into a label
    prefixes: set[str] = field(default_factory=set)
    typo_index: dict[str, set[str]] = field(default_factory=dict)
    # mentions already found per text: linking reads each block several times
    found: dict[str, list[Mention]] = field(default_factory=dict, repr=False)
    tokens: dict[str, _TokenInfo] = field(default_factory=dict, repr=False)

    def add(self, label: str, concept: str, *, quiet: bool = False, cased: bool = False) -> str:
        """Register a label; the first concept to claim a key keeps it. Returns the owner."""
        key = label_key(label)
        if not key:
            return concept
        self.found.clear()
        self.tokens.clear()
        owner = self.keys.setdefault(key, concept)
        if owner == concept:
            if is_identifier(label) and "." not in label:
                self.code.add(key)
            else:
                self.code.discard(key)
            if quiet:
                self.quiet.add(key)
            else:
                self.quiet.discard(key)
            if cased:
                self.cased.add(key)
            for end in range(1, len(key)):
                self.prefixes.add(key[:end])
            if len(key) >= 5 and key.isascii() and key.isalpha():
                for variant in _deletes(key) | {key}:
                    self.typo_index.setdefault(variant, set()).add(key)
        return owner

    def lookup(self, label: str) -> str | None:
        return self.keys.get(label_key(label))

    def correct(self, key: str) -> str | None:
        """The one label key within one typo of ``key`` (same first letter), if unique."""
        if len(key) < 5 or not key.isascii() or not key.isalpha():
            return None
        candidates: set[str] = set()
        for variant in _deletes(key) | {key}:
            candidates |= self.typo_index.get(variant, set())
        hits = {c for c in candidates if c[0] == key[0] and damerau1(c, key)}
        owners = {self.keys[c] for c in hits}
        return next(iter(hits)) if len(owners) == 1 else None

    def resolve_token(self, token: str, *, fuzzy: bool = True) -> tuple[str, bool] | None:
        """The concept one token names (exactly or within a typo), and whether fuzzily."""
        key = _token_keys(token)[1]
        if key in self.keys:
            return self.keys[key], False
        if "." in token and is_identifier(token):
            last = token.rsplit(".", 1)[1]
            found = self.resolve_token(last, fuzzy=fuzzy)
            if found:
                return found
        if token[0] >= "가":
            stem = strip_particle(token, self.keys)
            if stem:
                return self.keys[stem], False
        # typos are only forgiven in words written as names (``Lables``, ``matchLables``):
        # a lower-case word one letter off a label is too often another word (scaring)
        if fuzzy and len(token) >= 6 and (token[0].isupper() or is_identifier(token)):
            fixed = self.correct(key)
            if fixed and fixed not in self.quiet:
                return self.keys[fixed], True
        return None

    def find(self, text: str) -> list[Mention]:
        """Mentions in text, longest first, never overlapping, in order."""
        cached = self.found.get(text)
        if cached is None:
            cached = self.found[text] = self._find(text)
        return cached

    def _find(self, text: str) -> list[Mention]:
        matches = list(TOKEN.finditer(text))
        words = [m[0] for m in matches]
        known = self.tokens
        infos = [known.get(word) or self._token(word) for word in words]
        keys, prefixes = self.keys, self.prefixes
        mentions: list[Mention] = []
        next_free = 0  # tokens before this one are inside the last mention
        last = len(infos) - 1
        for i, (raw, _key, exact, is_prefix, fallback) in enumerate(infos):
            if i < next_free or not (is_prefix or exact or fallback):
                continue  # most tokens: nothing starts here
            best = None
            if is_prefix and i < last:
                # the first step of ``_longest``, inline: most words that start a label
                # ("to", "a", "of") start none together with the next word
                after_raw, after_key = infos[i + 1][:2]
                if raw + after_key in keys or raw + after_raw in prefixes or after_key[0] >= "가":
                    best = self._longest(words, infos, matches, i)
            if best is None and exact is not None:
                best = (i, exact, matches[i].end())
            if best is not None:
                j, concept, end = best
                start = matches[i].start()
                mentions.append(Mention(concept, start, end, text[start:end]))
                next_free = j + 1
            elif fallback is not None:
                concept, stem, fuzzy = fallback
                start = matches[i].start()
                if stem:
                    mentions.append(Mention(concept, start, start + len(stem), stem, fuzzy))
                else:
                    mentions.append(Mention(concept, start, matches[i].end(), words[i], fuzzy))
        return mentions

    def _longest(
        self, words: list[str], infos: list[_TokenInfo], matches: list[re.Match[str]], i: int
    ) -> tuple[int, str, int] | None:
        """(last token, concept, end) of the longest label of two or more words at token
        ``i``, else None: only called when the first word starts some label."""
        keys, quiet, prefixes = self.keys, self.quiet, self.prefixes
        best: tuple[int, str, int] | None = None
        acc = infos[i][0]
        for j in range(i + 1, min(i + MAX_WORDS, len(words))):
            if matches[j].start() - matches[j - 1].end() > 2:
                break  # words must be adjacent (a space or a hyphen between)
            raw, key = infos[j][:2]
            candidate = acc + key
            if candidate in keys and candidate not in quiet and candidate not in self.code:
                best = (j, keys[candidate], matches[j].end())
            elif key[0] >= "가":  # 퍼시스턴트 볼륨 클레임을: particle on the last word
                stem = strip_particle(key, _Rest(keys, acc))
                if stem is not None and acc + stem not in quiet:
                    best = (j, keys[acc + stem], matches[j].start() + len(stem))
            acc += raw
            if acc not in prefixes:
                break
        return best

    def _token(self, word: str) -> _TokenInfo:
        """What the lexicon knows about one token, computed once per distinct token: most
        tokens of a corpus are repeats, so mention finding is mostly dictionary lookups."""
        info = self.tokens.get(word)
        if info is None:
            info = self.tokens[word] = self._token_info(word)
        return info

    def _token_info(self, word: str) -> _TokenInfo:
        raw, key = _token_keys(word)
        if key in self.cased and not word[0].isupper():
            return raw, key, None, raw in self.prefixes, None
        exact = (
            self.keys[key]
            if key in self.keys
            and key not in self.quiet
            and (key not in self.code or _written_as_code(word))
            else None
        )
        fallback: tuple[str, str | None, bool] | None = None
        found = self.resolve_token(word)
        if found and key not in self.quiet:
            stem = None
            if word[0] >= "가" and key not in self.keys:
                # the mention is the noun; its particle stays in the text after it
                # (파드는 노드에서 실행된다: "는" marks the subject)
                stem = strip_particle(key, self.keys)
            fallback = (found[0], stem, found[1])
        return raw, key, exact, raw in self.prefixes, fallback


def _written_as_code(word: str) -> bool:
    """``restartPolicy`` or ``spec.replicas`` rather than the word ``restartpolicy``."""
    return "." in word or any(c.isupper() for c in word[1:])


class _Rest:
    """``keys`` seen from after a prefix: ``stem in _Rest(keys, acc)`` tests acc + stem."""

    __slots__ = ("acc", "keys")

    def __init__(self, keys: dict[str, str], acc: str) -> None:
        self.keys, self.acc = keys, acc

    def __contains__(self, stem: object) -> bool:
        return isinstance(stem, str) and self.acc + stem in self.keys


def strip_particle(token: str, keys: dict[str, str] | _Rest) -> str | None:
    """The key of a Hangul word with its particle removed, when that is a known label."""
    for particle in KOREAN_PARTICLES:
        if token.endswith(particle) and len(token) > len(particle):
            stem = token[: -len(particle)]
            if stem in keys:
                return stem
    return None
