"""``/notes/<path>``: a stored note as HTML, where search results and concept sources link.

The note is looked up by its key in the store (``Store.note``), so ``../`` or absolute
paths simply are not found. A markdown note is shown rendered (markdown-it-py, raw HTML
off) from its source file: the file is found under the folders the build was ingested
from (the manifest's ``sources``) and used only when its content hash is still the one
stored, so line numbers and anchors match the graph. Otherwise (outline notes, a moved
or edited file, a store without sources) the stored sections are shown as text.

Either way sections carry ``id=anchor`` and blocks ``id=L<line>``, so ``#anchor`` and
``#L76`` links land (and ``:target`` shows where). Links are rewritten: to another note
of the store → its note page; a page of the docs site the notes came from
(``/docs/concepts/...``) → that note when it is stored; http(s) and mailto kept; any
other scheme (``javascript:``, ``data:`` …) or unknown relative target is dropped,
leaving the link's text.
"""

from __future__ import annotations

import os
import posixpath
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, url_for
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from ingest.links import note_candidates
from ingest.markdown import expand_body
from ingest.notes import digest

from .context import get_store
from .explore import page

blueprint = Blueprint("notes_page", __name__)

MAX_PATH_CHARS = 1000
MARKDOWN_SUFFIXES = (".md", ".markdown")
SAFE_SCHEMES = ("http", "https", "mailto")
_HUGO_ID = re.compile(r"\s*\{#[\w.:-]+\}\s*$")
_BLOCK_OPENERS = (
    "paragraph_open",
    "heading_open",
    "list_item_open",
    "blockquote_open",
    "table_open",
    "fence",
    "code_block",
    "hr",
)


@blueprint.get("/notes/<path:path>")
def note_page(path: str) -> Response:
    store = get_store()
    note = store.note(path) if len(path) <= MAX_PATH_CHARS and "\x00" not in path else None
    if note is None:
        return page(
            "note.html", status=404, note=None, missing=path[:200], sections=[], rendered=None
        )
    sections = [_section(store.graph, s) for s in note.get("sections", [])]
    source = note_source(store, note)
    rendered = render_markdown(source, note, store) if source is not None else None
    return page("note.html", note=note, missing=None, sections=sections, rendered=rendered)


def note_source(store: Any, note: dict[str, Any]) -> str | None:
    """The markdown text the note was built from, if it is still on disk unchanged."""
    if not note["path"].lower().endswith(MARKDOWN_SUFFIXES):
        return None
    given = [Path(p) for p in store.manifest.get("sources") or []]
    roots = [str((p if p.is_dir() else p.parent).absolute()) for p in given if p.exists()]
    if not roots:
        return None
    base = os.path.commonpath(roots)
    candidate = os.path.normpath(os.path.join(base, note["path"]))
    if not candidate.startswith(base + os.sep):
        return None
    try:
        with open(candidate, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    return text if digest(text) == note.get("digest") else None


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # "commonmark" with html off: raw HTML in a note is shown as text, never as markup.
    return (
        MarkdownIt("commonmark", {"html": False, "maxNesting": 50})
        .enable("table")
        .use(front_matter_plugin)
    )


def render_markdown(text: str, note: dict[str, Any], store: Any) -> str:
    """The note's body as HTML: headings get their section's anchor, blocks ``L<line>``
    ids, links are rewritten by ``_rewrite``."""
    md = _markdown()
    tokens = md.parse(expand_body(text))
    anchors = {s["line"]: s["anchor"] for s in note.get("sections", [])}
    known = set(store.manifest.get("notes") or {})
    used: set[str] = set()
    for i, token in enumerate(tokens):
        if token.type == "front_matter":
            token.hidden = True
            token.content = ""
            token.type = "html_block"  # rendered as nothing
            continue
        if token.type in _BLOCK_OPENERS and token.map:
            line = token.map[0] + 1
            ident = f"L{line}"
            if token.type == "heading_open" and line in anchors:
                ident = anchors[line]
                if i + 1 < len(tokens) and (children := tokens[i + 1].children):
                    _strip_hugo_id(children)
            if ident not in used:
                used.add(ident)
                token.attrSet("id", ident)
                if ident != f"L{line}":
                    token.attrSet("data-line", str(line))
        if token.children:
            _rewrite(token.children, note["path"], known, store)
    return md.renderer.render(tokens, md.options, {})


def _strip_hugo_id(children: list[Token]) -> None:
    """``Pod storage {#pod-storage}`` shows as ``Pod storage``."""
    for child in reversed(children):
        if child.type == "text":
            child.content = _HUGO_ID.sub("", child.content)
            return


def _rewrite(children: list[Token], here: str, known: set[str], store: Any) -> None:
    """Links to our pages; unsafe or dead links unwrapped to their text."""
    depth_of_dropped = 0
    for child in children:
        if child.type == "link_open":
            target = _link_target(str(child.attrGet("href") or ""), here, known, store)
            if target is None:
                child.type, child.tag, child.nesting = "text", "", 0
                child.attrs = {}
                child.content = ""
                depth_of_dropped += 1
            else:
                child.attrSet("href", target)
                if target.startswith(("http:", "https:")):
                    child.attrSet("rel", "noopener noreferrer")
        elif child.type == "link_close" and depth_of_dropped:
            child.type, child.tag, child.nesting, child.content = "text", "", 0, ""
            depth_of_dropped -= 1
        elif child.type == "image":
            # Images are not stored with the notes: show their alt text.
            child.type, child.tag, child.nesting = "text", "", 0
            child.content = child.content or ""
            child.children = None


def _link_target(href: str, here: str, known: set[str], store: Any) -> str | None:
    parts = urlsplit(href.strip())
    if parts.scheme:
        return href if parts.scheme.lower() in SAFE_SCHEMES else None
    if parts.netloc:
        return None
    if not parts.path:
        return f"#{quote(parts.fragment)}" if parts.fragment else None
    fragment = f"#{quote(parts.fragment)}" if parts.fragment else ""
    # a docs-site path (/docs/concepts/workloads/pods/) or one relative to this note
    candidates = note_candidates(parts.path, here)
    for candidate in candidates:
        if candidate in known:
            return url_for("notes_page.note_page", path=candidate) + fragment
    name = posixpath.basename(candidates[0].removesuffix(".md"))
    cid = store.graph.resolve(name.replace("-", " ")) if name else None
    if cid is not None:
        return url_for("explore.explore_page", key=cid)
    return None


def _section(graph: Any, section: dict[str, Any]) -> dict[str, Any]:
    concepts = []
    for cid in dict.fromkeys(section.get("concepts") or []):
        if cid in graph:
            concepts.append({"id": cid, "label": graph.label_in(cid, "en")})
    named = section.get("concept")
    return {
        "anchor": section.get("anchor", ""),
        "title": _HUGO_ID.sub("", section.get("title", "")),
        "heading": min(max(int(section.get("level", 1)), 1) + 1, 6),
        "breadcrumb": list(section.get("breadcrumb") or [])[:-1],
        "line": section.get("line", 0),
        "end_line": section.get("end_line", 0),
        "concept": named if named in graph else None,
        "concepts": concepts,
        "blocks": [_block(b) for b in section.get("blocks", [])],
    }


def _block(block: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": block.get("kind", "paragraph"),
        "text": block.get("text", ""),
        "line": block.get("line", 0),
        "end_line": block.get("end_line", 0),
        "depth": min(max(int(block.get("depth") or 0), 0), 8),
        "lang": block.get("lang") or "",
    }
