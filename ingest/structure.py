"""One outline for both note forms.

The markdown parser and the plain-text outline parser each turn their input into a flat
list of ``Event``s (headings, list items with a depth, paragraphs, code, tables). The
``OutlineBuilder`` turns events into sections, so both forms give the same outline for
the same content. A list item that only names a topic and has nested items under it
("Types of Services", "ReplicaSet") heads a section of its own, as it would in markdown
written with subheadings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Block, Note, Section
from .text import slugify

_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[a-zA-Z]\))\s+(?=\S)")
_TERMINAL = (".", ",", ";", "!", "…")


@dataclass(slots=True)
class Event:
    """A structural element in document order.

    kind: heading | item | paragraph | code | table | quote.
    depth: for items, the list nesting (0 = top); for other kinds inside a list, the
    depth of the item they belong to; None when outside any list.
    anchor: for headings, the id the note gives it (Hugo's ``{#pod-storage}``), if any.
    """

    kind: str
    text: str
    line: int
    end_line: int
    level: int = 0
    depth: int | None = None
    lang: str = ""
    anchor: str | None = None


def strip_numbering(title: str) -> str:
    """``1. Pod`` → ``Pod``, ``2.3 Probes`` → ``Probes``; other titles unchanged."""
    return _NUMBERING.sub("", title, count=1).strip()


def heading_level(title: str) -> int:
    """Outline headings carry no level marks except numbering: ``1.`` is 2, ``1.2`` is 3."""
    match = re.match(r"^\s*(\d+(?:\.\d+)*)\.?\s", title)
    if not match:
        return 2
    return 1 + len(match.group(1).split("."))


def is_label(text: str) -> bool:
    """Does this list item only name a topic (so its nested items form a section)?"""
    text = text.strip().strip("*_`").strip()
    if not text or "\n" in text or len(text) > 80:
        return False
    if text.endswith("?"):
        return len(text.split()) <= 8
    if text.endswith(_TERMINAL) or text.endswith(":") or ": " in text:
        return False
    return len(text.split()) <= 5 and "," not in text


class _Slugs:
    """Unique anchors within a note, GitHub style (``pod``, ``pod-1``, …)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, title: str, given: str | None = None) -> str:
        """The anchor of a heading: the id the note gives it if still free, else its
        title's slug, numbered when taken."""
        if given and given not in self.seen:
            self.seen[given] = 1
            return given
        base = slugify(title) or "section"
        count = self.seen.get(base, 0)
        self.seen[base] = count + 1
        return base if count == 0 else f"{base}-{count}"


class OutlineBuilder:
    """Folds events into the sections of one note."""

    def __init__(self, title: str, total_lines: int) -> None:
        self.slugs = _Slugs()
        root = Section(
            anchor=self.slugs(title),
            title=title,
            level=1,
            breadcrumb=(title,),
            line=1,
            end_line=max(total_lines, 1),
        )
        self.sections: list[Section] = [root]
        # open sections: (section, item depth it was promoted from, or None for headings)
        self.stack: list[tuple[Section, int | None]] = [(root, None)]
        # per open section: index of the last item block at each depth
        self.items: dict[str, dict[int, int]] = {root.anchor: {}}

    # -- sections -----------------------------------------------------------------
    def _open(
        self,
        title: str,
        level: int,
        line: int,
        promoted_depth: int | None,
        anchor: str | None = None,
    ) -> None:
        parent = self.stack[-1][0]
        section = Section(
            anchor=self.slugs(title, anchor),
            title=title,
            level=level,
            breadcrumb=(*parent.breadcrumb, title),
            line=line,
            end_line=line,
            parent=parent.anchor,
        )
        self.sections.append(section)
        self.stack.append((section, promoted_depth))
        self.items[section.anchor] = {}

    def _close_items_from(self, depth: int | None) -> None:
        """Close promoted sections at or below ``depth`` (all of them for None)."""
        while len(self.stack) > 1 and self.stack[-1][1] is not None:
            promoted = self.stack[-1][1]
            if depth is not None and promoted < depth:
                break
            self.stack.pop()

    def _base_depth(self) -> int:
        promoted = self.stack[-1][1]
        return 0 if promoted is None else promoted + 1

    def _touch(self, end_line: int) -> None:
        for section, _ in self.stack:
            section.end_line = max(section.end_line, end_line)

    # -- events -------------------------------------------------------------------
    def heading(self, event: Event) -> None:
        self._close_items_from(None)
        while len(self.stack) > 1 and self.stack[-1][0].level >= event.level:
            self.stack.pop()
        self._open(event.text, max(event.level, 2), event.line, None, event.anchor)

    def add(self, event: Event, has_children: bool) -> None:
        if event.kind == "heading":
            self.heading(event)
            return
        if event.depth is None:
            self._close_items_from(None)
        elif event.kind == "item":
            self._close_items_from(event.depth)
        if event.kind == "item" and has_children and is_label(event.text):
            level = self.stack[-1][0].level + 1
            self._open(event.text.strip().strip("*_`").strip(), level, event.line, event.depth)
            self._touch(event.end_line)
            return
        section = self.stack[-1][0]
        items = self.items[section.anchor]
        base = self._base_depth()
        depth = 0 if event.depth is None else max(event.depth - base, 0)
        parent: int | None = None
        if event.kind == "item":
            parent = items.get(depth - 1) if depth > 0 else None
            for deeper in [d for d in items if d >= depth]:
                del items[deeper]
            items[depth] = len(section.blocks)
        elif event.depth is not None:
            # code or text inside a list belongs to the innermost open item
            parent = items.get(max(items)) if items else None
            depth = depth + 1 if parent is not None else 0
        section.blocks.append(
            Block(
                kind=event.kind,
                text=event.text,
                line=event.line,
                end_line=event.end_line,
                depth=depth if event.kind == "item" or parent is not None else 0,
                lang=event.lang,
                parent=parent,
            )
        )
        self._touch(event.end_line)


def build_note(
    path: str,
    title: str,
    events: list[Event],
    total_lines: int,
    meta: dict | None = None,
    digest: str = "",
) -> Note:
    """Assemble a Note from parser events."""
    builder = OutlineBuilder(title, total_lines)
    for index, event in enumerate(events):
        nxt = events[index + 1] if index + 1 < len(events) else None
        has_children = (
            event.kind == "item"
            and nxt is not None
            and nxt.kind == "item"
            and event.depth is not None
            and nxt.depth is not None
            and nxt.depth > event.depth
        )
        builder.add(event, has_children)
    sections = builder.sections
    # the root section spans the note; drop it when it holds nothing and others exist
    if len(sections) > 1 and not sections[0].blocks:
        root = sections[0]
        sections = sections[1:]
        for section in sections:
            if section.parent == root.anchor:
                section.parent = None
    return Note(
        path=path, title=title, sections=sections, meta=meta or {}, digest=digest, lines=total_lines
    )
