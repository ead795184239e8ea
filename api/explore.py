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

from graph.vocab import RELATIONS

from . import views
from .errors import ApiError

blueprint = Blueprint("explore", __name__)

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")

# How a relation reads from the other end ("ReplicaSet is managed by Deployment").
INVERSE_LABELS: dict[str, str] = {
    "broader": "narrower (kinds of it)",
    "leadsTo": "comes from",
    "manages": "managed by",
    "uses": "used by",
    "contains": "contained in",
    "runsOn": "runs it",
    "routesTo": "gets traffic from",
    "selects": "selected by",
    "hasProperty": "property of",
    "hasValue": "value of",
    "inNamespace": "namespace of",
}


def secure(response: Response) -> Response:
    """Headers every HTML page of ours sends."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status,
                        mimetype="text/html")
    return secure(response)


def _store():  # noqa: ANN202 - imported late: api.app imports this module
    from .app import get_store
    return get_store()


@blueprint.get("/")
def home():  # noqa: ANN201
    return redirect(url_for("explore.explore_page"))


@blueprint.get("/explore")
@blueprint.get("/explore/<path:key>")
def explore_page(key: str | None = None) -> Response:
    store = _store()
    focus = None
    if key is None and request.args.get("q", "").strip():
        # The search form without JavaScript: /explore?q=Pod -> /explore/pod (or a 404 page).
        key = request.args["q"]
        if (found := store.graph.resolve(key.strip())) is not None:
            return redirect(url_for("explore.explore_page", key=found))
    if key is not None:
        try:
            focus = views.resolve(store, key)
        except ApiError as exc:
            return page("explore.html", status=exc.status, focus="", focus_label="",
                        missing=key[:200], suggestions=exc.extra.get("suggestions", []),
                        stats=store.graph.stats())
    label = (store.graph.concept(focus) or {}).get("label", "") if focus else ""
    return page("explore.html", focus=focus or "", focus_label=label, missing=None,
                suggestions=[], stats=store.graph.stats())


@blueprint.get("/api/explore/<path:key>")
def explore_data(key: str) -> dict[str, Any]:
    """The concept (as /api/concepts/<key>) plus its relations grouped by type and
    direction, each neighbour with the sentences (path, line) the relation was read from."""
    store = _store()
    return concept_details(store, views.resolve(store, key))


def concept_details(store: Any, cid: str) -> dict[str, Any]:
    graph = store.graph
    concept = graph.concept(cid)
    assert concept is not None  # resolve() only returns known ids
    # Every (neighbour, relation, direction) the concept takes part in ...
    pairs: list[tuple[str, str, str, str, float]] = []
    for ref in concept["broader"]:
        pairs.append((ref["id"], ref["label"], "broader", "out", 0.0))
    for ref in concept["narrower"]:
        pairs.append((ref["id"], ref["label"], "broader", "in", 0.0))
    for item in concept["related"]:
        pairs.append((item["id"], item["label"], item["relation"], item["direction"],
                      item["weight"]))
    # ... and its evidence: related() restricted to one type gives, per neighbour, that
    # type's edge with its evidence (one call per type that occurs, not per neighbour).
    evidence: dict[tuple[str, str], dict[str, Any]] = {}
    for rtype in dict.fromkeys(p[2] for p in pairs):
        for hit in graph.related(cid, depth=1, relations=[rtype], limit=1000):
            evidence[(rtype, hit["id"])] = hit
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    order = list(RELATIONS)
    for other, label, rtype, direction, weight in pairs:
        symmetric = RELATIONS[rtype].co_mention if rtype in RELATIONS else False
        if symmetric:
            direction = "both"
        group = groups.setdefault((rtype, direction), {
            "relation": rtype,
            "direction": direction,
            "label": _group_label(rtype, direction),
            "items": [],
        })
        if any(i["id"] == other for i in group["items"]):
            continue
        hit = evidence.get((rtype, other))
        usable = hit is not None and (symmetric or hit["direction"] == direction)
        group["items"].append({
            "id": other,
            "label": label,
            "weight": hit["weight"] if usable else weight,
            "evidenceCount": hit["evidenceCount"] if usable else 0,
            "evidence": hit["evidence"] if usable else [],
        })

    def rank(key: tuple[str, str]) -> tuple[int, int]:
        rtype, direction = key
        return (order.index(rtype) if rtype in order else len(order),
                {"out": 0, "both": 1, "in": 2}[direction])

    ordered = [groups[k] for k in sorted(groups, key=rank)]
    for group in ordered:
        group["items"].sort(key=lambda i: (-i["weight"], i["label"].casefold()))
    return {"concept": concept, "groups": ordered}


def _group_label(rtype: str, direction: str) -> str:
    spec = RELATIONS.get(rtype)
    label = spec.label if spec else rtype
    if direction == "in":
        return INVERSE_LABELS.get(rtype, f"{label} (incoming)")
    return label
