"""The whole graph as a file per format, written once per build.

Serialising the dataset on every ``/api/export`` request would cost every request the
whole graph's time and a server worker the whole graph's memory. A build never changes
once published, so each format is written at most once per build, the first time it is
asked for, to ``BUILD/exports/graph.<ext>`` (or, when the build folder is read-only to
the server, to a private folder named after the build in the temporary directory), and
then served as a file with its ETag and length.

The file is written by a child process (``python -m graph.exports BUILD FORMAT OUT``),
so no server worker grows by the dataset; the line and Turtle formats stream from
``graph.nq`` through pyoxigraph, JSON-LD (and an external store's graph) go through
rdflib. An exclusive
``flock`` per file makes every other thread and process wait for that one writer
instead of writing it again, and the file appears (``common.files.replaced``) only once complete.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pyoxigraph as ox

from common.files import replaced

from .formats import RDF_FORMATS

log = logging.getLogger(__name__)
# Formats written by pyoxigraph from graph.nq (JSON-LD needs rdflib's compaction).
_OXIGRAPH_WRITES = frozenset(RDF_FORMATS) - {"json-ld"}


class ExportError(Exception):
    """The export could not be written (the message says why, without paths)."""


def _folder(build: Path) -> Path:
    """Where a build's exports live: in the build if we may write there, else in the
    temporary directory (``_temporary_folder``)."""
    folder = build / "exports"
    try:
        folder.mkdir(exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    return _temporary_folder(build)


def _temporary_folder(build: Path) -> Path:
    """``TMP/kg-exports-<uid>/<build>-<hash of its path>``: one per user and build, so
    every worker serves the file one of them wrote. Anyone may create folders in the
    temporary directory, and a file planted there would be served as the export, so the
    folder and its parent are used only when they are directories of ours that no one
    else may enter; otherwise this process writes its exports to a fresh private
    folder."""
    digest = hashlib.sha1(str(build.resolve()).encode()).hexdigest()[:16]
    parent = Path(tempfile.gettempdir()) / f"kg-exports-{os.geteuid()}"
    folder = parent / f"{build.name}-{digest}"
    for part in (parent, folder):
        try:
            part.mkdir(mode=0o700, exist_ok=True)
            private = _is_private(part)
        except OSError:
            private = False
        if not private:
            log.warning(
                "%s is not a private folder of this user; exports of %s are written to a fresh one",
                part,
                build.name,
            )
            return _fresh_private_folder(str(build.resolve()))
    return folder


def _is_private(folder: Path) -> bool:
    """A directory (not a link to one) owned by us, closed to group and others."""
    info = os.lstat(folder)
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077


@functools.lru_cache(maxsize=16)
def _fresh_private_folder(build: str) -> Path:
    """A new folder only we can enter (``mkdtemp``), one per build for this process."""
    return Path(tempfile.mkdtemp(prefix="kg-exports-"))


def export_file(build: Path, fmt: str, timeout: float = 1800.0) -> Path:
    """The build's graph in ``fmt`` as a file, written now if it is not there yet."""
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}; allowed: {', '.join(RDF_FORMATS)}")
    folder = _folder(Path(build))
    path = folder / f"graph.{RDF_FORMATS[fmt].extension}"
    if path.exists():
        return path
    with open(folder / f".{path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if path.exists():  # another thread or process wrote it while we waited
            return path
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p),
        )
        with replaced(path) as partial:  # in place once complete, removed if not
            try:
                done = subprocess.run(
                    [sys.executable, "-m", "graph.exports", str(build), fmt, str(partial)],
                    cwd=root,
                    env=env,
                    timeout=timeout,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise ExportError(
                    f"writing the {fmt} export took longer than {timeout:g} s"
                ) from None
            if done.returncode != 0 or not partial.exists():
                log.error(
                    "writing the %s export of %s failed:\n%s",
                    fmt,
                    build,
                    done.stderr.decode("utf-8", "replace")[-4000:],
                )
                raise ExportError(f"the {fmt} export could not be written; the server log says why")
    return path


def etag(path: Path) -> str:
    """A strong ETag for an export file: the build and format are in its path, and a
    file is never rewritten in place, so path, size and time identify its content."""
    info = path.stat()
    raw = f"{path.resolve()}\0{info.st_size}\0{info.st_mtime_ns}"
    return hashlib.sha1(raw.encode()).hexdigest()[:20]


def _write(build: Path, fmt: str, out: Path) -> None:
    """Write the export: straight from ``graph.nq`` with pyoxigraph's streaming parser and
    serialisers when the build holds it (no term is normalised on the way, so the text
    equals rdflib's reading), else (JSON-LD, or an external store) through rdflib."""
    from .backends import PREFIXES, load_build_dataset, store_url
    from .rdf import export

    manifest = json.loads((build / "manifest.json").read_text())
    nquads = build / "graph.nq"
    if fmt in _OXIGRAPH_WRITES and store_url(manifest) is None and nquads.exists():
        quads = ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        spec = RDF_FORMATS[fmt]
        if spec.keeps_graphs:  # (the file holds one note after another)
            ox.serialize(quads, str(out), spec.oxigraph, prefixes=PREFIXES)
        else:  # the union as a set, a subject's triples together
            triples = sorted(
                {quad.triple for quad in quads},
                key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
            )
            ox.serialize(triples, str(out), spec.oxigraph, prefixes=PREFIXES)
        with open(out, "rb+") as handle:
            os.fsync(handle.fileno())
        return
    body, _ = export(load_build_dataset(build, manifest), fmt)
    with open(out, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("usage: python -m graph.exports BUILD FORMAT OUT", file=sys.stderr)
        sys.exit(2)
    _write(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
