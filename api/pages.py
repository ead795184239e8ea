"""The browsing pages around the explorer: ``/search`` (results with facets and paging),
``/concepts`` (an A–Z index with filters), ``/notes/`` (the notes by folder) and the
HTML 404 page for unknown paths a browser asks for.

Every page is rendered on the server from the same functions as the JSON API
(``service.answers``), so it works without JavaScript; ``static/js/site.js`` only adds the
search box's suggestions and the ``/`` and Ctrl-K shortcuts.
"""

from __future__ import annotations

import string
from collections import Counter
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from graph.vocab import RELATIONS
from service import answers, params
from service.errors import ServiceError

from .context import get_settings, get_store, reader_languages
from .errors import error_response, http_status
from .explore import page

blueprint = Blueprint("pages", __name__)

RESULTS_PER_PAGE = 10
CONCEPTS_PER_PAGE = 200
FACET_VALUES = 8
OTHER = "#"  # the index letter of labels that do not start with A–Z


def wants_html() -> bool:
    """A browser asking for a page (``text/html`` preferred to JSON); API clients and
    anything under ``/api/`` get JSON."""
    if request.path.startswith("/api/"):
        return False
    accept = request.accept_mimetypes
    return (
        accept.quality("text/html") > accept.quality("application/json")
        and accept.best_match(["text/html", "application/json"]) == "text/html"
    )


@blueprint.app_errorhandler(404)
def not_found(exc: Any) -> Response:
    if wants_html():
        return page("not_found.html", status=404, path=request.path[:200])
    return error_response(404, "not_found", getattr(exc, "description", "not found"))


