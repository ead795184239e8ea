"""Text normalisation shared by extraction, the graph and search: one definition of
what makes two spellings of a concept the same."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SLUG_STRIP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_SPACE = re.compile(r"[\s_.:/]+")
_KEY_DROP = re.compile(r"[\s\-_./:'’`\"()]+")
_NOT_PLURAL = ("ss", "us", "is", "os", "as")
_HANGUL = re.compile("[가-힣]")
# Words that end in "s" without being plurals (and acronyms written in lower case).
_INVARIANT = frozenset(
    "dns kubernetes status https always towards perhaps sometimes series species news "
    "redis jenkins aws gcs tls mtls ebs efs nfs hpas cors sans whereas".split()
)


def slugify(text: str) -> str:
    """GitHub-style anchor / id slug: lower case, punctuation dropped, spaces to hyphens.

    Hangul and other letters are kept, so Korean headings get readable anchors.
    """
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = _SLUG_SPACE.sub("-", text)
    text = _SLUG_STRIP.sub("", text)
    return re.sub(r"-{2,}", "-", text).strip("-")


def singular(word: str) -> str:
    """English singular of a lower-case word, for the plural forms notes use."""
    if len(word) <= 3 or word in _INVARIANT or word.endswith("dns"):
        return word
    if not word.isascii() or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(_NOT_PLURAL):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)  # linking asks for the same few thousand labels' keys again and again
def label_key(label: str) -> str:
    """The matching key of a label: case, spacing, hyphens and a final plural folded.

    ``Replica Sets``, ``replica-set`` and ``ReplicaSet`` all give ``replicaset``.
    """
    text = unicodedata.normalize("NFKC", label).strip().lower()
    words = [w for w in _KEY_DROP.split(text) if w]
    if not words:
        return ""
    words[-1] = singular(words[-1])
    return "".join(words)


def text_language(text: str) -> str:
    """The language a sentence is written in, as far as notes go: "ko" when it holds
    Hangul, else "en". Korean sentences name English terms; English ones hold no Hangul."""
    return "ko" if _HANGUL.search(text) else "en"
