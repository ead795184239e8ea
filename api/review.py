"""``/api/review``: the explorer's review buttons write decisions to the review file.

Writing is off unless the server has ``KG_REVIEW_TOKEN``; then a request needs
``Authorization: Bearer <token>`` (compared in constant time). A decision is checked
(its action, that its concepts and relation are in the graph) before anything is
written; it is then appended to the review file and the store re-built, both under the
store's review lock, so concurrent requests from any worker are applied one after the
other and none is lost. Every worker moves to the new build as it moves to any
(``Store.refresh``).
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, current_app, request

from ingest.review import (
    CONCEPT_ACTIONS,
    RELATION_ACTIONS,
    ReviewError,
    decision_entry,
    parse_review,
)
from kg.review import add_decision, rebuild, review_lock, review_path
from kg.store import StoreError, current_build
from service.errors import BadRequest

from .context import EXTENSION, get_settings, get_store
from .errors import Conflict, Forbidden, ServiceUnavailable, Unauthorized

blueprint = Blueprint("review", __name__)
ACTIONS = RELATION_ACTIONS + CONCEPT_ACTIONS
_FIELDS = {
    "action",
    "source",
    "type",
    "target",
    "concept",
    "to",
    "into",
    "text",
    "lang",
    "path",
    "evidence",
}


def _token() -> str:
    return get_settings().get("review_token") or ""


@blueprint.get("/api/review")
def capability():  # noqa: ANN201
    """Whether this server takes review decisions (the explorer shows its buttons then)."""
    return {"enabled": bool(_token()), "actions": list(ACTIONS)}


@blueprint.post("/api/review")
def post_decision():  # noqa: ANN201
    _authorise()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(
            'the body must be a JSON object such as {"action": "reject", '
            '"source": "Pod", "type": "uses", "target": "Volume"}'
        )
    store = get_store()
    entry = _entry(body, store)
    state = current_app.extensions[EXTENSION]
    root = state["store_path"]
    path = review_path(root, get_settings().get("review") or None)
    try:
        with review_lock(root):
            add_decision(path, entry)
            stale = rebuild(root, path)
    except ReviewError as exc:  # the file on disk is broken: the author's to fix first
        raise Conflict(
            f"the review file cannot take a decision until it is fixed: {exc}",
            code="review_file_invalid",
        ) from None
    except StoreError as exc:
        raise ServiceUnavailable(
            f"the decision was written to {path.name}, but the store "
            f"could not be re-built now: {exc}",
            code="rebuild_failed",
        ) from None
    build = current_build(root)
    return {
        "written": entry.strip(),
        "file": path.name,
        "build": build.name if build else None,
        "stale": stale,
    }


def _authorise() -> None:
    token = _token()
    if not token:
        raise Forbidden(
            "this server does not take review decisions (start it with KG_REVIEW_TOKEN set)",
            code="review_disabled",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized(
            "send the review token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="kg review"'},
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Forbidden("the review token is not right", code="bad_token")


def _label(store: Any, key: Any, field: str) -> tuple[str, str]:
    if not isinstance(key, str) or not key.strip():
        raise BadRequest(f"'{field}' must be a concept label")
    cid = store.graph.resolve(key.strip())
    if cid is None:
        raise BadRequest(f"'{field}': no concept '{key.strip()}' in the graph")
    return cid, store.graph.label_in(cid, "en") or key.strip()


def _entry(body: dict[str, Any], store: Any) -> str:
    """The review-file entry the body asks for, checked against the graph."""
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise BadRequest(f"unknown field '{unknown[0]}' (fields: {', '.join(sorted(_FIELDS))})")
    action = body.get("action")
    if action not in ACTIONS:
        raise BadRequest(f"'action' must be one of {', '.join(ACTIONS)}")
    for key, value in body.items():
        if key != "action" and not isinstance(value, str):
            raise BadRequest(f"'{key}' must be a string")
    extra = {key: body.get(key, "") for key in ("path", "evidence")}
    if action in RELATION_ACTIONS:
        source, source_label = _label(store, body.get("source"), "source")
        target, target_label = _label(store, body.get("target"), "target")
        rtype = body.get("type", "")
        if store.graph.edge(source, rtype, target) is None:
            raise BadRequest(
                f"the graph has no relation {source_label} {rtype or '?'} {target_label}"
            )
        entry = decision_entry(
            action, source_label, type=rtype, target=target_label, value=body.get("to", ""), **extra
        )
    else:
        _cid, label = _label(store, body.get("concept"), "concept")
        value = body.get({"merge": "into", "relabel": "to", "define": "text"}.get(action, ""), "")
        if action == "merge":
            value = _label(store, value, "into")[1]
        entry = decision_entry(action, label, value=value, lang=body.get("lang", ""))
    try:
        parse_review(entry, "decision")
    except ReviewError as exc:
        raise BadRequest(exc.reason) from None
    return entry
