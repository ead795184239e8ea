"""What the words around two concept mentions say about how they relate.

A typed relation is read only from a *frame*: the whole text between the two mentions
must be one verb phrase of a known type ("manages", "is a kind of", "is mounted by"),
with nothing else in it but auxiliaries, adverbs and determiners. Anything more (a
comma, a second verb, "and") and the sentence says something this table cannot read,
so the pair stays a co-mention. The subject must be the subject (not the object of a
preposition, nor a word inside a longer name) and the object the head of its noun
phrase (not a modifier: "creates AAAA records" is not about AAAA). A negated frame
("does not use") states nothing. Each frame carries the confidence that its kind of
evidence deserves; extraction combines them per edge.

Korean notes mark roles with particles ("Deployment는 ReplicaSet을 관리한다"): a frame
there is the particle after the subject and the verb after the object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Reading:
    """What a frame read: the relation type, whether the object is the subject
    (passive voice: "scheduled by"), and the frame's confidence."""

    type: str
    reverse: bool
    confidence: float


# -- the verb table: one home for every frame's verbs ----------------------------------
# (relation type, active verb phrases, passive participles read with "by", confidence).
# Active phrases are regex alternatives over lower-cased words; an "is"/"are" form is
# written out where the verb needs it ("is made up of"). Only verbs whose every common
# sense is this relation are listed: "runs", "holds", "supports", "targets", "matches"
# are left out because most sentences use them in another sense.
VERBS: list[tuple[str, str, str, float]] = [
    (
        "manages",
        r"creates?|manages?|controls?|replicates?|spawns?|launches|owns?|produces?|"
        r"schedules?|is responsible for (?:creating|managing|running)",
        r"created|managed|controlled|replicated|spawned|launched|owned|scheduled|produced",
        0.8,
    ),
    (
        "uses",
        r"uses?|mounts?|references?|consumes?|relies on|rely on|depends on|depend on|"
        r"points? to|refers? to|is backed by|are backed by|reads? from|pulls?|"
        r"is (?:available|provided|served|exposed) (?:through|via)|"
        r"are (?:available|provided|served|exposed) (?:through|via)|"
        # an input of a computation: "ABV is calculated from OG and FG"
        r"(?:is|are) (?:calculated|computed|derived|worked out) from",
        r"used|mounted|referenced|consumed",
        0.75,
    ),
    (
        "contains",
        r"contains?|includes?|consists? of|is made up of|are made up of|is composed of|"
        r"are composed of|groups?|bundles?|lists|holds|stores",
        r"contained|included|grouped|bundled",
        0.75,
    ),
    (
        "runsOn",
        r"runs? on|is running on|are running on|executes? on|lives? on|"
        r"is (?:scheduled|placed|deployed|pinned) (?:on|onto)|"
        r"are (?:scheduled|placed|deployed|pinned) (?:on|onto)|"
        r"gets? (?:scheduled|placed) (?:on|onto)|is hosted on|are hosted on",
        r"",
        0.8,
    ),
    (
        "routesTo",
        r"routes? (?:traffic |requests |packets |connections )?to|"
        r"forwards? (?:traffic |requests |packets |connections )?to|"
        r"proxies (?:traffic |requests |connections )?to|"
        r"load[- ]balances? (?:traffic |requests )?(?:across|to|between)|"
        r"(?:sends?|directs?|distributes?) (?:traffic|requests|packets|connections) to|"
        r"(?:sends?|delivers?|feeds?|carries|carry|passes|pass) (?:\w+ )?(?:power|current|energy|"
        r"data|traffic|requests|packets|connections) to|"
        r"(?:spreads?|distributes?|balances?) (?:the )?(?:traffic|requests|load|connections) "
        r"(?:over|across|among|between)|"
        # "routes HTTP(S) by host name and path to": what is routed, and how, in between
        r"routes? [\w()/\- ]{1,40}? to|"
        r"stands? in front of|sits? in front of|is in front of",
        r"",
        0.6,
    ),
    ("selects", r"selects?", r"selected", 0.75),
]
# Frames read from the other end: "X is part of Y" says Y contains X. (type, phrase,
# confidence); the phrase is what stands between the two mentions.
INVERSE_VERBS: list[tuple[str, str, float]] = [
    # membership and location
    (
        "contains",
        r"(?:is|are)\s+(?:a\s+)?(?:part|member|members)\s+of|belongs?\s+to|"
        r"(?:is|are)\s+(?:stored|kept|located|held|listed|defined|declared)\s+in|"
        r"lives?\s+in(?!\s+the\s+\S+\s+namespace)",
        0.75,
    ),
    # attachment
    ("uses", r"(?:is|are)\s+(?:attached|mounted|bound)\s+(?:to|into|in|by)", 0.7),
]

