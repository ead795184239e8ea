"""Cross-origin access to the JSON API, for pages on other sites that embed the widget.

The ``cors_origins`` setting (``KG_CORS_ORIGINS``) lists the origins whose pages may call
``/api/*`` and ``/healthz`` from a browser, comma-separated
(``https://docs.example,https://wiki.example``); ``*`` allows any origin. It is empty by
default: no CORS headers at all, so only same-origin pages can read the API.

* An allowed origin gets ``Access-Control-Allow-Origin`` (its own origin echoed back, or
  ``*``). Whenever the answer depends on the Origin header, ``Vary: Origin`` is sent on
  every API response, so a shared cache never hands one origin's answer to another.
* A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) from an allowed origin
  is answered here with 204 and the allowed methods, headers and a ``Max-Age``.
* A disallowed origin gets no CORS headers: the browser then refuses to hand the
  response to the page. (CORS is not authentication: the API is read-only and public to
  anyone who can reach it without a browser.)

``/widget.js`` is not covered here: any page may load the script (see ``api.widget``).

Ours rather than Flask-CORS: its origins are case-sensitive strings or regular
expressions, while the setting is matched here as origins are compared (case and a
trailing slash ignored, ``tests/test_cors.py``), and the rest is two Flask hooks that
would become configuration of a dependency to pin.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, request

EXTENSION = "kg.cors"
ALLOW_METHODS = "GET, HEAD, OPTIONS"
ALLOW_HEADERS = "Content-Type"
MAX_AGE = 600  # seconds a browser may reuse a preflight answer


def normalize(origin: str) -> str:
    """``https://Docs.Example/`` and ``https://docs.example`` name the same origin."""
    return origin.strip().rstrip("/").lower()


def parse_origins(setting: str | Iterable[str] | None) -> frozenset[str]:
    """The allowed origins of a ``cors_origins`` value (a comma-separated string or a list)."""
    items = setting.split(",") if isinstance(setting, str) else list(setting or ())
    return frozenset(normalize(item) for item in items if item and item.strip())


def applies(path: str) -> bool:
    """CORS headers are sent for the JSON API and the health check only."""
    return path.startswith("/api/") or path == "/healthz"


class CorsPolicy:
    def __init__(self, origins: frozenset[str]) -> None:
        self.origins = origins
        self.any = "*" in origins

    @property
    def enabled(self) -> bool:
        return bool(self.origins)

    def allow_origin(self, origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for a request from ``origin``, or None."""
        if self.any:
            return "*"
        if origin and normalize(origin) in self.origins:
            return origin
        return None


def is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def init_app(app: Flask, origins_setting: str | Iterable[str] | None) -> CorsPolicy:
    """Install the policy for ``origins_setting`` on ``app``; returns it (also on extensions)."""
    policy = CorsPolicy(parse_origins(origins_setting))
    app.extensions[EXTENSION] = policy
    if not policy.enabled:
        return policy

    @app.before_request
    def _preflight() -> Response | None:
        if not (is_preflight() and applies(request.path)):
            return None
        if policy.allow_origin(request.headers.get("Origin")) is None:
            return None  # Flask answers the OPTIONS itself, without any CORS header
        response = Response(status=204)  # _headers below adds the CORS headers
        response.headers.pop("Content-Type", None)
        return response

    @app.after_request
    def _headers(response: Response) -> Response:
        if not applies(request.path):
            return response
        if not policy.any:
            response.vary.add("Origin")
        allowed = policy.allow_origin(request.headers.get("Origin"))
        if allowed is None:
            return response
        response.headers["Access-Control-Allow-Origin"] = allowed
        if is_preflight():
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = str(MAX_AGE)
        return response

    return policy
