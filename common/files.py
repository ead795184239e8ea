"""Writing a file so that readers see the old one or the new one, never half of one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temporary_path(target: Path) -> Path:
    """Where ``target`` is written before it is renamed into place: beside it (the same
    file system, so the rename is atomic), hidden, and named for this process, so two
    processes writing one target never share it."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


@contextmanager
def replaced(target: Path) -> Iterator[Path]:
    """A temporary path (``temporary_path``) to write ``target`` to: renamed over it when
    the block ends cleanly, removed when the block raises."""
    tmp = temporary_path(target)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)


def write_bytes(target: Path, data: bytes) -> None:
    """``data`` written to ``target`` atomically."""
    with replaced(target) as tmp:
        tmp.write_bytes(data)
