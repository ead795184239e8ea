"""``parse_note``: one note's text to a ``Note``, whichever form it is written in."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from .links import LinkReader
from .markdown import MAX_TABLE_ROWS, parse_markdown_events
from .model import Note
from .outline import parse_outline_events
from .structure import Event, build_note

MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
_BACKTICKED = re.compile(r"`[^`\n]*`")
NOTE_SUFFIXES = MARKDOWN_SUFFIXES + TEXT_SUFFIXES


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def parse_note(
    text: str, path: str, problems: list[str] | None = None, *, max_table_rows: int = MAX_TABLE_ROWS
) -> Note:
    """Parse a note; ``path`` (POSIX, relative) picks the form by its suffix.

    Raises ``FrontMatterError`` (a ValueError) for unreadable front matter, unless
    ``problems`` is given: then what was wrong but worked around (front matter ignored,
    table rows past ``max_table_rows`` skipped) is appended there, and the rest is kept.
    """
    total_lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    stem = PurePosixPath(path).stem
    reader = LinkReader()
    if path.lower().endswith(MARKDOWN_SUFFIXES):
        events, meta = parse_markdown_events(
            text, problems, max_table_rows=max_table_rows, reader=reader
        )
        title, events = _markdown_title(events, meta, stem)
    else:
        events, meta = parse_outline_events(text), {}
        for event in events:
            if event.kind != "code":  # the outline form has no other markup than `code`
                event.text = reader.read(
                    event.text,
                    event.line,
                    [match.span() for match in _BACKTICKED.finditer(event.text)],
                )
        title = stem
    note = build_note(path, title, events, total_lines, meta=meta, digest=digest(text))
    note.links = sorted(reader.links, key=lambda link: link.line)
    return note


def _markdown_title(events: list[Event], meta: dict, stem: str) -> tuple[str, list[Event]]:
    """Front matter title, else a lone h1 (which then heads the note), else the file name."""
    title = meta.get("title")
    if isinstance(title, str | int | float) and str(title).strip():
        return str(title).strip(), events
    h1 = [e for e in events if e.kind == "heading" and e.level == 1]
    if len(h1) == 1 and h1[0].text:
        return h1[0].text, [e for e in events if e is not h1[0]]
    return stem, events
