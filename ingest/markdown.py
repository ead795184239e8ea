"""Markdown notes through markdown-it-py (CommonMark + tables + YAML front matter).

Token maps give 0-based ``[start, end)`` lines; events carry 1-based inclusive lines.
Hugo markup, common in docs sites, is reduced to what a reader sees without moving any
line (``ingest/hugo.py``): shortcodes before parsing (``{{< glossary_tooltip text="Pod"
... >}}`` → ``Pod``), heading ids from the heading (``## Pods {#pods}`` → "Pods",
anchored ``pods``); HTML comments never reach the text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.rules_block import table as _table_rule
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core import inline as _core_inline
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from .hugo import expand_shortcodes, split_heading_id
from .links import LinkReader, front_matter_links
from .safe_yaml import FAST_LOADER, UnsafeYamlError, load_bounded
from .structure import Event, strip_numbering

_LONE_CR = re.compile(r"\r(?!\n)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:.*?\n)?---[ \t]*(?=\n|\Z)", re.DOTALL)
_TASK_BOX = re.compile(r"\[[ xX]\][ \t]+")  # "- [ ] item": a task list's checkbox
# front matter fields that hold prose a reader sees (and definitions are read from)
PROSE_FIELDS = ("title", "linkTitle", "description", "short_description", "summary")


# Inline parsing costs time per character times nesting depth on pathological input (a
# megabyte line of ``[`` or ``![`` at the block-level nesting of 200). Inline markup
# nests far less than lists do, and a paragraph this long is no prose anybody
# wrote: it is kept as plain text (its markup characters included) rather than parsed.
INLINE_MAX_NESTING = 20
MAX_INLINE_CHARS = 100_000
# Front matter is a few lines of metadata; more than this is not read (the note is).
MAX_FRONT_MATTER_CHARS = 64 * 1024
# markdown-it's table rule is slow and memory-hungry on big tables, and no note needs
# thousands of rows to say what it says: rows past either limit are skipped, and the
# note says so.
MAX_TABLE_ROWS = 2000
MAX_TABLE_CHARS = 256 * 1024


class FrontMatterError(ValueError):
    """The YAML front matter could not be read."""


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 200}).enable("table").use(front_matter_plugin)
    md.core.ruler.at("inline", _bounded_inline)
    md.block.ruler.at("table", _bounded_table, {"alt": ["paragraph", "reference"]})
    # markdown-it's documented hook is replacing this attribute on the instance
    md.normalizeLink = _link_target  # type: ignore[method-assign]
    return md


def _link_target(url: str) -> str:
    """A link's URL as markdown-it checks it (``validateLink``) before it makes a link.

    Notes never read a link's URL, and normalising each one (punycode, percent-encoding)
    for the renderer is work on every link for nothing. Normalising keeps a URL with no
    scheme scheme-less and an http(s) one http(s), both valid either way: only other
    URLs are normalised, so that the same links stay links.
    """
    if ":" not in url or url.startswith(("http://", "https://")):
        return url
    return normalizeLink(url)


def _bounded_inline(state: StateCore) -> None:
    """markdown-it's inline stage with a lower nesting limit, and very long inline
    content kept as one text token."""
    for token in state.tokens:
        if token.type == "inline" and len(token.content) > MAX_INLINE_CHARS:
            text = Token("text", "", 0)
            text.content = token.content
            token.children = [text]
            token.type = "inline_plain"  # skipped by the inline stage, renamed back below
    options = state.md.options
    saved = options["maxNesting"]
    options["maxNesting"] = INLINE_MAX_NESTING
    try:
        _core_inline(state)
    finally:
        options["maxNesting"] = saved
    for token in state.tokens:
        if token.type == "inline_plain":
            token.type = "inline"


def _bounded_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's table rule over at most ``env["max_table_rows"]`` rows and
    ``MAX_TABLE_CHARS`` characters; the rows past them are skipped, and noted in the
    parse's ``env["problems"]``."""
    rows = state.env.get("max_table_rows", MAX_TABLE_ROWS)
    cut, chars = start, 0
    while cut < end and cut - start < rows + 2 and not state.isEmpty(cut):
        chars += state.eMarks[cut] - state.bMarks[cut]
        if chars > MAX_TABLE_CHARS:
            break
        cut += 1
    if not _table_rule(state, start, cut, silent):
        return False
    if silent or state.line != cut or cut >= end or state.isEmpty(cut):
        return True
    skipped = cut
    while (
        skipped < end
        and not state.isEmpty(skipped)
        and "|" in state.getLines(skipped, skipped + 1, 0, False)
    ):
        skipped += 1
    state.line = skipped
    state.env.setdefault("problems", []).append(
        f"table at line {start + 1} cut after line {cut}: {skipped - cut} more rows skipped "
        f"(tables are read up to {rows} rows, {MAX_TABLE_CHARS // 1024} KB)"
    )
    return True


