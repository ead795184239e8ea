"""``create_app(config)``: the Flask app, with the store opened once and kept on the app.

Config keys (on top of ``kg.settings``): ``STORE`` a ready ``kg.store.Store`` (tests),
otherwise the store folder comes from ``store`` / ``KG_STORE`` and is opened by
``open_store`` (gunicorn calls it in each worker after forking: Whoosh searchers must
not cross a fork) or by the first request. The app checks about once a second whether
a newer build has been published and moves to it, so a running server picks up a
re-ingest without a restart.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

from graph.rdf import export
from kg.settings import load_settings
from kg.store import Store, StoreError

from . import cors, errors, explore, linked_data, notes_page, openapi, pages, sparql, views, widget
from .errors import ServiceUnavailable

EXTENSION = "kg"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    config = dict(config or {})
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    settings = load_settings({k: v for k, v in config.items() if k.islower()})
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    app.extensions[EXTENSION] = {"store": config.get("STORE"), "settings": settings,
                                 "store_path": Path(settings["store"])}
    errors.register(app)
    _routes(app)
    app.register_blueprint(explore.blueprint)
    app.register_blueprint(notes_page.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(widget.blueprint)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(linked_data.blueprint)
    app.register_blueprint(openapi.blueprint)
    cors.init_app(app, settings["cors_origins"])
    return app


def open_store(app: Flask) -> Store | None:
    """Open the app's store now (a gunicorn worker does this as it starts)."""
    state = app.extensions[EXTENSION]
    if state["store"] is None:
        try:
            state["store"] = Store.open(state["store_path"])
        except StoreError as exc:
            app.logger.error("%s", exc)
        gc.freeze()  # the loaded store is long-lived: keep full GC passes off it
    return state["store"]


def get_store() -> Store:
    state = current_app.extensions[EXTENSION]
    store: Store | None = state["store"]
    if store is None:
        try:
            store = state["store"] = Store.open(state["store_path"])
        except StoreError as exc:
            raise ServiceUnavailable(str(exc), code="no_store") from None
    fresh = store.refresh()
    if fresh is not store:
        state["store"] = fresh
        gc.freeze()
    return fresh


def get_settings() -> dict[str, Any]:
    return current_app.extensions[EXTENSION]["settings"]


def _routes(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():  # noqa: ANN202
        return views.health(get_store())

    @app.get("/api/search")
    def search():  # noqa: ANN202
        return views.search_response(get_store(), get_settings(), request.args)

    @app.get("/api/suggest")
    def suggest():  # noqa: ANN202
        return views.suggest_response(get_store(), request.args)

    @app.get("/api/concepts")
    def concepts():  # noqa: ANN202
        return views.concepts_response(get_store(), request.args)

    @app.get("/api/concepts/<path:key>")
    def concept(key: str):  # noqa: ANN202
        if key.endswith("/related"):
            return views.related_response(get_store(), key[: -len("/related")], request.args)
        return views.concept_response(get_store(), key)

    @app.get("/api/path")
    def path():  # noqa: ANN202
        return views.path_response(get_store(), request.args)

    @app.get("/api/graph")
    def graph():  # noqa: ANN202
        return views.graph_response(get_store(), request.args)

    @app.get("/api/relations")
    def relations():  # noqa: ANN202
        return {"relations": get_store().graph.relation_types()}

    @app.get("/api/export")
    def export_graph():  # noqa: ANN202
        fmt = views.export_format(request.args)
        body, mimetype = export(get_store().dataset, fmt)
        return Response(body, mimetype=mimetype)
