"""The concept explorer: ``/explore`` and ``/explore/<concept>`` (HTML shell + static JS),
and ``/api/explore/<concept>``, the JSON its details panel is drawn from.

The page is one template; ``api/static/explore.js`` draws everything from the JSON API
(``/api/explore``, ``/api/graph``, ``/api/path``, ``/api/suggest``, ``/api/relations``),
so a click on a node refocuses without a reload and the URL follows (history.pushState).
HTML answers carry a strict Content-Security-Policy: scripts and styles only from
``/static``, no inline script, no third-party origin; data is inserted with textContent.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse  # what redirect() returns

from graph.vocab import RELATIONS, relation_stylesheet
from ingest.confidence import DEFAULT_MIN_CONFIDENCE
from service import answers, params
from service.errors import ServiceError

from .context import get_store, reader_languages
from .errors import http_status

blueprint = Blueprint("explore", __name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

LINKED_LABELS: dict[str, str] = {"out": "links to", "in": "linked from"}


def secure(response: Response) -> Response:
    """Headers every HTML page of ours sends."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    return secure(response)


@blueprint.get("/relations.css")
def relation_styles() -> BaseResponse:
    """The relation colours and dash patterns, from the one table of relation types."""
    response = Response(relation_stylesheet(), mimetype="text/css")
    response.add_etag()
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@blueprint.get("/")
def home():  # noqa: ANN201
    return redirect(url_for("explore.explore_page"))


@blueprint.get("/explore")
@blueprint.get("/explore/<path:key>")
def explore_page(key: str | None = None) -> BaseResponse:
    store = get_store()
    focus = None
    if key is None and request.args.get("q", "").strip():
        # A search without JavaScript: /explore?q=Pod -> /explore/pod, anything else
        # ("pod restart") -> the results page.
        key = request.args["q"].strip()
        if (found := store.graph.resolve(key)) is not None:
            return redirect(url_for("explore.explore_page", key=found))
        return redirect(url_for("pages.search_page", q=key[:500]))
    if key is not None:
        try:
            focus = answers.resolve(store, key)
        except ServiceError as exc:
            return page(
                "explore.html",
                status=http_status(exc),
                focus="",
                focus_label="",
                missing=key[:200],
                suggestions=exc.extra.get("suggestions", []),
                stats=store.graph.stats(),
            )
    label = (
        store.graph.label_in(focus, answers.language(request.args, reader_languages())) or ""
        if focus
        else ""
    )
    return page(
        "explore.html",
        focus=focus or "",
        focus_label=label,
        missing=None,
        suggestions=[],
        stats=store.graph.stats(),
    )


@blueprint.get("/api/explore/<path:key>")
def explore_data(key: str) -> dict[str, Any]:
    """The concept page's data, bounded: the concept, its relations grouped by type and
    direction (each group's strongest items with a little evidence, and its total), and
    its sources grouped by note. ``part=group&relation=&direction=`` or ``part=sources``
    with ``offset``/``limit`` pages through one list in full."""
    store = get_store()
    cid = answers.resolve(store, key)
    lang = answers.language(request.args, reader_languages())
    part = params.choice(request.args, "part", ("group", "sources"))
    if part is None:
        return concept_details(store, cid, lang)
    offset = params.integer(request.args, "offset", 0, 0, 1_000_000)
    limit = params.integer(request.args, "limit", PAGE_ITEMS, 1, MAX_PAGE_ITEMS)
    if part == "sources":
        notes = source_notes(store, cid)
        return {
            "concept": cid,
            "total": len(notes),
            "offset": offset,
            "limit": limit,
            "notes": notes[offset : offset + limit],
        }
    relation = params.choice(request.args, "relation", list(RELATIONS)) or ""
    direction = params.choice(request.args, "direction", ("out", "in", "both")) or "out"
    items = relation_groups(store, cid, lang).get((relation, direction), {}).get("items", [])
    return {
        "concept": cid,
        "relation": relation,
        "direction": direction,
        "total": len(items),
        "offset": offset,
        "limit": limit,
        "items": [_trim(i, PAGE_EVIDENCE) for i in items[offset : offset + limit]],
    }


# The first answer is bounded (unbounded, a hub concept's answer grows with the corpus
# and makes phones crawl): these many items per relation group, quotes per item, notes and
# sections per note; the rest is paged with ``part=``.
GROUP_ITEMS = 6
ITEM_EVIDENCE = 2
SOURCE_NOTES = 8
NOTE_SECTIONS = 3
PAGE_ITEMS = 50
MAX_PAGE_ITEMS = 200
PAGE_EVIDENCE = 3


def concept_details(store: Any, cid: str, lang: str = "en") -> dict[str, Any]:
    concept = dict(store.graph.concept(cid) or {})
    concept["definition"] = answers.preferred_definition(store, concept, lang)
    for name in ("broader", "narrower", "related", "sources"):
        concept.pop(name, None)  # all of them are in groups / sources below, bounded
    groups = []
    for group in relation_groups(store, cid, lang).values():
        items = group["items"]
        groups.append(
            {
                **group,
                "total": len(items),
                "items": [_trim(i, ITEM_EVIDENCE) for i in items[:GROUP_ITEMS]],
            }
        )
    notes = source_notes(store, cid)
    trimmed = [{**n, "sections": n["sections"][:NOTE_SECTIONS]} for n in notes[:SOURCE_NOTES]]
    return answers.localize(
        store,
        {
            "concept": concept,
            "groups": groups,
            "sources": {
                "total": len(notes),
                "mentions": sum(n["count"] for n in notes),
                "notes": trimmed,
            },
        },
        lang,
    )