def inline_text(token: Token, reader: LinkReader | None = None, line: int = 0) -> str:
    """Plain text of an inline token: code spans kept, markup dropped, breaks as newlines.

    With a ``reader``, the links written in it (wikilinks, inline fields, markdown links
    between notes) are kept there, and a wikilink reads as its shown text; ``line`` is
    the token's first line."""
    parts: list[str] = []
    code: list[tuple[int, int]] = []
    hrefs: list[tuple[int, str]] = []
    length, counted = 0, 0  # characters in the first ``counted`` parts
    for child in token.children or ():
        kind = child.type
        if kind == "text":
            parts.append(child.content)
        elif kind in ("code_inline", "link_open") and reader is not None:
            for part in parts[counted:]:
                length += len(part)
            counted = len(parts)
            if kind == "link_open":
                hrefs.append((length, str(child.attrGet("href") or "")))
            else:
                code.append((length, length + len(child.content)))
                parts.append(child.content)
        elif kind == "code_inline":
            parts.append(child.content)
        elif kind == "html_inline":
            # inline "HTML" in notes is mostly <placeholder>s; a comment is no text, but
            # its line breaks are the paragraph's
            content = child.content
            parts.append(
                _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), content)
                if content.startswith("<!--")
                else content
            )
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(child.content)
    if reader is None:
        return "".join(parts)
    return reader.read("".join(parts), line, code, hrefs)


def parse_markdown_events(
    text: str,
    problems: list[str] | None = None,
    *,
    max_table_rows: int = MAX_TABLE_ROWS,
    reader: LinkReader | None = None,
) -> tuple[list[Event], dict[str, Any]]:
    """Events of a markdown note and its front matter (an empty dict when absent).

    Front matter that cannot be used (malformed, not a mapping, or refused by
    ``load_bounded``) raises FrontMatterError; with a ``problems`` list it is noted
    there instead and ignored, and the rest of the note is read. Rows of a table past
    ``max_table_rows`` or ``MAX_TABLE_CHARS`` are skipped (noted in ``problems``).
    With a ``reader``, the links the note writes are kept there (``ingest/links.py``).
    """
    if "\r" in text:
        # markdown-it reads a lone CR as a line break; lines are counted at LF (as the
        # note's line count and the outline form do), so it may not move any line
        text = _LONE_CR.sub(" ", text)
    env: dict[str, Any] = {"max_table_rows": max_table_rows}
    tokens = _parser().parse(expand_body(text), env)
    if problems is not None:
        problems.extend(env.get("problems", ()))
    events: list[Event] = []
    meta: dict[str, Any] = {}
    depth = -1  # current list nesting; -1 outside lists
    item_open: list[bool] = []  # per open list item: has its first paragraph been seen
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if kind == "front_matter":
            try:
                meta = _front_matter(tok.content)
                if reader is not None:
                    reader.links.extend(front_matter_links(meta, tok.content, 2))
            except FrontMatterError as exc:
                if problems is None:
                    raise
                problems.append(f"{exc}; front matter ignored")
        elif kind == "heading_open":
            inline = tokens[i + 1]
            start, end = tok.map or (0, 1)
            title, anchor = split_heading_id(
                inline_text(inline, reader, (tok.map or (0, 1))[0] + 1).strip()
            )
            events.append(
                Event(
                    kind="heading",
                    text=strip_numbering(title) or title,
                    line=start + 1,
                    end_line=end,
                    level=int(tok.tag[1]),
                    anchor=anchor,
                )
            )
            i += 3
            continue
        elif kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif kind == "list_item_open":
            item_open.append(False)
            start, end = tok.map or (0, 1)
            events.append(
                Event(kind="item", text="", line=start + 1, end_line=start + 1, depth=depth)
            )
        elif kind == "list_item_close":
            item_open.pop()
        elif kind == "paragraph_open":
            inline = tokens[i + 1]
            start, end = tok.map or (0, 1)
            body = inline_text(inline, reader, start + 1).strip()
            if item_open and not item_open[-1]:
                item = _last_item(events)
                if item is not None:
                    box = _TASK_BOX.match(body)
                    item.text, item.end_line = body[box.end() :] if box else body, end
                item_open[-1] = True
            elif item_open:
                events.append(
                    Event(kind="paragraph", text=body, line=start + 1, end_line=end, depth=depth)
                )
            else:
                events.append(Event(kind="paragraph", text=body, line=start + 1, end_line=end))
            i += 3
            continue
        elif kind in ("fence", "code_block"):
            start, end = tok.map or (0, 1)
            lang = (tok.info or "").strip().split(" ")[0].lower()
            # a fence's body starts below its opening line; an empty or unclosed one at
            # the end of the file has no body line, and sits on the fence's own lines
            first = min(start + 2, end) if kind == "fence" else start + 1
            events.append(
                Event(
                    kind="code",
                    text=tok.content.rstrip("\n"),
                    line=first,
                    end_line=end,
                    lang=lang,
                    depth=depth if item_open else None,
                )
            )
        elif kind == "table_open":
            i = _table(tokens, i, events, depth if item_open else None, reader)
            continue
        elif kind == "html_block":
            pass
        i += 1
    events = [e for e in events if not (e.kind == "item" and not e.text)]
    return events, meta


