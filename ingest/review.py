"""The review file (``kg-review.yaml``): the author's decisions about what kg read,
applied to the linked corpus at every ingest.

The file is a YAML list; each entry is one decision, named by its action key::

    - confirm: Deployment manages ReplicaSet       # confidence 1.0
    - reject: Service uses Pod                     # gone from the graph
      path: networking.md                          # optional: only the reading in this note
      evidence: "a Service uses the Pods"          # optional: only readings whose sentence has this
    - retype: Pod uses Volume
      to: contains
    - reverse: Pod runsOn Node                     # the relation points the other way
    - not-a-concept: Files                         # never a node; its mentions stay text
    - merge: HPA
      into: HorizontalPodAutoscaler                # HPA becomes an altLabel of it
    - relabel: kube proxy
      to: kube-proxy                               # the old label stays an altLabel
    - define: Pod
      text: The smallest deployable unit.
      lang: en                                     # optional, default en

A relation is ``Source type Target`` (a relation type of ``ingest.relation_types.RELATION_TYPES``
between two labels) or a mapping ``{source: …, type: …, target: …}`` when a label holds
a word that is also a type. Decisions name concepts by label (or altLabel) and relations
by labels and evidence, never by internal ids, so they survive re-ingest and edits
elsewhere. A decision that finds nothing to apply to is reported (``stale-decision``),
and a rejected relation a note still states is reported at the note's line
(``rejected-still-stated``), so the author can fix the note: no decision is dropped
silently.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from .model import Concept, Corpus, Evidence, Finding, Relation
from .relation_types import RELATION_TYPES
from .safe_yaml import UnsafeYamlError, load_bounded
from .text import label_key

REVIEW_FILE = "kg-review.yaml"
MAX_REVIEW_CHARS = 4 * 1024 * 1024
RELATION_ACTIONS = ("confirm", "reject", "retype", "reverse")
CONCEPT_ACTIONS = ("not-a-concept", "merge", "relabel", "define")
ACTIONS = RELATION_ACTIONS + CONCEPT_ACTIONS
# Besides its action key, what each action needs and what it may have.
_REQUIRED = {"retype": ("to",), "merge": ("into",), "relabel": ("to",), "define": ("text",)}
_OPTIONAL = {action: ("path", "evidence") for action in RELATION_ACTIONS} | {"define": ("lang",)}
_TYPES = {name.casefold(): name for name in RELATION_TYPES}


class ReviewError(ValueError):
    """The review file cannot be used: ``file:line: what is wrong``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path, self.line, self.reason = path, line, message


@dataclass(frozen=True, slots=True)
class Decision:
    """One entry of the review file. ``subject`` is the concept label, or for a relation
    its source label; ``type``/``target`` the relation's; ``value`` what ``to``/``into``/
    ``text`` says; ``path``/``evidence`` pin a relation to readings; ``line`` is where the
    entry starts in the file."""

    action: str
    subject: str
    line: int
    type: str = ""
    target: str = ""
    value: str = ""
    lang: str = "en"
    path: str = ""
    evidence: str = ""

    def describe(self) -> str:
        if self.action in RELATION_ACTIONS:
            return f"{self.action}: {self.subject} {self.type} {self.target}"
        return f"{self.action}: {self.subject}"


@dataclass(frozen=True, slots=True)
class Review:
    """A review file as read: where it is, its decisions, and its text's hash."""

    path: str
    decisions: tuple[Decision, ...] = ()
    digest: str = ""


def find_review(folders: list[Path]) -> Path | None:
    """``kg-review.yaml`` in the first of the notes folders that holds one."""
    for folder in folders:
        candidate = folder / REVIEW_FILE
        if folder.is_dir() and candidate.is_file():
            return candidate
    return None


