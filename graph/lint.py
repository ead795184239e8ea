"""What ``kg lint`` and ``GET /api/lint`` report: what the author's knowledge base is
missing, each finding with the concept or note, the line, and how to fix it.

Two sources, one list. Ingest records what only it sees (a wikilink to nothing, a
review decision whose target is gone, a rejected relation a note still states) in
``Corpus.findings``; :func:`build_findings` adds the skos:broader cycles (the graph
leaves out the edge that closes each one, so a built graph has none left to find) and
the store keeps them beside the graph (``findings.json``). :func:`lint` reads the rest
off a built store: its ConceptGraph and its notes' records.

The severity of every kind is declared here, in ``KINDS`` (the README's table): lint
gives its own findings that severity, and ingest its own; ingest may rate one finding
lower than its kind (a dangling "link" written as plain text, ``owner:: Team A``, may
be a value, so it is a warning).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.links import note_candidates
from ingest.model import Corpus, Finding
from ingest.text import label_key

from .concept_graph import ConceptGraph
from .hierarchy import broader_cycles, graph_relations

SEVERITIES = ("info", "warning", "error")  # least severe first
FINDINGS_FILE = "findings.json"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of finding: how severe it is, and what it means (README, ``kg lint``)."""

    severity: str
    meaning: str


KINDS: dict[str, Kind] = {
    "broader-cycle": Kind(
        "error",
        "concepts each stated to be a kind of the next, round "
        "to the first (skos:broader must not loop)",
    ),
    "dangling-link": Kind(
        "error",
        "a link to no note and no concept (a warning when the "
        "target is plain text, as in owner:: Team A)",
    ),
    "duplicate-concept": Kind(
        "warning",
        "one concept under two labels: a name of one is a "
        "name of the other, or an abbreviation of it "
        "written beside it",
    ),
    "empty-note": Kind("warning", "a note from which no concept was read"),
    "orphan-note": Kind("warning", "a note sharing no concept with any other note"),
    "stale-decision": Kind("warning", "a review decision whose concept or relation is gone"),
    "rejected-still-stated": Kind(
        "warning", "a relation the review file rejects that a note still states"
    ),
    "undefined-concept": Kind(
        "info", "a concept mentioned but never defined (no definition, no section of its own)"
    ),
    "unlinked-concept": Kind(
        "info", "a defined concept with no typed relation to another (co-mentions do not count)"
    ),
}


def severity_rank(severity: str) -> int:
    """0 for info, 1 for warning, 2 for error (an unknown severity counts as info)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def at_least(findings: Iterable[Finding], severity: str) -> list[Finding]:
    """The findings this severe or worse."""
    floor = severity_rank(severity)
    return [f for f in findings if severity_rank(f.severity) >= floor]


# -- at build time ---------------------------------------------------------------------
def build_findings(corpus: Corpus) -> list[Finding]:
    """What the build keeps for lint: ingest's findings and the skos:broader cycles,
    read from the relations the graph is built from (those of notes it holds, between
    concepts it holds)."""
    notes = {note.path for note in corpus.notes}
    present = {
        cid
        for cid, concept in corpus.concepts.items()
        if any(path in notes for path, _ in concept.sections)
    }
    kept = graph_relations(corpus.relations, notes, present)

    def label(cid: str) -> str:
        return corpus.concepts[cid].label

    found = list(corpus.findings)
    for cycle in broader_cycles(kept):
        child, parent = cycle.left_out
        weak = next(r for r in cycle.evidence if (r.source, r.target) == cycle.left_out)
        where = ", ".join(f"{r.evidence.path}:{r.evidence.line}" for r in cycle.evidence)
        if len(cycle.concepts) == 1:
            message = f"{label(child)} is stated to be a kind of itself ({where})"
            hint = "remove the statement, or name the broader concept it meant"
        else:
            loop = " → ".join(label(c) for c in (*cycle.concepts, cycle.concepts[0]))
            message = (
                f"skos:broader cycle {loop}: each is stated to be a kind of the next ({where})"
            )
            hint = (
                f"decide which is the broader concept and correct the other statement; "
                f"until then the graph leaves out “{label(child)} is a kind of "
                f"{label(parent)}”, the less supported"
            )
        found.append(
            Finding(
                "broader-cycle",
                KINDS["broader-cycle"].severity,
                label(child),
                weak.evidence.path,
                weak.evidence.line,
                message,
                hint,
            )
        )
    return found


def write_findings(path: str | os.PathLike[str], findings: Iterable[Finding]) -> None:
    """The build's findings as JSON (``findings.json``)."""
    records = [
        {
            "kind": f.kind,
            "severity": f.severity,
            "subject": f.subject,
            "path": f.path,
            "line": f.line,
            "message": f.message,
            "hint": f.hint,
        }
        for f in findings
    ]
    Path(path).write_text(
        json.dumps({"version": FORMAT_VERSION, "findings": records}, ensure_ascii=False),
        encoding="utf-8",
    )


