"""What an ingest keeps between runs to redo less: a folder of entries by key, and files
made of keyed chunks that the next version copies from.

Written only by the ingest that holds the store's lock. Entries are replaced atomically
(temporary file, then rename), so a killed run leaves whole entries or none; ``prune``
keeps the entries the last run used, so deleted and edited notes leave nothing behind.
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self


class FolderCache:
    """Bytes by key (a hex digest), one file each; remembers the keys a run touched."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.used: set[str] = set()

    def get(self, key: str) -> bytes | None:
        try:
            data = (self.folder / key).read_bytes()
        except OSError:
            return None
        self.used.add(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        tmp = self.folder / f".{key}.{os.getpid()}"
        tmp.write_bytes(data)
        os.replace(tmp, self.folder / key)
        self.used.add(key)

    def prune(self, keep: Iterable[str] | None = None) -> None:
        """Remove every entry but ``keep`` (default: the ones this run used)."""
        wanted = self.used if keep is None else set(keep)
        for entry in self.folder.iterdir():
            if entry.name not in wanted:
                entry.unlink(missing_ok=True)

    def load(self, key: str) -> Any | None:
        """The object ``dump`` kept under ``key``; None if absent or unreadable."""
        data = self.get(key)
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except (
            EOFError,
            pickle.UnpicklingError,
            AttributeError,
            ImportError,
            TypeError,
            ValueError,
            IndexError,
        ):
            return None

    def dump(self, key: str, value: Any) -> None:
        self.put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


SPANS_SUFFIX = ".spans.json"  # beside a chunk file: where each keyed chunk lies in it


class ChunkFile:
    """A file written as a run of byte chunks, each under a key saying what it was made
    from, with a spans file beside it (``SPANS_SUFFIX``). Given the previous version of
    the file, a chunk whose key it holds is copied from there instead of made again:
    adjacent ones as one range, inside the kernel (copy_file_range) where it can.

    Written to a temporary name and renamed into place on a clean exit, spans last.
    """

    def __init__(self, path: Path, previous: Path | None = None) -> None:
        self.path = path
        self.old_spans = self._spans(previous) if previous is not None else {}
        self.previous = previous
        self.spans: dict[str, list[int]] = {}
        self.position = 0
        self.pending: list[int] | None = None  # [start, length] in the previous file

    def __enter__(self) -> Self:
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.out = open(self.tmp, "wb")
        self.old = None
        if self.old_spans and self.previous is not None:
            try:
                self.old = open(self.previous, "rb")
            except OSError:
                self.old_spans = {}
            else:
                end = max(start + length for start, length in self.old_spans.values())
                if os.fstat(self.old.fileno()).st_size < end:  # cut short: trust none
                    self.old_spans = {}
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            if kind is None:
                self._flush()
        finally:
            self.out.close()
            if self.old is not None:
                self.old.close()
        if kind is not None:
            self.tmp.unlink(missing_ok=True)
            return
        spans_tmp = self.path.with_name(self.path.name + SPANS_SUFFIX + ".tmp")
        spans_tmp.write_text(json.dumps({"version": 1, "spans": self.spans}))
        os.replace(self.tmp, self.path)
        os.replace(spans_tmp, self.path.with_name(self.path.name + SPANS_SUFFIX))

    def reuse(self, key: str | None) -> bool:
        """Copy the previous file's chunk under ``key``; False if it has none."""
        span = self.old_spans.get(key) if key else None
        if span is None or key is None:
            return False
        start, length = span
        self.spans[key] = [self.position, length]
        if self.pending and self.pending[0] + self.pending[1] == start:
            self.pending[1] += length
        else:
            self._flush()
            self.pending = [start, length]
        self.position += length
        return True

    def add(self, key: str | None, data: bytes) -> None:
        """Append a chunk made now (kept for the next version when it has a key)."""
        self._flush()
        if key:
            self.spans[key] = [self.position, len(data)]
        self.out.write(data)
        self.position += len(data)

    def _flush(self) -> None:
        if not self.pending or self.old is None:
            return
        start, length = self.pending
        self.pending = None
        self.out.flush()
        source, target = self.old.fileno(), self.out.fileno()
        while length:
            try:
                done = os.copy_file_range(source, target, length, start)
            except OSError:  # not between these file systems: copy through memory
                done = os.write(target, os.pread(source, min(length, 1 << 24), start))
            if done <= 0:
                raise OSError(f"{self.previous} ended before its spans did")
            start += done
            length -= done

    @staticmethod
    def _spans(path: Path) -> dict[str, list[int]]:
        try:
            data = json.loads(path.with_name(path.name + SPANS_SUFFIX).read_text())
            spans = data["spans"] if data.get("version") == 1 else {}
            return spans if isinstance(spans, dict) else {}
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            return {}