def read_review(path: Path) -> Review:
    """The review file at ``path`` (``ReviewError`` when it cannot be read or used)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError(str(path), 0, f"cannot read it: {exc}") from None
    return parse_review(text, str(path))


def parse_review(text: str, name: str) -> Review:
    """Decisions from the text of a review file; ``ReviewError`` names the line and what
    is wrong. Read with the bounded loader (no aliases, bounded depth and size)."""
    try:
        load_bounded(text, max_chars=MAX_REVIEW_CHARS)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except UnsafeYamlError as exc:
        raise ReviewError(name, 0, f"refused: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ReviewError(
            name, mark.line + 1 if mark else 0, f"not valid YAML: {problem}"
        ) from None
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
    if root is None or (isinstance(root, yaml.ScalarNode) and root.value == ""):
        return Review(name, (), digest)
    if not isinstance(root, yaml.SequenceNode):
        raise ReviewError(
            name,
            _line(root),
            "the file must be a list of decisions (each entry starting with '- ')",
        )
    return Review(name, tuple(_decision(node, name) for node in root.value), digest)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _decision(node: yaml.Node, name: str) -> Decision:
    line = _line(node)
    if not isinstance(node, yaml.MappingNode):
        raise ReviewError(name, line, f"a decision is a mapping with one of {', '.join(ACTIONS)}")
    fields: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise ReviewError(name, _line(key), "keys are words such as 'reject' or 'path'")
        if key.value in fields:
            raise ReviewError(name, _line(key), f"'{key.value}' is given twice")
        fields[key.value] = value
    actions = [key for key in fields if key in ACTIONS]
    if len(actions) != 1:
        found = f"both '{actions[0]}' and '{actions[1]}'" if actions else "none"
        raise ReviewError(
            name,
            line,
            f"a decision has exactly one action ({', '.join(ACTIONS)}); this one has {found}",
        )
    action = actions[0]
    allowed = {action, *_REQUIRED.get(action, ()), *_OPTIONAL.get(action, ())}
    for key, value in fields.items():
        if key not in allowed:
            takes = ", ".join(sorted(allowed - {action})) or "nothing else"
            raise ReviewError(
                name, _line(value), f"'{key}' is not read by '{action}' (it takes {takes})"
            )
    for key in _REQUIRED.get(action, ()):
        if key not in fields:
            raise ReviewError(
                name,
                line,
                f"'{action}' needs '{key}'"
                + (
                    f" (a relation type: {', '.join(RELATION_TYPES)})" if action == "retype" else ""
                ),
            )
    values = {key: _text(fields[key], key, name) for key in fields if key != action}
    if action in RELATION_ACTIONS:
        source, rtype, target = _relation(fields[action], name)
        value = values.get("to", "")
        if action == "retype":
            value = _type(value, _line(fields["to"]), name)
            if value == rtype:
                raise ReviewError(name, _line(fields["to"]), f"'to' is the type it has ({rtype})")
        return Decision(
            action,
            source,
            line,
            rtype,
            target,
            value,
            path=values.get("path", ""),
            evidence=values.get("evidence", ""),
        )
    subject = _text(fields[action], action, name)
    value = values.get("into") or values.get("to") or values.get("text") or ""
    if action == "merge" and label_key(value) == label_key(subject):
        raise ReviewError(name, line, f"'{subject}' cannot be merged into itself")
    return Decision(action, subject, line, value=value, lang=values.get("lang") or "en")


def _text(node: yaml.Node, key: str, name: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
        raise ReviewError(name, _line(node), f"'{key}' takes a non-empty text")
    return " ".join(node.value.split())


def _type(value: str, line: int, name: str) -> str:
    found = _TYPES.get(value.casefold())
    if found is None:
        raise ReviewError(
            name, line, f"'{value}' is not a relation type (one of {', '.join(RELATION_TYPES)})"
        )
    return found


def _relation(node: yaml.Node, name: str) -> tuple[str, str, str]:
    """(source label, type, target label) of ``Source type Target`` or a mapping."""
    line = _line(node)
    if isinstance(node, yaml.MappingNode):
        parts = {
            k.value: _text(v, k.value, name)
            for k, v in node.value
            if isinstance(k, yaml.ScalarNode)
        }
        missing = [key for key in ("source", "type", "target") if key not in parts]
        if missing or len(parts) != 3:
            raise ReviewError(name, line, "a relation mapping has exactly source, type and target")
        return parts["source"], _type(parts["type"], line, name), parts["target"]
    words = _text(node, "relation", name).split()
    at = [i for i, word in enumerate(words) if word.casefold() in _TYPES and 0 < i < len(words) - 1]
    if len(at) != 1:
        why = "no relation type" if not at else "more than one relation type"
        raise ReviewError(
            name,
            line,
            f"'{' '.join(words)}' has {why} between two labels: write "
            f"'Source type Target' ({', '.join(RELATION_TYPES)}) or "
            "{source: …, type: …, target: …}",
        )
    i = at[0]
    return " ".join(words[:i]), _TYPES[words[i].casefold()], " ".join(words[i + 1 :])


# -- applying --------------------------------------------------------------------------
def apply_review(corpus: Corpus, review: Review) -> None:
    """Apply every decision to the linked ``corpus``, in place: concept decisions first
    (in file order), then relation decisions, which name concepts by their labels after
    those. What finds nothing is a ``stale-decision`` finding; a rejected relation a note
    still states, a ``rejected-still-stated`` one at the note's line. Relation decisions
    are recorded per note in ``corpus.reviewed``: part of those notes' build inputs."""
    touched: dict[str, list[str]] = {}
    for decision in review.decisions:
        if decision.action in CONCEPT_ACTIONS:
            _apply_concept(corpus, decision, review.path)
    table = _resolver(corpus)  # relation decisions change no label
    for decision in review.decisions:
        if decision.action in RELATION_ACTIONS:
            for path in _apply_relation(corpus, table, decision, review.path):
                touched.setdefault(path, []).append(repr(decision))
    corpus.reviewed = {
        path: hashlib.sha1("\n".join(found).encode()).hexdigest() for path, found in touched.items()
    }