def _trim(item: dict[str, Any], quotes: int) -> dict[str, Any]:
    return {**item, "evidence": item["evidence"][:quotes]}


def source_notes(store: Any, cid: str) -> list[dict[str, Any]]:
    """The concept's sources grouped by note: most mentions first, sections in order."""
    concept = store.graph.concept(cid) or {}
    notes: dict[str, dict[str, Any]] = {}
    for src in concept.get("sources", []):
        note = notes.setdefault(src["path"], {"path": src["path"], "count": 0, "sections": []})
        note["count"] += 1
        note["sections"].append(
            {
                "anchor": src["anchor"],
                "line": src["line"],
                "title": src.get("title") or src["anchor"],
            }
        )
    for note in notes.values():
        record = store.note(note["path"]) if note["count"] else None
        note["title"] = (record or {}).get("title") or note["path"]
    return sorted(notes.values(), key=lambda n: (-n["count"], n["path"]))


def _strength(item: dict[str, Any]) -> tuple[float, float]:
    """How strongly an item is held: its confidence when the graph gives one, then its
    weight (how often it was read)."""
    confidence = item.get("confidence")
    return (float(confidence) if confidence is not None else 0.0, float(item["weight"]))


def relation_groups(
    store: Any, cid: str, lang: str = "en"
) -> dict[tuple[str, str], dict[str, Any]]:
    """Every (relation, direction) group of the concept, in display order, each with all
    its items strongest first (confidence, then weight) and their evidence in ``lang``
    first. Co-mention ("related") comes last: it is the weakest kind of relation."""
    graph = store.graph
    concept = graph.concept(cid)
    assert concept is not None  # resolve() only returns known ids
    # Every (neighbour, relation, direction) the concept takes part in ...
    pairs: list[tuple[str, str, str, str, float]] = []
    for ref in concept["broader"]:
        pairs.append((ref["id"], ref["label"], "broader", "out", 0.0))
    for ref in concept["narrower"]:
        pairs.append((ref["id"], ref["label"], "broader", "in", 0.0))
    stated: set[tuple[str, str]] = set()  # (neighbour, direction) the author linked
    for item in concept["related"]:
        if item["relation"] != "related" and item["confidence"] < DEFAULT_MIN_CONFIDENCE:
            continue  # what the graph is not sure enough of to show (see /api/.../related)
        pairs.append(
            (item["id"], item["label"], item["relation"], item["direction"], item["weight"])
        )
        if item.get("explicit") and item["relation"] == "related":
            stated.add((item["id"], item["direction"]))
    # ... and its evidence: related() restricted to one type gives, per neighbour, that
    # type's edge with its evidence (one call per type that occurs, not per neighbour).
    evidence: dict[tuple[str, str], dict[str, Any]] = {}
    for rtype in dict.fromkeys(p[2] for p in pairs):
        for hit in graph.related(cid, depth=1, relations=[rtype], limit=100_000):
            evidence[(rtype, hit["id"])] = hit
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    seen: set[tuple[str, str, str]] = set()
    for other, label, rtype, direction, weight in pairs:
        # a link the author wrote has a direction; only co-mentions go both ways
        symmetric = (
            RELATIONS[rtype].co_mention and (other, direction) not in stated
            if rtype in RELATIONS
            else False
        )
        if symmetric:
            direction = "both"
        group = groups.setdefault(
            (rtype, direction),
            {
                "relation": rtype,
                "direction": direction,
                "label": _group_label(rtype, direction),
                "items": [],
            },
        )
        if (rtype, direction, other) in seen:
            continue
        seen.add((rtype, direction, other))
        hit = evidence.get((rtype, other)) or {}
        usable = bool(hit) and (symmetric or hit["direction"] == direction)
        item = {
            "id": other,
            "label": label,
            "weight": hit["weight"] if usable else weight,
            "evidenceCount": hit["evidenceCount"] if usable else 0,
            "evidence": answers.prefer_language(hit["evidence"], lang) if usable else [],
        }
        if usable and hit.get("confidence") is not None:
            item["confidence"] = hit["confidence"]
        group["items"].append(item)

    order = list(RELATIONS)

    def rank(key: tuple[str, str]) -> tuple[int, int, int]:
        rtype, direction = key
        weakest = (
            RELATIONS[rtype].co_mention and direction == "both" if rtype in RELATIONS else False
        )
        return (
            int(weakest),
            order.index(rtype) if rtype in order else len(order),
            {"out": 0, "both": 1, "in": 2}[direction],
        )

    for group in groups.values():
        group["items"].sort(
            key=lambda i: (-_strength(i)[0], -_strength(i)[1], i["label"].casefold())
        )
    return {k: groups[k] for k in sorted(groups, key=rank)}


def _group_label(rtype: str, direction: str) -> str:
    spec = RELATIONS.get(rtype)
    if spec is None:
        return rtype if direction != "in" else f"{rtype} (incoming)"
    if spec.co_mention and direction != "both":
        return LINKED_LABELS[direction]  # written as links (ingest/links.py)
    return spec.inverse_label if direction == "in" else spec.label
