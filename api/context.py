"""The store and settings of the app answering the current request.

One home for what every blueprint needs from the app (``api.app`` imports the
blueprints, so they cannot import it): the app's state lives in
``app.extensions[EXTENSION]``, and ``get_store()`` moves the app to a newly published
build, dropping what was kept for the build it leaves.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from flask import current_app, request

from kg.store import RELOAD_CHECK_SECONDS, Store, StoreError

from .errors import ServiceUnavailable

EXTENSION = "kg"


def get_store() -> Store:
    """The app's store, opened on first use and moved to the newest build."""
    state = current_app.extensions[EXTENSION]
    store: Store | None = state["store"]
    if store is None:
        # no build opened yet (none, or a damaged one): tried again at most once a second
        failed = state.get("failed")
        if failed and time.monotonic() - failed[0] < RELOAD_CHECK_SECONDS:
            raise ServiceUnavailable(failed[1], code="no_store")
        try:
            store = state["store"] = Store.open(state["store_path"])
        except StoreError as exc:
            state["failed"] = (time.monotonic(), str(exc))
            raise ServiceUnavailable(str(exc), code="no_store") from None
    fresh = store.refresh()
    if fresh is not store:
        state["store"] = fresh  # what was derived from the old build goes with it
        del store
        _refreeze()
    return fresh


def _refreeze() -> None:
    """Keep full GC passes off the store now held, and let the one before it go.

    ``gc.freeze()`` alone, at each swap, would freeze the previous build's garbage cycles
    with the rest, never to be collected: a worker would grow by them at every swap.
    Unfreezing first lets one full collection free them; a build still in
    use by a request on another thread is frozen now and freed at the next swap."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def get_settings() -> dict[str, Any]:
    return current_app.extensions[EXTENSION]["settings"]


def reader_languages() -> list[str]:
    """The languages of the request's ``Accept-Language`` (Werkzeug parses it), best
    first, those the reader refuses (``q=0``) left out: the ``accepted`` of
    ``service.answers``."""
    return [tag for tag, quality in request.accept_languages if quality > 0]
