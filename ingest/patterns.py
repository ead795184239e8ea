"""What the words between two concept mentions say about how they relate.

English notes state relations with verbs ("a ReplicaSet replicates Pods", "DNS is
available through CoreDNS") or leave the subject implicit in bullets under a heading
("Uses ReplicaSet to create Pods" under Deployment). Korean notes mark roles with
particles ("Deployment는 ReplicaSet을 관리한다"). Each pattern maps to a relation type
from ``RELATION_TYPES``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

# (type, pattern over the lower-cased words between subject and object). Order matters:
# the first pattern found nearest the object wins, so "runs on" beats "runs".
VERB_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("runsOn", re.compile(
        r"\b(?:runs?|running|ran) (?:\w+ ){0,4}?on\b|\b(?:assigned|scheduled|placed|deployed|"
        r"bound|pinned) (?:\w+ ){0,2}?(?:on|onto|to)\b|\b(?:lives?|hosted) on\b")),
    ("routesTo", re.compile(
        r"\b(?:routes?|routing|forwards?|forwarding|proxies|load[- ]balances?|exposes?|exposing)\b"
        r"|\b(?:distributes?|sends?|directs?) (?:\w+ ){0,3}?to\b|\bconnects? (?:\w+ ){0,8}?to\b"
        r"|\bin front of\b")),
    ("selects", re.compile(r"\b(?:selects?|selected|selecting|matches|targets?)\b")),
    ("contains", re.compile(
        r"\b(?:contains?|containing|holds?|holding|includes?|including|groups?|lists?|"
        r"consists? of|made up of|composed of|bundles?|wraps?)\b")),
    ("manages", re.compile(
        r"\b(?:creat(?:e|es|ed|ing)|manag(?:e|es|ed|ing)|control(?:s|led|ling)?|"
        r"replicat(?:e|es|ed|ing)|maintain(?:s|ed|ing)?|spawn(?:s|ed)?|launch(?:es|ed)?|"
        r"owns|owned|runs?|schedul(?:e|es|ed)|generat(?:e|es|ed)|scal(?:e|es|ed))\b")),
    ("uses", re.compile(
        r"\b(?:uses?|using|through|via|points? (?:\w+ ){0,2}?to|refers? (?:\w+ ){0,2}?to|relies on|rel(?:y|ies) on|depends? on|mounts?|"
        r"mounted|references?|referenced|reads?|consumes?|backed by|supports?|requires?|"
        r"needs?|based on|stored in|stores? (?:\w+ ){0,2}?in)\b")),
]
# any of the verbs at all: most gaps between two mentions (" ", ", ", " and ") have none
_ANY_VERB = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in VERB_PATTERNS))
_CLAUSE_END = re.compile(r"[.;!?]\s|[.;!?]\)")
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|get|gets)\s+(?:\w+\s+)?\w+ed\s+by\b|\bby\s*$")
_KIND_OF = re.compile(
    r"^\s*(?:is|are)\s+(?:(?:an?\s+|one\s+|the\s+)?(?:\w+\s+)?(?:kind|type|sort|form|variant|"
    r"subtype|special\s+case|subclass|category)\s+of\s+(?:an?\s+|the\s+)?|an?\s+(?:\w+\s+)?)$")
_USED_BY = re.compile(r"\bused\s+by\s+(?:\w+\s+){0,2}$")
_RUN_ON = re.compile(r"^\s+on\s+(?:(?:every|each|all|a|an|the|specific|one|any|some|certain)\s+)?"
                     r"(?:\w+\s+)?$")
_KIND_OF_TAIL = re.compile(r"^\s*(?:type|kind)\b")
# a sentence that starts with a verb has the heading (or term) as its subject
_IMPLICIT_SUBJECT = re.compile(
    r"^\s*(?:(?:it|this|they)\s+|can\s+|(?:also|usually|often|always|mostly|typically|"
    r"generally|normally|mainly|only)\s+|(?:you\s+can|lets\s+you|allows\s+you\s+to|"
    r"used\s+to|when\s+you\s+want\s+to|is\s+used\s+to|helps\s+you)\s+)?"
    r"(?P<verb>[a-z]+)\b")
_THIRD_PERSON = re.compile(r"^[a-z]+(?:s|es)$")
_MAX_GAP = 90

KOREAN_VERBS: list[tuple[str, re.Pattern[str]]] = [
    ("runsOn", re.compile(r"^\s*(?:에서|위에서|에)\s*(?:\S+\s+)?(?:실행|동작|배치|스케줄)")),
    ("manages", re.compile(r"^\s*(?:을|를)?\s*(?:\S+\s+)?(?:관리|생성|만들|복제|유지|제어|실행|띄우|배포)")),
    ("uses", re.compile(r"^\s*(?:을|를)?\s*(?:\S+\s+)?(?:사용|이용|참조|마운트|통해|거쳐)|^\s*(?:을|를)\s*통해")),
    ("selects", re.compile(r"^\s*(?:을|를)?\s*(?:\S+\s+)?(?:선택|고른|매칭)")),
    ("broader", re.compile(r"^\s*의\s*(?:한\s*)?(?:종류|일종)")),
    # 파드는 컨테이너의 묶음이다: A groups B
    ("contains", re.compile(r"^\s*(?:의\s*(?:묶음|모음|집합|그룹)|(?:을|를)\s*(?:\S+\s+)?(?:담는|담고|포함|묶))")),
]
_KOREAN_SUBJECT = re.compile(r"^(?:은|는|이|가)\b|^(?:은|는|이|가)(?=\s)")


@lru_cache(maxsize=1 << 16)
def verb_between(between: str) -> tuple[str, bool] | None:
    """(relation type, passive?) for the words between two mentions, or None. Cached:
    the same few gaps (" ", " and ", " uses ") come back between mentions again and again."""
    text = between.lower()
    if len(text) > _MAX_GAP or _CLAUSE_END.search(text):
        return None
    if text.count("(") != text.count(")"):
        return None  # one of the two is inside a parenthesis: an aside, not the object
    if _KIND_OF.match(text):
        return "broader", False
    if "used" in text and _USED_BY.search(text):
        return "uses", True
    if not _ANY_VERB.search(text):
        return None
    best: tuple[int, int, str] | None = None
    for relation, pattern in VERB_PATTERNS:
        for match in pattern.finditer(text):
            if best is None or match.start() > best[0]:
                best = (match.start(), match.end(), relation)
    if best is None:
        return None
    start, end, relation = best
    words_after = len(text[end:].split())
    if words_after > (2 if relation == "manages" and text[start:end].startswith("run") else 5):
        return None  # the verb is about something else before the object
    return relation, bool(_PASSIVE.search(text))


def runs_on(between: str, before: Callable[[], str]) -> bool:
    """"run the same Pod on every Node": the Pod runs on the Node. ``before`` gives the
    sentence up to the first mention, only when the words between could say so."""
    return bool(_RUN_ON.match(between.lower())) and bool(re.search(r"\brun", before().lower()))


def is_kind_of_tail(after: str) -> bool:
    """"ClusterIP is the default Service type": the object is followed by "type"."""
    return bool(_KIND_OF_TAIL.match(after.lower()))


def implicit_verb(prefix: str) -> str | None:
    """Relation type when a sentence opens with a verb before its first mention.

    ``Replicates Pods …`` and ``You can select Pods …`` qualify; ``Run k exec …`` (an
    instruction to the reader) does not.
    """
    text = prefix.lower().strip()
    if not text or len(text) > 60:
        return None
    match = _IMPLICIT_SUBJECT.match(text)
    if not match:
        return None
    opener = text[: match.start("verb")].strip()
    verb = match.group("verb")
    if not opener and not _THIRD_PERSON.match(verb):
        return None  # imperative ("Run", "Attach") or a noun
    found = verb_between(text[match.start("verb"):] + " ")
    return found[0] if found and not found[1] else None


def korean_relation(after_subject: str, after_object: str) -> str | None:
    """Relation type of ``A는 B를 관리한다``-shaped text, or None.

    ``after_subject`` is the text right after A (it must start with a topic/subject
    particle); ``after_object`` the text right after B.
    """
    if not _KOREAN_SUBJECT.match(after_subject):
        return None
    tail = after_object[:40]
    if _KOREAN_SUBJECT.match(tail):
        return None  # 노드는 파드가 실행되는 ...: B is the subject of a clause about A
    for relation, pattern in KOREAN_VERBS:
        if pattern.match(tail):
            return relation
    return None