# Words that may sit between subject and verb, or verb and object, without changing
# what is said. Modals and adverbs before the verb; determiners and quantities after.
_MODS = (
    r"(?:(?:also|automatically|then|typically|usually|always|only|directly|actually|"
    r"still|now|simply|just|each|generally|normally|often|mainly|primarily|indirectly|"
    r"can|could|will|would|must|should|may|might|does|do|did|is able to|are able to)\s+)*"
)
# a count or a range of counts: "60 or 72", "one, two or three", "2-4"
_COUNT = r"(?:\d+|one|two|three|four|five|six)"
_DETS = (
    rf"(?:(?:{_COUNT}(?:(?:,|\s+or|\s+to|-)\s*{_COUNT})+|"
    r"the|a|an|one|two|three|one or more|zero or more|multiple|several|many|its|"
    r"their|his|her|your|our|each|every|all|any|all the|some|this|that|these|those|"
    r"set of|a set of|a group of|a number of|a list of|number of|group of|other|"
    r"new|existing|matching|running|relevant|corresponding|underlying|given|same|"
    r"specified|specific|particular|desired|single|individual|appropriate|certain|"
    r"\d+)\s+)*"
)
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|cannot|can't|won't|doesn't|don't|isn't|"
    r"aren't|didn't|neither|nor|without|instead of|rather than)\b|n't\b"
)
# a comma opens a relative clause only with its pronoun: "X, which uses Y"; after a bare
# comma a verb starts another clause ("… the image, use kubectl set image")
_RELATIVE = r"(?:,?\s*(?:which|that|who)\s+)?"
_BE = r"(?:(?:is|are|was|were|be|been|being|gets?|got|can be|will be|must be|may be)\s+)?"


def _frame(types: list[tuple[str, str, str, float]]) -> list[tuple[re.Pattern[str], Reading]]:
    frames: list[tuple[re.Pattern[str], Reading]] = []
    for kind, active, passive, confidence in types:
        frames.append(
            (
                re.compile(rf"^\s*{_RELATIVE}{_MODS}(?:{active})\s+{_DETS}$"),
                Reading(kind, False, confidence),
            )
        )
        if passive:
            frames.append(
                (
                    re.compile(rf"^\s*{_RELATIVE}{_BE}{_MODS}(?:{passive})\s+by\s+{_DETS}$"),
                    Reading(kind, True, confidence),
                )
            )
    return frames


# one participle may describe the object: "holds the crushed Malt", "creates replicated Pods"
_DETS = _DETS + r"(?:[a-z]+ed\s+)?"
FRAMES = _frame(VERBS) + [
    (re.compile(rf"^\s*{_RELATIVE}{_MODS}(?:{phrase})\s+{_DETS}$"), Reading(kind, True, belief))
    for kind, phrase, belief in INVERSE_VERBS
]
# "ClusterIP is a kind of Service", "NodePort is one of the Service types" (object then
# "type" after it: see ``kind_of_tail``); "Ingress is an API object": a class statement
_KIND_OF = re.compile(
    r"^\s*(?:is|are)\s+(?:also\s+)?(?:an?\s+|one\s+|the\s+)?(?:\w+\s+)?(?:kind|type|sort|form|"
    r"variant|subtype|special\s+case|subclass|category|specialization|implementation)s?"
    r"\s+of\s+(?:an?\s+|the\s+)?$"
)
_IS_A = re.compile(r"^\s*(?:is|are)\s+(?:also\s+)?(?:an?|one)\s+(?P<adj>[a-z][\w\-]*\s+)?$")
_IS_THE = re.compile(r"^\s*(?:is|are)\s+(?:an?|the)\s+(?:\w+\s+)?$")
# adjectives that make "is a new PVC" a statement about one thing, not about a class
_INSTANCE_ADJECTIVES = frozenset(
    "new different separate single same specific particular certain given another "
    "second first last existing running".split()
)
KIND_OF_CONFIDENCE = 0.9
IS_A_CONFIDENCE = 0.7
# "in the kube-system namespace": where the object lives
IN_NAMESPACE = re.compile(r"^\s+in\s+(?:the\s+)?$")