def expand_body(text: str) -> str:
    """Shortcodes expanded below the front matter only: that is YAML, and its values are
    cleaned once read (``plain_text``)."""
    if "{{" not in text:
        return text
    front = _FRONT_MATTER.match(text) if text.startswith("---") else None
    end = front.end() if front else 0
    return text[:end] + expand_shortcodes(text[end:])


def _last_item(events: list[Event]) -> Event | None:
    for event in reversed(events):
        if event.kind == "item":
            return event
    return None


def _front_matter(content: str) -> dict[str, Any]:
    try:
        data = _load_yaml(content) if content.strip() else {}
    except UnsafeYamlError as exc:
        raise FrontMatterError(f"YAML front matter refused: it {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise FrontMatterError(f"malformed YAML front matter{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError("front matter is not a YAML mapping")
    for key in PROSE_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and ("{{" in value or any(c in value for c in "*_`[<&")):
            data[key] = plain_text(value)
    return data


def plain_text(value: str) -> str:
    """Inline markdown (and Hugo shortcodes) as the plain text a reader sees, on one line:
    for front matter values, which Hugo renders as markdown too."""
    tokens = _parser().parseInline(expand_shortcodes(value))
    return " ".join("".join(inline_text(token) for token in tokens).split())


# libyaml reads front matter in C where PyYAML's own scanner is pure Python, but the two
# disagree in some corners (tabs, a BOM, control characters, flow collections,
# tags, "?" keys, a comment glued to a block scalar's header) and word errors differently:
# such text, and any libyaml rejects, is read by the pure-Python loader as it always was.
_PURE_YAML_ONLY = re.compile(
    "[^\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]|[\t\ufeff\\[{!?\u2028\u2029]|[|>][-+0-9]*#"
)


def _load_yaml(content: str) -> Any:
    """``yaml.safe_load``, bounded, through libyaml where that gives the very same result."""
    if FAST_LOADER is not None and not _PURE_YAML_ONLY.search(content):
        try:
            return load_bounded(content, max_chars=MAX_FRONT_MATTER_CHARS, loader=FAST_LOADER)
        except UnsafeYamlError:
            raise
        except yaml.YAMLError:
            pass
    return load_bounded(content, max_chars=MAX_FRONT_MATTER_CHARS)


def _table(
    tokens: list[Token],
    i: int,
    events: list[Event],
    depth: int | None,
    reader: LinkReader | None = None,
) -> int:
    start, end = tokens[i].map or (0, 1)
    rows: list[str] = []
    cells: list[str] = []
    i += 1
    while i < len(tokens) and tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "inline":
            cells.append(inline_text(tok, reader, (tok.map or (start, end))[0] + 1).strip())
        elif tok.type == "tr_close":
            rows.append(" | ".join(cells))
            cells = []
        elif tok.type == "thead_close":
            rows.append("")  # the delimiter row, so row offsets stay line offsets
        i += 1
    events.append(
        Event(kind="table", text="\n".join(rows), line=start + 1, end_line=end, depth=depth)
    )
    return i + 1
