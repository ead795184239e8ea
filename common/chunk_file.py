"""Files made of keyed chunks, which the next version of the file copies from."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Self

from .files import temporary_path, write_bytes

SPANS_SUFFIX = ".spans.json"  # beside a chunk file: where each keyed chunk lies in it


class ChunkFile:
    """A file written as a run of byte chunks, each under a key saying what it was made
    from, with a spans file beside it (``SPANS_SUFFIX``). Given the previous version of
    the file, a chunk whose key it holds is copied from there instead of made again:
    adjacent ones as one range, inside the kernel (copy_file_range) where it can.

    Written to a temporary name and renamed into place on a clean exit
    (``common.files``), spans last.
    """

    def __init__(self, path: Path, previous: Path | None = None) -> None:
        self.path = path
        self.old_spans = self._spans(previous) if previous is not None else {}
        self.previous = previous
        self.spans: dict[str, list[int]] = {}
        self.position = 0
        self.pending: list[int] | None = None  # [start, length] in the previous file

    def __enter__(self) -> Self:
        self.tmp = temporary_path(self.path)
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
        failed = kind is not None
        try:
            if not failed:
                self._flush()
        except BaseException:
            failed = True
            raise
        finally:
            self.out.close()
            if self.old is not None:
                self.old.close()
            if failed:
                self.tmp.unlink(missing_ok=True)
        if failed:
            return
        os.replace(self.tmp, self.path)
        spans = json.dumps({"version": 1, "spans": self.spans}).encode()
        write_bytes(self.path.with_name(self.path.name + SPANS_SUFFIX), spans)

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
