"""``/notes/<path>``: a stored note as HTML, where search results and concept sources link.

The note is looked up by its key in the store (``Store.note``), never on the filesystem,
so ``../`` or absolute paths simply are not found. Sections carry ``id=anchor`` (so
``#anchor`` links land) and every block ``id=L<line>`` (so ``#L76`` lands on a line).
All text goes through Jinja's autoescaping.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from .explore import _store, page

blueprint = Blueprint("notes_page", __name__)

MAX_PATH_CHARS = 1000


@blueprint.get("/notes/<path:path>")
def note_page(path: str) -> Response:
    store = _store()
    note = store.note(path) if len(path) <= MAX_PATH_CHARS and "\x00" not in path else None
    if note is None:
        return page("note.html", status=404, note=None, missing=path[:200], sections=[])
    return page("note.html", note=note, missing=None,
                sections=[_section(store.graph, s) for s in note.get("sections", [])])


def _section(graph: Any, section: dict[str, Any]) -> dict[str, Any]:
    concepts = []
    for cid in dict.fromkeys(section.get("concepts") or []):
        if cid in graph:
            concepts.append({"id": cid, "label": graph.concept(cid)["label"]})
    named = section.get("concept")
    return {
        "anchor": section.get("anchor", ""),
        "title": section.get("title", ""),
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