# -- who is the subject and which word is the object ---------------------------------
_PREPOSITIONS = frozenset(
    "of in on at by for from with into onto to about than per like between across within "
    "without through via over under after before during against among behind beside "
    "besides beyond inside outside near toward towards upon versus vs unlike".split()
)
# words that open a sentence or clause before its subject
_OPENERS = frozenset(
    "when if while because since although though once then so and but or where "
    "after before here there now also note only both all every each unless "
    "until whether however thus hence".split()
)
_DETERMINERS = frozenset(
    "the a an each every all any this that these those its their your our one some no "
    "both either every another such several many multiple few two three other most".split()
)
# What may follow the object's head: punctuation, a function word, a verb form. Any
# other word makes the mention a modifier of a longer noun phrase ("Pod template").
_FOLLOWERS = (
    frozenset(
        "and or but nor so yet if when while because since unless until whether where that "
        "which who whose whom to is are was were be been being has have had do does did can "
        "could will would must should may might as than then also only too instead "
        "objects object resources resource instances instance replicas service addon add-on "
        "plugin component daemon agent gets becomes starts stays keeps remains needs receives "
        "sees fails stops ends shows takes waits "
        # a pronoun after a noun opens a reduced relative clause: "the Pods it applies to"
        "it they we you he she".split()
    )
    | _PREPOSITIONS
)
# irregular past participles: like "-ed" words they open a modifier after the head noun
# ("a Finite Automaton built from …", "an LL Parser written by hand")
_PARTICIPLES = frozenset(
    "built written made held kept sent set done given known shown taken seen found left put "
    "bound drawn chosen driven grown thrown brought bought caught taught told sold led fed "
    "meant spent cut split spread begun hidden broken spoken frozen stolen worn torn "
    "laid paid said run".split()
)
_HEAD_NOUNS = frozenset(
    "objects object resources resource instances instance replicas service "
    "addon add-on plugin component daemon agent".split()
)
_WORD = re.compile(r"[A-Za-z][\w\-]*|\S")
_CLAUSE_START = re.compile(
    r".*(?:[.;:!?]\s|,\s+(?:and|but|or|so|while|whereas|although|"
    r"because|since|if|when|unless)\s|\(|^)",
    re.DOTALL,
)


def subject_ok(before: str) -> bool:
    """Whether a mention preceded by ``before`` (its sentence up to it) is a clause's
    subject: not the object of a preposition ("the container in the Pod uses …") and
    not the last word of a longer name ("Alibaba Cloud MSE Ingress is …")."""
    words = _WORD.findall(before[-80:])
    while words and words[-1].lower() in _DETERMINERS:
        words.pop()
    if not words:
        return True
    last = words[-1]
    if last.lower() in _PREPOSITIONS or last in ("'s", "’s"):
        return False
    if last[0].isupper() and last.lower() not in _OPENERS:
        return False  # inside a capitalised run: a longer proper name ("HAProxy Ingress")
    if not last[0].isalnum() and last not in (",", ":", ";", "(", ".", "!", "?", "—", '"', "*"):
        return False  # inside a path or a token: "/config", "kube-"
    return not (
        last.isalpha()
        and last.islower()
        and last.endswith(("ing", "ed"))
        and last not in ("need", "used")
    )


def object_ok(after: str, *, strict: bool = False) -> bool:
    """Whether a mention followed by ``after`` is the head of its noun phrase. With
    ``strict``, no noun may follow at all: "is an API resource" is not about the API."""
    text = after.lstrip()
    if not text or not (text[0].isalpha() or text[0] in "'’"):
        return not text.startswith(("'s", "’s", "-", "/"))
    if text.startswith(("'s", "’s")):
        return False
    word = _WORD.match(text)
    token = word.group(0).lower() if word else ""
    if strict:  # "an Envoy based ingress controller", "a Layer 3 networking solution"
        return token in _FOLLOWERS and token not in _HEAD_NOUNS
    return token in _FOLLOWERS or token in _PARTICIPLES or token.endswith(("ed", "ing", "ly"))


@lru_cache(maxsize=1 << 16)
def frame_between(between: str) -> Reading | None:
    """The frame the words between subject and object make, or None. Cached: the same
    short gaps come back again and again."""
    text = " ".join(between.lower().split())
    text = f" {text} " if text else " "
    if len(text) > 80 or _NEGATION.search(text):
        return None
    if _KIND_OF.match(text):
        return Reading("broader", False, KIND_OF_CONFIDENCE)
    for pattern, reading in FRAMES:
        if pattern.match(text):
            return reading
    return None


def is_a(between: str) -> bool:
    """ "X is a Y" with at most one adjective that does not make it about one thing."""
    match = _IS_A.match(" ".join(between.lower().split()).join("  "))
    if not match:
        return False
    adjective = (match.group("adj") or "").strip()
    return adjective not in _INSTANCE_ADJECTIVES


def is_kind_of_tail(between: str, after: str) -> bool:
    """ "ClusterIP is the default Service type": the object is followed by "type"."""
    return bool(_IS_THE.match(" ".join(between.lower().split()).join("  "))) and bool(
        re.match(r"^\s*(?:type|kind)\b", after.lower())
    )


_RUNS = re.compile(rf"^\s*{_RELATIVE}{_MODS}runs?\s+{_DETS}$")