def _stale(corpus: Corpus, decision: Decision, where: str, why: str) -> None:
    corpus.findings.append(
        Finding(
            kind="stale-decision",
            severity="warning",
            subject=decision.describe(),
            path=where,
            line=decision.line,
            message=f"'{decision.describe()}' applies to nothing: {why}",
            hint="fix the labels (kg review --list shows what the graph holds) or remove the entry",
        )
    )


def _resolver(corpus: Corpus) -> dict[str, str]:
    """Concept ids by the key of each label, altLabel and translation (labels win)."""
    table: dict[str, str] = {}
    for cid, concept in sorted(corpus.concepts.items()):
        for alt in (*concept.alt_labels, *concept.translations.values()):
            table.setdefault(label_key(alt), cid)
    for cid, concept in sorted(corpus.concepts.items()):
        table[label_key(concept.label)] = cid
        table.setdefault(label_key(cid), cid)
    return table


def _apply_concept(corpus: Corpus, decision: Decision, where: str) -> None:
    table = _resolver(corpus)
    cid = table.get(label_key(decision.subject))
    if cid is None:
        _stale(corpus, decision, where, f"no concept is labelled '{decision.subject}'")
        return
    concept = corpus.concepts[cid]
    if decision.action == "not-a-concept":
        _remove_concept(corpus, cid)
    elif decision.action == "merge":
        into = table.get(label_key(decision.value))
        if into is None or into == cid:
            _stale(corpus, decision, where, f"no other concept is labelled '{decision.value}'")
            return
        _merge(corpus, cid, into)
    elif decision.action == "relabel":
        concept.alt_labels.add(concept.label)
        concept.label = decision.value
        concept.alt_labels.discard(decision.value)
    elif decision.action == "define":
        # Kept with the note the concept is read from first, so it lands in that note's
        # graph (and changes that note's build inputs, which hash its definitions).
        path, _anchor = concept.sections[0]
        line = next(
            (
                s.line
                for n in corpus.notes
                if n.path == path
                for s in n.sections
                if s.anchor == _anchor
            ),
            1,
        )
        concept.definitions[decision.lang] = Evidence(decision.value, path, line)
        concept.definition = concept.definitions.get("en") or concept.definitions[decision.lang]


def _remove_concept(corpus: Corpus, cid: str) -> None:
    del corpus.concepts[cid]
    corpus.relations = [r for r in corpus.relations if cid not in (r.source, r.target)]
    for note in corpus.notes:
        for section in note.sections:
            if section.concept == cid:
                section.concept = None
            if cid in section.concepts:
                section.concepts = [c for c in section.concepts if c != cid]


def _merge(corpus: Corpus, cid: str, into: str) -> None:
    """``cid`` becomes an altLabel of ``into``; its names, definitions, places and
    relations move there (a relation between the two is dropped)."""
    gone: Concept = corpus.concepts.pop(cid)
    kept = corpus.concepts[into]
    kept.alt_labels |= {gone.label, *gone.alt_labels} - {kept.label}
    for lang, label in gone.translations.items():
        kept.translations.setdefault(lang, label)
    for lang, evidence in gone.definitions.items():
        kept.definitions.setdefault(lang, evidence)
    kept.definition = kept.definition or gone.definition
    kept.sections.extend(place for place in gone.sections if place not in kept.sections)
    moved = []
    for r in corpus.relations:
        if cid in (r.source, r.target):
            source = into if r.source == cid else r.source
            target = into if r.target == cid else r.target
            if source == target:
                continue
            r = dataclasses.replace(r, source=source, target=target)
        moved.append(r)
    corpus.relations = moved
    for note in corpus.notes:
        for section in note.sections:
            if section.concept == cid:
                section.concept = into
            if cid in section.concepts:
                section.concepts = list(
                    dict.fromkeys(into if c == cid else c for c in section.concepts)
                )


