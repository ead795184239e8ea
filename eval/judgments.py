"""Judgment files: a rubric in ``#`` lines, then one judged item per tab-separated line.

The first column is the verdict: ``1`` correct, ``0`` wrong, ``?`` not judged yet (how
``--top-up`` appends new sample items). The key columns say which item it is; the rest
(evidence, note) are there for the judge and for whoever checks the judge. A verdict
belongs to its key, so an item whose key changes (new span, new label, new evidence
text) is simply a new, unjudged item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

UNJUDGED = "?"


def clean(text: str) -> str:
    """A field as written in a judgment file: one line, no tabs, single spaces."""
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of judgment file after the verdict; ``key`` names the
    columns that identify an item."""

    columns: tuple[str, ...]
    key: tuple[str, ...]

    def key_of(self, row: dict[str, str]) -> tuple[str, ...]:
        return tuple(clean(row.get(name, "")) for name in self.key)

    def line(self, verdict: str, row: dict[str, str]) -> str:
        return "\t".join([verdict, *(clean(row.get(name, "")) for name in self.columns)])

    def header(self) -> str:
        return "# " + "\t".join(["verdict", *self.columns])


RELATIONS = Layout(("source", "type", "target", "path", "evidence", "note"),
                   key=("path", "evidence", "source", "type", "target"))
CONCEPTS = Layout(("reason", "id", "label", "note"), key=("id",))
GLOSSARY = Layout(("term", "definition", "note"), key=("term", "definition"))


@dataclass
class Judgments:
    """The verdicts of one file (key -> correct) and the reasons given with them."""

    layout: Layout
    verdicts: dict[tuple[str, ...], bool]
    rows: dict[tuple[str, ...], dict[str, str]]

    def reason(self, key: tuple[str, ...]) -> str:
        return self.rows.get(key, {}).get("reason", "")


class JudgmentError(ValueError):
    """A judgment file line that cannot be read."""


def read(path: Path, layout: Layout) -> Judgments:
    """The verdicts in ``path`` (none if it does not exist); a later line for the same
    key overrides an earlier one, so a re-judged item can simply be appended."""
    verdicts: dict[tuple[str, ...], bool] = {}
    rows: dict[tuple[str, ...], dict[str, str]] = {}
    if not path.exists():
        return Judgments(layout, verdicts, rows)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        verdict, *fields = line.split("\t")
        if len(fields) < len(layout.key):
            raise JudgmentError(f"{path}:{number}: expected {len(layout.columns) + 1} "
                                f"tab-separated columns, found {len(fields) + 1}")
        row = dict(zip(layout.columns, fields, strict=False))
        key = layout.key_of(row)
        verdict = verdict.strip()
        if verdict == UNJUDGED:
            continue
        if verdict not in ("0", "1"):
            raise JudgmentError(f"{path}:{number}: verdict must be 1, 0 or ?, not {verdict!r}")
        verdicts[key] = verdict == "1"
        rows[key] = row
    return Judgments(layout, verdicts, rows)


def pending_keys(path: Path, layout: Layout) -> set[tuple[str, ...]]:
    """Keys already listed as ``?`` in the file: a top-up does not list them twice."""
    if not path.exists():
        return set()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(UNJUDGED + "\t"):
            out.add(layout.key_of(dict(zip(layout.columns, line.split("\t")[1:], strict=False))))
    return out


def lines(layout: Layout, rows: Iterable[dict[str, str]]) -> list[str]:
    """Ready-to-fill lines (verdict ``?``) for unjudged items."""
    return [layout.line(UNJUDGED, row) for row in rows]


def append(path: Path, rubric: Sequence[str], layout: Layout, new: list[str]) -> int:
    """Add ``new`` lines to the file, creating it with its rubric and header if needed."""
    if not new:
        return 0
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"# {text}\n" if text else "#\n" for text in rubric)
                        + layout.header() + "\n", encoding="utf-8")
    with path.open("a", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in new))
    return len(new)
