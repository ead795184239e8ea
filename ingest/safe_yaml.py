"""YAML from files we do not control (front matter, a user's vocabulary), bounded.

``yaml.safe_load`` builds no objects but still expands aliases: a few hundred bytes of
nested ``&a [*a, *a, …]`` expand exponentially. Here aliases are refused outright (notes
and vocabularies have no use for them), nesting is capped, and so is the text's size,
all checked on the parser's event stream before anything is built from it.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 32  # mappings and sequences inside each other; front matter uses 2 or 3

# libyaml's loader when PyYAML was built with it: C instead of the pure-Python scanner
# (same safe constructors).
FAST_LOADER = getattr(yaml, "CSafeLoader", None)


class UnsafeYamlError(yaml.YAMLError):
    """YAML refused before it was built: it uses aliases, nests too deep or is too long."""


def load_bounded(text: str, *, max_chars: int, loader: Any = None) -> Any:
    """``yaml.safe_load`` of ``text`` (with ``loader``, a safe loader class, if given),
    refused with ``UnsafeYamlError`` when it is longer than ``max_chars``, uses an alias
    or nests deeper than ``MAX_DEPTH``. Malformed YAML raises ``yaml.YAMLError`` as usual."""
    loader = loader or yaml.SafeLoader
    if len(text) > max_chars:
        raise UnsafeYamlError(f"longer than {max_chars} characters")
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise UnsafeYamlError(f"uses a YAML alias (*{event.anchor}), which is not read")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise UnsafeYamlError(f"nests deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, checked above
