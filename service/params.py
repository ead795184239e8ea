"""Reading and bounding parameters given as strings (a query string, the CLI's options);
every problem is a ``BadRequest`` naming the parameter."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Literal, TypeVar, overload

from .errors import BadRequest

MAX_PARAM_CHARS = 500
T = TypeVar("T", int, float)
MAX_LIST_ITEMS = 20


@overload
def text(
    params: Mapping[str, str],
    name: str,
    *,
    required: Literal[True],
    max_chars: int = MAX_PARAM_CHARS,
) -> str: ...
@overload
def text(
    params: Mapping[str, str],
    name: str,
    *,
    required: bool = False,
    max_chars: int = MAX_PARAM_CHARS,
) -> str | None: ...
def text(
    params: Mapping[str, str],
    name: str,
    *,
    required: bool = False,
    max_chars: int = MAX_PARAM_CHARS,
) -> str | None:
    value = params.get(name)
    if value is None or not value.strip():
        if required:
            raise BadRequest(f"'{name}' is required", code="missing_parameter")
        return None
    if len(value) > max_chars:
        raise BadRequest(
            f"'{name}' is too long: {len(value)} characters (at most {max_chars})",
            code="parameter_too_long",
        )
    if "\x00" in value:
        raise BadRequest(f"'{name}' contains a NUL character", code="invalid_parameter")
    return value.strip()


def integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return _bounded(params, name, default, low, high, int, f"an integer from {low} to {high}")


def number(params: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    return _bounded(params, name, default, low, high, float, "a number")


def _bounded(
    params: Mapping[str, str],
    name: str,
    default: T,
    low: T,
    high: T,
    parse: Callable[[str], T],
    wanted: str,
) -> T:
    """A numeric parameter within [low, high]: not a number is invalid, outside is out of range."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise BadRequest(
            f"'{name}' must be {wanted}, not {raw[:40]!r}", code="invalid_parameter"
        ) from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be from {low} to {high}, not {value}", code="out_of_range")
    return value


def boolean(params: Mapping[str, str], name: str, default: bool) -> bool:
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``); anything else is invalid."""
    raw = text(params, name)
    if raw is None:
        return default
    value = raw.lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise BadRequest(f"'{name}' must be true or false, not {raw[:40]!r}", code="invalid_parameter")


@overload
def choice(params: Mapping[str, str], name: str, allowed: Iterable[str], default: str) -> str: ...
@overload
def choice(
    params: Mapping[str, str], name: str, allowed: Iterable[str], default: str | None = None
) -> str | None: ...
def choice(
    params: Mapping[str, str], name: str, allowed: Iterable[str], default: str | None = None
) -> str | None:
    value = text(params, name)
    if value is None:
        return default
    options = list(allowed)
    if value not in options:
        raise BadRequest(
            f"'{name}' must be one of {', '.join(options)}, not {value[:40]!r}",
            code="invalid_parameter",
        )
    return value


def choices(params: Mapping[str, str], name: str, allowed: Iterable[str]) -> set[str] | None:
    """A comma-separated subset of ``allowed``; None when absent."""
    value = text(params, name)
    if value is None:
        return None
    options = list(allowed)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise BadRequest(
            f"'{name}' lists too many values (at most {MAX_LIST_ITEMS})", code="out_of_range"
        )
    unknown = [item for item in items if item not in options]
    if unknown:
        raise BadRequest(
            f"'{name}': unknown value {unknown[0][:40]!r}; allowed: {', '.join(options)}",
            code="invalid_parameter",
        )
    return set(items) or None
