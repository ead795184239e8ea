"""Pausing Python's cyclic garbage collector around work that builds big object graphs.

Parsing, linking, writing the graph and building the index each make hundreds of
thousands of small objects and keep most of them, with next to no reference cycles. The
cyclic collector then rescans everything made so far again and again and finds nothing,
a cost that grows with what is kept. Reference counting still frees what is dropped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block (nested uses are fine), back on after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
