"""What an ingest keeps between runs to redo less: a folder of entries by key.

Written only by the ingest that holds the store's lock. Entries are replaced atomically
(``common.files``), so a killed run leaves whole entries or none; ``prune`` keeps the
entries the last run used, so deleted and edited notes leave nothing behind. (The
files of keyed chunks that a next build copies from are ``common.chunk_file``.)
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from common.files import write_bytes


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
        write_bytes(self.folder / key, data)
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
