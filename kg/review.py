"""Writing the review file and re-building after it: what ``kg review`` and
``POST /api/review`` share.

A decision is appended to the file as one line of text (the author's comments and
order stay as written), the new text is read back as a review file before it replaces
the old one (atomically), and the store is re-built from the folders its manifest
records. Writers in any process take the store's review lock first, so two decisions
made at once both land, each followed by its build.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.files import write_bytes
from ingest.review import REVIEW_FILE, ReviewError, appended, find_review, parse_review

from .settings import load_settings
from .store import Store, StoreError

LOCK_NAME = ".review.lock"


def review_path(store: Path, explicit: str | Path | None = None) -> Path:
    """The review file of ``store``: ``explicit`` (``--review``), else ``KG_REVIEW``, else
    the one its build read, else ``kg-review.yaml`` in the first folder it was built from."""
    chosen = explicit or load_settings()["review"]
    if chosen:
        return Path(chosen)
    manifest = Store.manifest_of(store)
    if manifest.get("review"):
        return Path(manifest["review"])
    folders = [Path(p) for p in manifest.get("sources", [])]
    found = find_review(folders)
    if found is not None:
        return found
    folder = next((f for f in folders if f.is_dir()), None)
    if folder is None:
        raise StoreError(
            f"the store at {store} was not built from a folder: name the review "
            "file with --review FILE (or KG_REVIEW)"
        )
    return folder / REVIEW_FILE


# A record lock belongs to a process, so the threads of one server worker take turns on
# this first.
_THREADS = threading.Lock()


@contextmanager
def review_lock(store: Path) -> Iterator[None]:
    """Held while a decision is written and built: one writer at a time, in any process
    (a blocking POSIX record lock, released by the kernel however the holder ends) and
    any thread of it."""
    store.mkdir(parents=True, exist_ok=True)
    with _THREADS, open(store / LOCK_NAME, "a+") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)


def add_decision(path: Path, entry: str) -> None:
    """Append ``entry`` (``ingest.review.decision_entry``) to the review file at ``path``,
    atomically, after checking that the result reads as a valid review file (the file
    is left as it was otherwise). Call with the review lock held."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError(str(path), 0, f"cannot read it: {exc}") from None
    parse_review(text, str(path))  # a file already broken is the author's to fix first
    new = appended(text, entry)
    parse_review(new, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, new.encode("utf-8"))  # temporary file + rename


def rebuild(store: Path, review: Path) -> list[str]:
    """Ingest again what the current build was made from, with ``review``; only what
    the review's change touches is redone (see ``Corpus.reviewed``). Runs ``kg ingest``
    in a process of its own: a server's worker keeps only what it serves, and a build
    never runs inside its threads. Returns the warnings about stale decisions."""
    manifest = Store.manifest_of(store)
    sources = manifest.get("sources") or []
    if not sources:
        raise StoreError(f"the store at {store} does not record the folders it was built from")
    command = [
        sys.executable,
        "-m",
        "kg.cli",
        "ingest",
        *sources,
        "--store",
        str(store),
        "--review",
        str(review),
        "--quiet",
    ]
    if manifest.get("base_uri"):
        command += ["--base-uri", manifest["base_uri"]]
    for vocabulary in manifest.get("vocabulary") or []:
        command += ["--vocabulary", vocabulary]
    if manifest.get("follow_links"):
        command.append("--follow-links")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 3):  # 3: built, with files skipped
        lines = done.stderr.strip().splitlines() or [f"kg ingest exited with {done.returncode}"]
        raise StoreError(lines[-1].removeprefix("kg: "))
    return [
        line.removeprefix("warning: ")
        for line in done.stderr.splitlines()
        if line.startswith(f"warning: {review}:")
    ]
