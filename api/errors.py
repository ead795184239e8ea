"""One JSON error shape for every failure: ``{"error": {"code", "message"}}``.

Exceptions carry their HTTP status; the handlers registered by ``register`` turn them,
and anything Werkzeug raises (404 for unknown routes, 405, 413 …), into that shape. An
unexpected exception is a bug: it is logged and answered with a JSON 500, never HTML.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from service.errors import NotFound, ServiceError


class ApiError(ServiceError):
    """An error of the HTTP layer itself, with its status and headers (the service's
    own errors get theirs from ``http_status``)."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message, code=code, **extra)
        self.headers = headers or {}


def http_status(exc: ServiceError) -> int:
    """The status a service error is answered with."""
    if isinstance(exc, ApiError):
        return exc.status
    return 404 if isinstance(exc, NotFound) else 400


def error_body(exc: ServiceError) -> dict[str, Any]:
    return {"error": {"code": exc.code, "message": exc.message, **exc.extra}}


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotAcceptable(ApiError):
    status = 406
    code = "not_acceptable"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class RequestTooLarge(ApiError):
    status = 413
    code = "request_too_large"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class ServiceUnavailable(ApiError):
    """Every 503: the service cannot answer now (no store, a query past its time or
    memory, the graph store down, too busy); ``code`` says which."""

    status = 503
    code = "unavailable"


def error_response(status: int, code: str, message: str, **extra: Any):  # noqa: ANN201
    response = jsonify({"error": {"code": code, "message": message, **extra}})
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):  # noqa: ANN202
        response = jsonify(error_body(exc))
        response.status_code = http_status(exc)
        if isinstance(exc, ApiError):
            response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # noqa: ANN202
        code = (exc.name or "error").lower().replace(" ", "_")
        response = error_response(exc.code or 500, code, exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # noqa: ANN202
        app.logger.exception("unhandled error")
        return error_response(500, "internal", "internal error; it has been logged")
