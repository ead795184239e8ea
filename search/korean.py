"""Korean analysis for search: a Hangul word -> the index terms it stands for.

Korean attaches particles and endings to words (``파드를``, ``파드는``, ``파드의``), so the
whole word is a poor index term. Two analyzers, same interface (:func:`analyze`):

``kiwi``
    Morphological analysis with kiwipiepy (model bundled in the ``kiwipiepy_model``
    wheel; no download at run time). Keeps the content morphemes (nouns, roots, verb and
    adjective stems) and drops particles, endings and suffixes: ``파드를`` -> ``파드``,
    ``관리한다`` -> ``관리``, ``네임스페이스에서`` -> ``네임``, ``스페이스``. The Korean labels
    of ``data/vocabulary.yaml`` are added as user words, so ``파드`` stays one noun.
    Loading the model and the first analysis take seconds, so they happen lazily, at the
    first Hangul word.

``bigram``
    Overlapping Hangul character bigrams (``레플리카셋`` -> ``레플 플리 리카 카셋``), the
    usual approach for CJK, after peeling a known particle off the word (``파드를`` ->
    ``파드``): no dependency, no load time.

Which one runs: ``bigram`` unless ``KG_KOREAN_ANALYZER=kiwi`` (see ``default_mode``,
which has the measurements). An index records the analyzer it was built with
(``search.index``) and queries use that one.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")  # syllables (lone jamo like ㅋㅋ are not words)
ANALYZERS = ("kiwi", "bigram")
VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "vocabulary.yaml"

# Kiwi tags kept as index terms: common/proper nouns, numerals, roots, hanja, foreign
# letters, verb/adjective stems. Dropped: particles (J*), endings (E*), affixes (XS*,
# XP*), bound nouns (것, 수), pronouns, copulas, auxiliaries.
KEEP_TAGS = frozenset("NNG NNP NR XR SH SL SN VV VA VV-R VA-R VV-I VA-I".split())

_lock = threading.Lock()
_kiwi: Any = None
_mode: str | None = None


def has_hangul(text: str) -> bool:
    return bool(HANGUL_RE.search(text))


def kiwi_available() -> bool:
    try:
        import kiwipiepy  # noqa: F401
    except ImportError:
        return False
    return True


def default_mode() -> str:
    """Bigrams unless ``KG_KOREAN_ANALYZER=kiwi`` asks for Kiwi (and it is installed).

    Particle-stripped bigrams rank the Korean docs' queries at least as well as Kiwi
    (``python -m eval.run``), and Kiwi costs seconds to load and its model's memory in
    every process that builds or queries an index, so it is opt-in
    (``pip install -e ".[korean]"``).
    """
    wanted = os.environ.get("KG_KOREAN_ANALYZER", "").strip().lower()
    if wanted == "kiwi" and kiwi_available():
        return "kiwi"
    return "bigram"


def mode() -> str:
    """The analyzer in use (decided once per process unless :func:`set_mode` is called)."""
    global _mode
    if _mode is None:
        _mode = default_mode()
    return _mode


def set_mode(name: str) -> str:
    """Switch analyzer (an index built with another one is opened); returns the one set.
    Callers that cache analysis results must clear them (``search.analysis.reset``)."""
    global _mode
    if name not in ANALYZERS:
        raise ValueError(f"unknown Korean analyzer {name!r}; expected one of {ANALYZERS}")
    if name == "kiwi" and not kiwi_available():
        name = "bigram"
    if name != _mode:
        _mode = name
        analyze.cache_clear()
    return name


def _vocabulary_words() -> list[str]:
    """Korean words of the vocabulary's ``ko`` labels and ``ko_aliases``."""
    try:
        import yaml

        data = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError):
        return []
    out: set[str] = set()
    for entry in data.get("concepts") or []:
        if not isinstance(entry, dict):
            continue
        labels = [entry.get("ko")] + list(entry.get("ko_aliases") or [])
        for label in labels:
            for word in str(label or "").split():
                word = re.sub(r"[^\uac00-\ud7a3]", "", word)
                if len(word) >= 2:
                    out.add(word)
    return sorted(out)


def kiwi() -> Any:
    """The shared Kiwi instance, loaded on first use (thread-safe)."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                instance = Kiwi()
                for word in _vocabulary_words():
                    instance.add_user_word(word, "NNP", 0.0)
                instance.tokenize("파드를 만든다")  # the first call builds lazy tables
                _kiwi = instance
    return _kiwi


def _kiwi_terms(word: str) -> tuple[str, ...]:
    tokens = kiwi().tokenize(word)
    out = []
    for token in tokens:
        if token.tag in KEEP_TAGS:
            form = token.form
            # verb stems come back as lemma forms; keep syllables only (no lone jamo)
            if (
                HANGUL_RE.search(form)
                and not re.search(r"[\u1100-\u11ff\u3130-\u318f]", form)
                or not has_hangul(form)
            ):
                out.append(form)
    return tuple(out)


def _bigrams(word: str) -> tuple[str, ...]:
    """Character bigrams of the word without its particle (``파드를`` → ``파드``)."""
    from ingest.lexicon import KOREAN_PARTICLES

    for particle in KOREAN_PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            word = word[: -len(particle)]
            break
    if len(word) <= 2:
        return (word,)
    return tuple(word[i : i + 2] for i in range(len(word) - 1))


_ANALYZE: dict[str, Callable[[str], tuple[str, ...]]] = {"kiwi": _kiwi_terms, "bigram": _bigrams}


@lru_cache(maxsize=131072)
def analyze(word: str) -> tuple[str, ...]:
    """Index terms of one Hangul word (no spaces), in order; may be empty (a particle)."""
    return _ANALYZE[mode()](word)


def content(word: str) -> str:
    """The word without its particles/endings, as one string (``파드를`` -> ``파드``);
    the word itself when nothing is left. Used to look words up as concept labels."""
    if mode() == "kiwi":
        terms = analyze(word)
        joined = "".join(terms)
        return joined if terms and joined in word else word
    from ingest.lexicon import KOREAN_PARTICLES

    for particle in KOREAN_PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[: -len(particle)]
    return word