def runs_one_on(between: str, after: str) -> bool:
    """ "runs a Pod on every Node": the subject keeps a Pod running there."""
    return bool(_RUNS.match(" ".join(between.lower().split()).join("  "))) and bool(
        re.match(r"^\s+on\s", after)
    )


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text.lower()))


# -- a subject-less bullet: "Replicates Pods …" under ReplicaSet ----------------------
_OPENER = re.compile(
    r"^\s*(?:(?:it|this|they)\s+)?(?:(?:also|usually|often|always|mostly|typically|generally|"
    r"normally|mainly|only|can|automatically)\s+)*(?P<verb>[a-z][a-z\- ]*?)\s+" + _DETS + r"$"
)
_ENABLES = re.compile(
    r"(?:so\s+(?:that\s+)?you\s+can|lets\s+you|allows\s+you\s+to)\s+(?P<verb>[a-z]+)\s+"
    + _DETS
    + r"$"
)
_SCHEDULED = re.compile(r"^\s*(?:periodically|on a schedule|repeatedly|regularly|at\b|every\b)")


def implicit_frame(prefix: str) -> Reading | None:
    """The frame of a bullet that opens with its verb (the subject is the heading or
    term it sits under): "Replicates Pods …", "Usually refers to a Branch". The verb
    must be in the third person: an imperative ("Run k exec …") is addressed to the
    reader."""
    text = " ".join(prefix.lower().split())
    if not text or len(text) > 60 or _NEGATION.search(text):
        return None
    match = _OPENER.match(text + " ")
    if not match:
        return None
    verb = match.group("verb")
    first = verb.split()[0]
    if not (first.endswith("s") or text.startswith(("can ", "it ", "this ", "they "))):
        return None
    return frame_between(f" {verb} ")


_PURPOSE = re.compile(r"^[^.;:,()]*?\bto\s+(?P<verb>[a-z]+)\s+" + _DETS + r"$")


def purpose_frame(between: str) -> Reading | None:
    """ "(Uses ReplicaSet) to create Pods": the bullet's unwritten subject is also the
    subject of the purpose clause (never across a comma or a clause end)."""
    match = _PURPOSE.match(" ".join(between.lower().split()) + " ")
    if not match or _NEGATION.search(between.lower()):
        return None
    reading = frame_between(f" {match.group('verb')} ")
    return Reading(reading.type, False, 0.65) if reading and not reading.reverse else None


def enabled_frame(prefix: str, after: str) -> Reading | None:
    """ "… so you can run Jobs periodically" in a subject-less bullet: the subject (the
    heading) makes the verb happen. "run" counts only when a schedule follows it."""
    match = _ENABLES.search(" ".join(prefix.lower().split()) + " ")
    if not match:
        return None
    verb = match.group("verb")
    if verb == "run":
        return Reading("manages", False, 0.7) if _SCHEDULED.match(after.lower()) else None
    reading = frame_between(f" {verb} ")
    return Reading(reading.type, False, 0.7) if reading and not reading.reverse else None


# -- Korean ---------------------------------------------------------------------------
KOREAN_VERBS: list[tuple[str, re.Pattern[str]]] = [
    ("runsOn", re.compile(r"^\s*(?:에서|위에서|에)\s*(?:\S+\s+)?(?:실행|동작|배치|스케줄)")),
    (
        "manages",
        re.compile(r"^\s*(?:을|를)?\s*(?:\S+\s+)?(?:관리|생성|만들|복제|유지|제어|실행|띄우|배포)"),
    ),
    (
        "uses",
        re.compile(
            r"^\s*(?:을|를)?\s*(?:\S+\s+)?(?:사용|이용|참조|마운트|통해|거쳐)|^\s*(?:을|를)\s*통해"
        ),
    ),
    ("selects", re.compile(r"^\s*(?:을|를)?\s*(?:\S+\s+)?(?:선택|고른|매칭)")),
    ("broader", re.compile(r"^\s*의\s*(?:한\s*)?(?:종류|일종)")),
    # 파드는 컨테이너의 묶음이다: A groups B
    (
        "contains",
        re.compile(
            r"^\s*(?:의\s*(?:묶음|모음|집합|그룹)|(?:을|를)\s*(?:\S+\s+)?(?:담는|담고|포함|묶))"
        ),
    ),
]
_KOREAN_SUBJECT = re.compile(r"^(?:은|는|이|가)\b|^(?:은|는|이|가)(?=\s)")
_KOREAN_NEGATION = re.compile(r"않|없|못|안\s")
KOREAN_CONFIDENCE = 0.7


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
    clause = re.split(r"[.,;!?]", tail, maxsplit=1)[0]
    if _KOREAN_NEGATION.search(clause):
        return None  # 사용하지 않는다: the note says it does not
    for relation, pattern in KOREAN_VERBS:
        if pattern.match(tail):
            return relation
    return None
