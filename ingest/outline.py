"""The plain-text outline form people paste from note apps.

Flush-left lines are headings (``1. Pod``, ``Namespace``, ``Appendix 1. ...``), bullets
(``•``, ``◦``, ``▪``, ``-``, ``*``) nest by indentation, and a bare language word (``yaml``)
followed by lines is a code block. A flush-left line that reads as a sentence (it ends
with a full stop or runs long) is a paragraph, not a heading. Indented lines that are
neither bullets nor code continue the bullet above them.
"""

from __future__ import annotations

import re

from .structure import Event, heading_level, strip_numbering

_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?P<mark>[•◦▪‣●○■□·]|[-*+](?=\s))\s*(?P<text>.*)$")
_YAMLISH = re.compile(r"^\s*(?:-\s|#|[\w.\-\"']+:(?:\s|$)|\.\.\.|[\]\}])")
MAX_DEPTH = 100  # about where markdown-it stops nesting lists (maxNesting 200)
CODE_LANGS = frozenset(
    "yaml yml json bash sh shell console zsh python py go golang javascript js typescript ts "
    "dockerfile docker toml ini xml html css sql text txt plaintext java rust c cpp hcl "
    "terraform makefile nginx conf properties diff powershell ps1 ruby php kotlin".split()
)


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def _is_heading(text: str) -> bool:
    text = text.strip()
    if len(text) > 120 or len(text.split()) > 12:
        return False
    return not text.endswith((".", ",", ";", ":", "!")) or bool(re.match(r"^\d+\.$", text))


def parse_outline_events(text: str) -> list[Event]:
    """Events of an outline note; line numbers are 1-based."""
    lines = _lines(text)
    events: list[Event] = []
    # (indent, depth) of open bullets, innermost last
    bullets: list[tuple[int, int]] = []
    i = 0
    n = len(lines)
    while i < n:
        raw = lines[i]
        stripped = raw.strip()
        lineno = i + 1
        if not stripped:
            i += 1
            continue
        indent = _indent(raw)
        in_list = bool(bullets) and indent > 0

        # a language word opens a code block only when at least one line of code follows
        # (``yaml`` then a text bullet is a word of its own)
        end = (
            _code_end(lines, i + 1, indent)
            if (stripped.lower() in CODE_LANGS and i + 1 < n and lines[i + 1].strip())
            else i + 1
        )
        if end > i + 1:
            body = _dedent(lines[i + 1 : end])
            events.append(
                Event(
                    kind="code",
                    text=body,
                    line=lineno + 1,
                    end_line=end,
                    lang=stripped.lower(),
                    depth=bullets[-1][1] if in_list else None,
                )
            )
            i = end
            continue

        bullet = _BULLET.match(raw)
        if bullet:
            while bullets and bullets[-1][0] >= indent:
                bullets.pop()
            # deeper bullets stay items of the deepest level: each level may head a
            # section, and every section repeats its whole breadcrumb, so thousands of
            # levels would make a store quadratic in the note's size
            depth = min(len(bullets), MAX_DEPTH)
            bullets.append((indent, depth))
            item_text, end = _continued(lines, i, indent)
            events.append(
                Event(
                    kind="item",
                    text=item_text or bullet.group("text").strip(),
                    line=lineno,
                    end_line=end,
                    depth=depth,
                )
            )
            i = end
            continue

        if indent == 0:
            bullets.clear()
            if _is_heading(stripped):
                title = strip_numbering(stripped) or stripped
                events.append(
                    Event(
                        kind="heading",
                        text=title,
                        line=lineno,
                        end_line=lineno,
                        level=heading_level(stripped),
                    )
                )
                i += 1
                continue
        # an indented line that is not a bullet continues the text above it
        if in_list and events and events[-1].kind == "item":
            events[-1].text += "\n" + stripped
            events[-1].end_line = lineno
            i += 1
            continue
        para_end = i + 1
        while (
            para_end < n
            and lines[para_end].strip()
            and not _BULLET.match(lines[para_end])
            and _indent(lines[para_end]) == indent
        ):
            para_end += 1
        events.append(
            Event(
                kind="paragraph",
                text="\n".join(line.strip() for line in lines[i:para_end]),
                line=lineno,
                end_line=para_end,
                depth=bullets[-1][1] if in_list else None,
            )
        )
        i = para_end
    return events


def _lines(text: str) -> list[str]:
    """Lines as an editor numbers them: split at newlines only (``str.splitlines`` also
    splits at form feeds, \\x1c-\\x1e, \\x85 and U+2028, which would move every line after)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _continued(lines: list[str], start: int, indent: int) -> tuple[str, int]:
    """The bullet's text with its wrapped continuation lines; returns (text, end line)."""
    first = _BULLET.match(lines[start])
    parts = [first.group("text").strip()] if first else []
    j = start + 1
    while j < len(lines):
        nxt = lines[j]
        if not nxt.strip() or _BULLET.match(nxt) or _indent(nxt) <= indent:
            break
        if nxt.strip().lower() in CODE_LANGS:
            break
        parts.append(nxt.strip())
        j += 1
    return "\n".join(parts), j


def _code_end(lines: list[str], start: int, lang_indent: int) -> int:
    """Index one past the last line of a code block that starts at ``start``.

    The block runs until a bullet, or a blank line after which the text no longer looks
    like the code (less indented than the block and not YAML-shaped).
    """
    j = start
    block_indent = _indent(lines[start])
    while j < len(lines):
        line = lines[j]
        if line.strip() and _ends_code(line, lang_indent):
            break
        if not line.strip():
            k = j + 1
            while k < len(lines) and not lines[k].strip():
                k += 1
            if k >= len(lines):
                break
            nxt = lines[k]
            deeper = _indent(nxt) > lang_indent
            yamlish = _YAMLISH.match(nxt) and _indent(nxt) >= block_indent
            if (
                (deeper or yamlish)
                and not _ends_code(nxt, lang_indent)
                and not _is_heading_like(nxt)
            ):
                j = k
                continue
            break
        j += 1
    return j


def _ends_code(line: str, lang_indent: int) -> bool:
    """A text bullet ends a code block; a YAML list item (``- name: x``) does not."""
    bullet = _BULLET.match(line)
    if not bullet:
        return False
    if bullet.group("mark") not in "-*+":
        return True
    return _indent(line) <= lang_indent and ":" not in bullet.group("text")


def _is_heading_like(line: str) -> bool:
    text = line.strip()
    return bool(re.match(r"^(\d+\.|Appendix\b)", text))


def _dedent(lines: list[str]) -> str:
    body = [line.expandtabs(4).rstrip() for line in lines]
    margins = [len(line) - len(line.lstrip(" ")) for line in body if line.strip()]
    cut = min(margins) if margins else 0
    return "\n".join(line[cut:] for line in body)
