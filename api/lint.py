"""``GET /api/lint``: the store's findings as JSON (``service.lint``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from service.lint import lint_response

from .context import get_store

blueprint = Blueprint("lint", __name__)


@blueprint.get("/api/lint")
def lint_json() -> dict[str, Any]:
    return lint_response(get_store(), request.args)