def _matches(r: Relation, source: str, rtype: str, target: str, decision: Decision) -> bool:
    if (r.source, r.type, r.target) != (source, rtype, target):
        return False
    if decision.path and r.evidence.path != decision.path:
        return False
    if decision.evidence:
        said = " ".join(r.evidence.text.split()).casefold()
        return decision.evidence.casefold() in said
    return True


def _apply_relation(
    corpus: Corpus, table: dict[str, str], decision: Decision, where: str
) -> set[str]:
    """Apply one relation decision (``table``: concept ids by label key); the note paths
    whose relations it changed."""
    source, target = table.get(label_key(decision.subject)), table.get(label_key(decision.target))
    if source is None or target is None:
        missing = decision.subject if source is None else decision.target
        _stale(corpus, decision, where, f"no concept is labelled '{missing}'")
        return set()
    kept, hits = [], []
    for r in corpus.relations:
        if _matches(r, source, decision.type, target, decision):
            hits.append(r)
        else:
            kept.append(r)
    if not hits:
        pinned = " as pinned (path, evidence)" if decision.path or decision.evidence else ""
        _stale(corpus, decision, where, f"no note states it{pinned}")
        return set()
    if decision.action == "confirm":
        kept.extend(dataclasses.replace(r, confidence=1.0) for r in hits)
    elif decision.action == "retype":
        kept.extend(dataclasses.replace(r, type=decision.value) for r in hits)
    elif decision.action == "reverse":
        kept.extend(dataclasses.replace(r, source=r.target, target=r.source) for r in hits)
    else:
        for path, line in sorted({(r.evidence.path, r.evidence.line) for r in hits}):
            corpus.findings.append(
                Finding(
                    kind="rejected-still-stated",
                    severity="warning",
                    subject=f"{decision.subject} {decision.type} {decision.target}",
                    path=path,
                    line=line,
                    message=f"the review file ({where}:{decision.line}) rejects "
                    f"'{decision.subject} {decision.type} {decision.target}', but this line "
                    "still states it",
                    hint="reword the note, or remove the decision if the note is right",
                )
            )
    corpus.relations = kept
    return {r.evidence.path for r in hits}


# -- writing ---------------------------------------------------------------------------
def _quoted(text: str) -> str:
    """A YAML flow scalar for ``text``: JSON's string quoting is valid YAML."""
    import json

    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def decision_entry(
    action: str,
    subject: str,
    *,
    type: str = "",
    target: str = "",
    value: str = "",
    lang: str = "",
    path: str = "",
    evidence: str = "",
) -> str:
    """One decision as the text of a list entry (one line, flow style), ready to append:
    the author's own text, comments and order are never rewritten."""
    if action in RELATION_ACTIONS:
        head = f"{subject} {type} {target}"
        words = head.split()
        if sum(word.casefold() in _TYPES for word in words) != 1:  # a label holds a type name
            head_text = f"{{source: {_quoted(subject)}, type: {type}, target: {_quoted(target)}}}"
        else:
            head_text = _quoted(head)
        parts = [f"{action}: {head_text}"]
        if action == "retype":
            parts.append(f"to: {value}")
    else:
        parts = [f"{action}: {_quoted(subject)}"]
        key = {"merge": "into", "relabel": "to", "define": "text"}.get(action)
        if key:
            parts.append(f"{key}: {_quoted(value)}")
        if action == "define" and lang and lang != "en":
            parts.append(f"lang: {lang}")
    if path:
        parts.append(f"path: {_quoted(path)}")
    if evidence:
        parts.append(f"evidence: {_quoted(evidence)}")
    return "- {" + ", ".join(parts) + "}\n"


def appended(text: str, entry: str) -> str:
    """``text`` of a review file with ``entry`` added as its last list entry."""
    if text and not text.endswith("\n"):
        text += "\n"
    if text.strip() in ("[]",):  # an explicitly empty flow list cannot take a block entry
        text = ""
    return text + entry
