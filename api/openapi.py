"""``GET /openapi.json``: the OpenAPI 3.1 document of the API (filled in below)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("openapi", __name__)
