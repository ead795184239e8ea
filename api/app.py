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
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

from graph.exports import ExportError, etag, export_file
from graph.formats import RDF_FORMATS
from kg.settings import load_settings
from kg.store import Store, StoreError
from service import answers

from . import (
    cors,
    errors,
    explore,
    linked_data,
    lint,
    notes_page,
    openapi,
    pages,
    sparql,
    widget,
)
from . import review as review_api
from .context import EXTENSION, get_settings, get_store, reader_languages
from .errors import RequestTooLarge, ServiceUnavailable

# Largest request body read (a SPARQL query is at most 100k characters; forms triple that).
MAX_BODY_BYTES = 1024 * 1024


def create_app(config: dict[str, Any] | None = None) -> Flask:
    config = dict(config or {})
    app = Flask(__name__)
    # No redirect for a doubled slash: Werkzeug would build its Location from the Host
    # header the client sent; such a path is simply not found.
    app.url_map.merge_slashes = False
    # app.json is Flask's DefaultJSONProvider, typed as its base class
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    settings = load_settings({k: v for k, v in config.items() if k.islower()})
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    app.extensions[EXTENSION] = {
        "store": config.get("STORE"),
        "settings": settings,
        "store_path": Path(settings["store"]),
    }
    errors.register(app)
    app.before_request(_refuse_large_bodies)
    _routes(app)
    app.register_blueprint(explore.blueprint)
    app.register_blueprint(notes_page.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(widget.blueprint)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(linked_data.blueprint)
    app.register_blueprint(openapi.blueprint)
    app.register_blueprint(lint.blueprint)
    app.register_blueprint(review_api.blueprint)
    cors.init_app(app, settings["cors_origins"])
    return app


def _refuse_large_bodies() -> None:
    """413 from the declared length alone, before a byte of the body is read (a body
    without a length is cut at the same size by Werkzeug as it is read)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestTooLarge(
            f"the request body is {request.content_length} bytes; at most {limit} are accepted"
        )


def open_store(app: Flask) -> Store | None:
    """Open the app's store now (a gunicorn worker does this as it starts)."""
    state = app.extensions[EXTENSION]
    if state["store"] is None:
        try:
            state["store"] = Store.open(state["store_path"])
        except StoreError as exc:  # the worker still starts, answers 503 and tries again
            state["failed"] = (time.monotonic(), str(exc))
            app.logger.error("%s", exc)
        gc.freeze()  # the loaded store is long-lived: keep full GC passes off it
    return state["store"]


def _routes(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():  # noqa: ANN202
        store = get_store()
        body = answers.health(store)
        if store.rejected is not None:
            body.update(status="degraded", rejected=store.rejected)
        if store.damaged:
            body.update(status="degraded", damaged=store.damaged)
        return body

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError):  # noqa: ANN202 - a damaged part of the build read late
        return errors.error_response(503, "store_unreadable", str(exc))

    @app.get("/api/search")
    def search():  # noqa: ANN202
        return answers.search_response(
            get_store(), get_settings(), request.args, reader_languages()
        )

    @app.get("/api/suggest")
    def suggest():  # noqa: ANN202
        return answers.suggest_response(get_store(), request.args, reader_languages())

    @app.get("/api/concepts")
    def concepts():  # noqa: ANN202
        return answers.concepts_response(get_store(), request.args, reader_languages())

    @app.get("/api/concepts/<path:key>")
    def concept(key: str):  # noqa: ANN202
        if key.endswith("/related"):
            return answers.related_response(
                get_store(), key[: -len("/related")], request.args, reader_languages()
            )
        return answers.concept_response(get_store(), key, request.args, reader_languages())

    @app.get("/api/path")
    def path():  # noqa: ANN202
        return answers.path_response(get_store(), request.args, reader_languages())

    @app.get("/api/graph")
    def graph():  # noqa: ANN202
        return answers.graph_response(get_store(), request.args, reader_languages())

    @app.get("/api/relations")
    def relations():  # noqa: ANN202
        return {"relations": get_store().graph.relation_types()}

    @app.get("/api/export")
    def export_graph():  # noqa: ANN202
        fmt = answers.export_format(request.args)
        try:  # written once per build, then served as a file (ETag, Content-Length, 304)
            path = export_file(get_store().build, fmt)
        except ExportError as exc:
            raise ServiceUnavailable(str(exc), code="export_failed") from None
        response = Response(_chunks(path), mimetype=RDF_FORMATS[fmt].media_type)
        response.content_length = path.stat().st_size
        response.set_etag(etag(path))
        extension = RDF_FORMATS[fmt].extension
        response.headers["Content-Disposition"] = f'inline; filename="graph.{extension}"'
        return response.make_conditional(request)


def _chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes, read as they are sent (closed when the answer is done or dropped)."""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 16):
            yield chunk