# -- /search ------------------------------------------------------------------------------
@blueprint.get("/search")
def search_page() -> Response:
    store = get_store()
    q = (request.args.get("q") or "").strip()
    context: dict[str, Any] = {
        "q": q,
        "body": None,
        "error": None,
        "concepts": [],
        "facets": {},
        "pages": [],
        "filters": {},
    }
    if not q:
        return page("search.html", **context)
    try:
        number = _page_number()
    except ServiceError as exc:
        return page("search.html", status=http_status(exc), **{**context, "error": exc.message})
    filters = {
        name: value
        for name in ("kind", "path", "concept", "tag")
        if (value := (request.args.get(name) or "").strip())
    }
    query = {
        "q": q,
        "limit": str(RESULTS_PER_PAGE),
        "offset": str((number - 1) * RESULTS_PER_PAGE),
        **filters,
    }
    if "lang" in request.args:
        query["lang"] = request.args["lang"]
    try:
        body = answers.search_response(store, get_settings(), query, reader_languages())
        concepts = (
            []
            if number > 1 or filters
            else answers.suggest_response(store, {"q": q[:100], "limit": "5"}, reader_languages())[
                "suggestions"
            ]
        )
    except ServiceError as exc:
        return page("search.html", status=http_status(exc), **{**context, "error": exc.message})
    pages = -(-body["total"] // RESULTS_PER_PAGE)
    context.update(
        body=body,
        concepts=concepts,
        filters=filters,
        number=number,
        last=pages,
        facets=_facets(store, q, body.get("facets", {}), filters),
        pages=_page_links(number, pages),
    )
    return page("search.html", **context)


def _page_number() -> int:
    return params.integer(request.args, "page", 1, 1, answers.MAX_OFFSET // RESULTS_PER_PAGE)


def _page_links(number: int, last: int) -> list[int]:
    """Page numbers to offer: the first, the last and two either side of this one."""
    return sorted({n for n in (1, last, *range(number - 2, number + 3)) if 1 <= n <= last})


def _facets(
    store: Any, q: str, facets: dict[str, dict[str, int]], chosen: dict[str, Any]
) -> list[dict[str, Any]]:
    """Facet groups to refine by: kind, concept, note; each value with its count, the
    chosen ones first."""
    names = {"kind": "Kind", "concept": "Concept", "path": "Note"}
    out = []
    for field, title in names.items():
        values = sorted((facets.get(field) or {}).items(), key=lambda kv: (-kv[1], kv[0]))
        shown = []
        for value, count in values[:FACET_VALUES]:
            label = value
            if field == "concept":
                label = store.graph.label_in(value, "en") or value
            shown.append(
                {
                    "value": value,
                    "label": label,
                    "count": count,
                    "chosen": chosen.get(field) == value,
                    "url": url_for("pages.search_page", q=q, **{**chosen, field: value}),
                }
            )
        if shown:
            rest = {k: v for k, v in chosen.items() if k != field}
            out.append(
                {
                    "field": field,
                    "title": title,
                    "options": shown,
                    "chosen": chosen.get(field),
                    "clear_url": url_for("pages.search_page", q=q, **rest),
                }
            )
    return out


# -- /concepts ----------------------------------------------------------------------------
def concept_rows(store: Any) -> list[dict[str, Any]]:
    """Every concept with what the index filters on: its letter, how many relations it
    has and of which types, and the notes it is read from. Computed once per build."""
    return store.derived("concept_rows", lambda: _concept_rows(store.graph))


def _concept_rows(graph: Any) -> list[dict[str, Any]]:
    total, _ = graph.concepts(0)
    rows = []
    for item in graph.concepts(total)[1]:
        concept = graph.concept(item["id"]) or {}
        types = Counter(r["relation"] for r in concept.get("related", []))
        hierarchy = len(concept.get("broader", [])) + len(concept.get("narrower", []))
        if hierarchy:
            types["broader"] += hierarchy
        first = item["label"][:1].upper()
        rows.append(
            {
                "id": item["id"],
                "label": item["label"],
                "letter": first if first in string.ascii_uppercase else OTHER,
                "count": sum(types.values()),
                "types": types,
                "notes": {s["path"] for s in concept.get("sources", [])},
            }
        )
    return rows


@blueprint.get("/concepts")
def concepts_page() -> Response:
    store = get_store()
    rows = concept_rows(store)
    relation = params.choice(request.args, "relation", list(RELATIONS))
    note = params.text(request.args, "note")
    letter = (request.args.get("letter") or "").strip().upper()[:1] or None
    chosen = [
        r
        for r in rows
        if (relation is None or relation in r["types"]) and (note is None or note in r["notes"])
    ]
    letters = Counter(r["letter"] for r in chosen)
    if letter:
        chosen = [r for r in chosen if r["letter"] == letter]
    number = params.integer(request.args, "page", 1, 1, 10_000)
    last = max(1, -(-len(chosen) // CONCEPTS_PER_PAGE))
    shown = chosen[(number - 1) * CONCEPTS_PER_PAGE : number * CONCEPTS_PER_PAGE]
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in shown:
        groups.setdefault(row["letter"], []).append(row)
    relations = [{"id": rid, "label": spec.label} for rid, spec in RELATIONS.items()]
    return page(
        "concepts.html",
        groups=groups,
        total=len(rows),
        matching=len(chosen),
        letters=[(x, letters.get(x, 0)) for x in [*string.ascii_uppercase, OTHER]],
        letter=letter,
        relation=relation,
        note=note,
        relations=relations,
        number=number,
        last=last,
        pages=_page_links(number, last),
        notes=sorted(note_titles(store).items()),
    )


# -- /notes/ ------------------------------------------------------------------------------
def note_titles(store: Any) -> dict[str, str]:
    """Every stored note's path and title."""
    return {
        path: (store.note(path) or {}).get("title") or path
        for path in sorted(store.manifest.get("notes") or {})
    }


@blueprint.get("/notes")
@blueprint.get("/notes/")
def notes_index() -> Response:
    store = get_store()
    titles = note_titles(store)
    if not wants_html():
        return jsonify(
            {
                "total": len(titles),
                "notes": [
                    {"path": p, "title": t, "url": url_for("notes_page.note_page", path=p)}
                    for p, t in titles.items()
                ],
            }
        )
    folders: dict[str, list[dict[str, str]]] = {}
    for path, title in titles.items():
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, []).append({"path": path, "title": title, "name": name})
    return page("notes.html", folders=sorted(folders.items()), total=len(titles))
