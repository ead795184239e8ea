"""The service's errors: what was asked cannot be answered, and why.

They know no HTTP: ``api.errors`` gives each its status (``BadRequest`` 400,
``NotFound`` 404) and the one JSON error shape; the CLI prints the message.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """``code`` names the reason for programs (``invalid_parameter``, ``unknown_concept``
    …), ``message`` says it to a person, ``extra`` carries data (``suggestions``)."""

    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra


class BadRequest(ServiceError):
    """A parameter is missing, malformed or out of bounds."""

    code = "bad_request"


class NotFound(ServiceError):
    """What was asked for (a concept) is not in the store."""

    code = "not_found"