_FIELDS = {
    "kind": str,
    "severity": str,
    "subject": str,
    "path": str,
    "line": int,
    "message": str,
    "hint": str,
}


def read_findings(path: str | os.PathLike[str]) -> list[Finding]:
    """What :func:`write_findings` wrote; ValueError (naming what is wrong) for anything
    else, since the file is read by every server of the store."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: not a findings file of version {FORMAT_VERSION}")
    records = data.get("findings")
    if not isinstance(records, list):
        # a damaged file, as every other problem here: the store catches ValueError
        raise ValueError(f"{path}: 'findings' is not a list")  # noqa: TRY004
    findings = []
    for number, record in enumerate(records):
        if (
            not isinstance(record, dict)
            or record.get("severity") not in SEVERITIES
            or any(type(record.get(name)) is not kind for name, kind in _FIELDS.items())
        ):
            raise ValueError(f"{path}: finding {number} is malformed")
        findings.append(Finding(**{name: record[name] for name in _FIELDS}))
    return findings


# -- at lint time ----------------------------------------------------------------------
def lint(
    graph: ConceptGraph, notes: Iterable[Mapping[str, Any]], stored: Iterable[Finding]
) -> list[Finding]:
    """Every finding of a built store, most severe first, then by kind, note and line:
    those the build kept (``stored``, as ingest rated them) and those read off its graph
    and its notes' records (``notes.jsonl``)."""
    notes = list(notes)
    found = list(stored)
    concepts = [
        c for ref in graph.concepts(len(graph))[1] if (c := graph.concept(ref["id"])) is not None
    ]
    mentions = _Mentions(notes)
    found += _concept_findings(graph, concepts, mentions)
    found += _duplicates(concepts, mentions)
    found += _note_findings(notes)
    found.sort(key=lambda f: (-severity_rank(f.severity), f.kind, f.path, f.line, f.subject))
    return found


class _Mentions:
    """The line in a section where a concept's name is first written (the graph keeps
    the sections a concept is named in, not the lines)."""

    def __init__(self, notes: list[Mapping[str, Any]]) -> None:
        self._blocks = {
            (note["path"], section["anchor"]): section["blocks"]
            for note in notes
            for section in note["sections"]
        }

    def first(self, concept: dict[str, Any]) -> tuple[str, int]:
        """(path, line) of the concept's first mention: the first block naming it (any
        case) in the first section it is named in, else that section's heading."""
        names = [name.casefold() for name in (concept["label"], *concept["altLabels"])]
        place = min(concept["sources"], key=lambda s: (s["path"], s["line"]))
        for block in self._blocks.get((place["path"], place["anchor"]), ()):
            text = block["text"].casefold()
            if any(name in text for name in names):
                return place["path"], block["line"]
        return place["path"], place["line"]


def _concept_findings(
    graph: ConceptGraph, concepts: list[dict[str, Any]], mentions: _Mentions
) -> list[Finding]:
    found = []
    for concept in concepts:
        label, sources = concept["label"], concept["sources"]
        defined = graph.defined_in(concept["id"])
        definition = concept["definition"]
        if definition is None and not defined:
            path, line = mentions.first(concept)
            notes = len({s["path"] for s in sources})
            found.append(
                _finding(
                    "undefined-concept",
                    label,
                    path,
                    line,
                    f"{label} is mentioned in {notes} note{'s' if notes != 1 else ''} but never "
                    "defined",
                    f"say what it is where it first appears: a “{label}: …” item, a sentence "
                    f"“{label} is a …” or a heading of its own",
                )
            )
        elif not graph.related(concept["id"], co_mention=False, limit=1):
            where = definition or defined[0]
            found.append(
                _finding(
                    "unlinked-concept",
                    label,
                    where["path"],
                    where["line"],
                    f"{label} is defined but has no typed relation to another concept",
                    f"say how it relates to another: “{label} uses …”, “{label} is a kind of …”, "
                    f"“… contains {label}”",
                )
            )
    return found


_TRAILING_ASIDE = re.compile(r"^(.*?)\s*\(([^()]+)\)\s*$")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,5}s?")
_WORD_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _name_keys(concept: dict[str, Any]) -> set[str]:
    """Every matching key a concept is known by: its label, altLabels and translations,
    and for a name with an abbreviation in parentheses ("Write-Ahead Log (WAL)") each part."""
    keys: set[str] = set()
    for name in (concept["label"], *concept["altLabels"], *concept["translations"].values()):
        parts = [name]
        aside = _TRAILING_ASIDE.match(name)
        if aside:
            parts += aside.groups()
        keys.update(label_key(part) for part in parts)
    keys.discard("")
    return keys


def _initials(label: str) -> str:
    """ "Write-Ahead Log" → "WAL", "PersistentVolumeClaim" → "PVC" ("" for one word)."""
    words = _WORD_PARTS.findall(label)
    return "".join(word[0] for word in words).upper() if len(words) > 1 else ""


