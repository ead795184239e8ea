"""Is a concept the subject a sentence opens with, and does the sentence go on to say
what it is? Definitions are chosen by these (``ingest/definitions.py``), and so are
the sentences under a heading that may define it (``ingest/concepts.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .text import label_key

_SETTING = re.compile(
    r"^(?:(?:in|within|for|on|at)\s+[^,.;:]{1,40},\s+)?(?:(?:an?|the)\s+)?", re.IGNORECASE
)
_WORD = re.compile(r"[^\s,;:.()]+")
_SAYS_WHAT = re.compile(
    r"^\s*(?:\([^()]*\)\s*)?,?\s*(?:(?:is|are)\b|refers?\s+to\b|means?\b|describes?\b|"
    r"represents?\b|denotes?\b|stands?\s+for\b|provides?\b|lets?\b|allows?\b|enables?\b)"
    r"|^(?:은|는|이란|란)\s",
    re.IGNORECASE,
)
_ACTS = re.compile(r"^[\s*_`\"')]*(?:\([^()]*\)\s*)?[a-z]{2,}s\b")
_KO_PARTICLE = re.compile(r"(?:은|는|이란|란)$")


def after_subject(text: str, labels: Iterable[str]) -> str | None:
    """The rest of ``text`` after its subject when one of ``labels`` is the subject (after
    a setting such as "In Kubernetes," and an article); None otherwise."""
    setting = _SETTING.match(text)
    rest = text[setting.end() :] if setting else text
    keys = {label_key(label) for label in labels if label}
    keys.discard("")
    words = list(_WORD.finditer(rest[:200]))
    for count in range(1, min(len(words), 5) + 1):
        span = rest[: words[count - 1].end()]
        key = label_key(span.strip("*_`\"'"))
        if key in keys:
            return rest[words[count - 1].end() :]
        if count == 1:
            bare = _KO_PARTICLE.sub("", words[0].group(0))
            if bare != words[0].group(0) and label_key(bare) in keys:
                return rest[words[0].end() - (len(words[0].group(0)) - len(bare)) :]
    return None


def opens_with(text: str, labels: Iterable[str]) -> bool:
    """Is one of ``labels`` the subject the sentence opens with?"""
    return after_subject(text, labels) is not None


def says_what(text: str, labels: Iterable[str]) -> bool:
    """Does the sentence go on, after its subject, to say what it is ("… is a …",
    "… refers to …", "파드는 …")?"""
    rest = after_subject(text, labels)
    return rest is not None and bool(_SAYS_WHAT.match(rest.lstrip("*_`\"'")))


def acts(text: str, labels: Iterable[str]) -> bool:
    """Does a verb in the present tense follow the subject ("A Service gives …")?"""
    rest = after_subject(text, labels)
    return rest is not None and bool(_ACTS.match(rest))