def _duplicates(concepts: list[dict[str, Any]], mentions: _Mentions) -> list[Finding]:
    """Pairs of concepts that look like one: a shared name (label_key folds case,
    spacing, hyphens and a plural, as ingest does), or an acronym label that spells the
    initials of the other's label, the two written in one section (where the author
    would have written "Long Name (LN)"). Edit distance is not used: on the Kubernetes
    docs its candidates within search.spelling's allowance were 31 pairs, 1 of them one
    concept (containerd/containerfs, nodeSelector/podSelector …)."""
    by_key: dict[str, set[str]] = {}
    by_id = {concept["id"]: concept for concept in concepts}
    for concept in concepts:
        for key in _name_keys(concept):
            by_key.setdefault(key, set()).add(concept["id"])
    # (alias candidate, the concept it names, why): of a shared name, the one whose label
    # is only that name, else the one written less; of an acronym, the acronym.
    pairs: dict[frozenset[str], tuple[dict[str, Any], dict[str, Any], str]] = {}
    for key, ids in sorted(by_key.items()):
        ordered = sorted(
            (by_id[cid] for cid in ids),
            key=lambda c: (label_key(c["label"]) != key, len(c["sources"]), c["id"]),
        )
        for i, alias in enumerate(ordered):
            for main in ordered[i + 1 :]:
                pairs.setdefault(
                    frozenset((alias["id"], main["id"])), (alias, main, f"both are named “{key}”")
                )
    acronyms = {
        concept["label"].rstrip("s"): concept
        for concept in concepts
        if _ACRONYM.fullmatch(concept["label"])
    }
    for concept in concepts if acronyms else ():
        short = acronyms.get(_initials(concept["label"]))
        if short is None or short["id"] == concept["id"]:
            continue
        here = {(s["path"], s["anchor"]) for s in concept["sources"]}
        if any((s["path"], s["anchor"]) in here for s in short["sources"]):
            pairs.setdefault(
                frozenset((short["id"], concept["id"])),
                (
                    short,
                    concept,
                    f"“{short['label']}” spells its initials, and the two are written together",
                ),
            )
    found = []
    for alias, main, why in sorted(pairs.values(), key=lambda p: (p[0]["id"], p[1]["id"])):
        path, line = mentions.first(alias)
        if why.startswith("both"):
            hint = (
                f"merge them in the review file, making “{alias['label']}” an alias of "
                f"“{main['label']}”, or rename one if they differ"
            )
        else:
            hint = (
                f"write “{main['label']} ({alias['label']})” where it is introduced, or "
                "merge the two in the review file"
            )
        found.append(
            _finding(
                "duplicate-concept",
                alias["label"],
                path,
                line,
                f"{alias['label']} and {main['label']} look like one concept: {why}",
                hint,
            )
        )
    return found


def _linked_notes(notes: Iterable[Mapping[str, Any]]) -> set[str]:
    """The notes another note links to: by a markdown link to its path, or by a wikilink
    to its file name or title (as ``ingest.link_resolution`` resolves them)."""
    by_name: dict[str, str] = {}
    paths: set[str] = set()
    for note in notes:
        paths.add(note["path"])
        stem = note["path"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for name in (stem, note.get("title") or ""):
            if name:
                by_name.setdefault(name.casefold(), note["path"])
    linked: set[str] = set()
    for note in notes:
        for link in note.get("links", ()):
            if link["kind"] == "markdown":
                found = [p for p in note_candidates(link["target"], note["path"]) if p in paths]
            else:
                found = [by_name[key]] if (key := link["target"].casefold()) in by_name else []
            linked.update(p for p in found if p != note["path"])
    return linked


def _note_findings(notes: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """Empty notes (no concept read from any section) and orphans: notes no other note
    links to, naming at least one concept, none of which any other note names."""
    notes = list(notes)
    linked = _linked_notes(notes)
    concepts_of: dict[str, set[str]] = {}
    for note in notes:
        concepts_of[note["path"]] = {
            cid
            for section in note["sections"]
            for cid in (section["concept"], *section["concepts"])
            if cid
        }
    notes_naming: dict[str, int] = {}
    for named in concepts_of.values():
        for cid in named:
            notes_naming[cid] = notes_naming.get(cid, 0) + 1
    found = []
    for path, named in concepts_of.items():
        if not named:
            found.append(
                _finding(
                    "empty-note",
                    path,
                    path,
                    1,
                    "no concept was read from this note",
                    "name what it is about: a heading per concept, “Term: definition” items or "
                    "“A … is a …” sentences",
                )
            )
        elif path not in linked and all(notes_naming[cid] == 1 for cid in named):
            found.append(
                _finding(
                    "orphan-note",
                    path,
                    path,
                    1,
                    f"none of its {len(named)} concept{'s' if len(named) != 1 else ''} appears "
                    "in another note",
                    "link it from a related note, or name there the concepts it shares with them",
                )
            )
    return found


def _finding(kind: str, subject: str, path: str, line: int, message: str, hint: str) -> Finding:
    return Finding(kind, KINDS[kind].severity, subject, path, line, message, hint)
