"""The store folder: one built graph + index, swapped in atomically.

Layout::

    STORE/
      current -> builds/20261128T131500-4242   (symlink, replaced with os.replace)
      builds/<id>/graph.nq      the RDF dataset, a named graph per note (N-Quads)
      builds/<id>/graph.nq.spans.json  where each note graph lies in it, and its inputs
      builds/<id>/graph.json    the ConceptGraph the API serves from
      builds/<id>/index/        the Whoosh index
      builds/<id>/notes.jsonl   the parsed notes (sections, blocks, lines) for note pages
      builds/<id>/findings.json what ingest found and the skos:broader cycles, for kg lint
      builds/<id>/manifest.json counts, settings and the files it was built from
      cache/parsed/, cache/links/  each note as parsed, and as linked (by the lexicon)
      .lock                     locked (lockf) by the one ingest that may run

A build is written beside the live one and published by replacing the ``current``
symlink, so a reader sees either the old build or the new one, never half of one. A
killed ingest leaves only a ``.tmp-*`` folder, which the next ingest removes. The
previous build is kept so that servers still reading it are not cut off mid-request,
and the next build copies from it what has not changed (see ``write_corpus_nquads``).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from common.chunk_file import ChunkFile
from common.files import replaced
from common.workers import start_child
from graph import backends
from graph.concept_graph import ConceptGraph
from graph.lint import FINDINGS_FILE, build_findings, read_findings, write_findings
from graph.rdf import corpus_to_dataset, write_corpus_nquads
from ingest.model import Corpus, Finding, Note
from search.index import SearchIndex

from .settings import load_settings

CURRENT = "current"
BUILDS = "builds"
RELOAD_CHECK_SECONDS = 1.0
T = TypeVar("T")


class StoreError(RuntimeError):
    """The store is missing, unreadable or busy; the message says which and what to do."""


def not_a_store(store: Path) -> str | None:
    """Why kg must not write into ``store`` (None: it may): a folder that holds files
    and none of a store's own (``builds``, ``current``, ``.lock``) is someone else's,
    whatever ``--store`` says."""
    if not store.exists():
        return None
    if not store.is_dir():
        return f"{store} is a file, not a store folder"
    names = sorted(entry.name for entry in store.iterdir())
    if not names or {BUILDS, CURRENT, ".lock"} & set(names):
        return None
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return (
        f"{store} is not a kg store (it holds {names[0]!r}{more}): give --store a new "
        "or empty folder"
    )


@contextmanager
def ingest_lock(store: Path) -> Iterator[None]:
    """Only one ingest per store. The lock is a POSIX record lock (``lockf``): it
    belongs to this process alone, not to the processes it forks (``flock``'s would be
    shared with them), and the kernel drops it when this process ends, however it
    ends, so no worker left behind keeps it."""
    problem = not_a_store(store)
    if problem:
        raise StoreError(problem)
    try:
        store.mkdir(parents=True, exist_ok=True)
        handle = open(store / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise StoreError(f"cannot write to the store {store}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise StoreError(f"cannot lock the store {store}: {exc.strerror}") from None
            raise StoreError(
                f"another ingest is writing to {store}; try again when it ends"
            ) from None
        yield
    finally:
        handle.close()


def build_store(
    store: Path,
    corpus: Corpus,
    *,
    base_uri: str,
    extra: dict[str, Any] | None = None,
    graph_url: str | None = None,
) -> Path:
    """Write a new build from ``corpus`` and make it current. Returns the build folder.

    The RDF goes to the graph store ``graph_url`` names (default: KG_GRAPH_URL): empty
    keeps it in the build as ``graph.nq``; an endpoint gets each note's named graph
    replaced there, and the ConceptGraph is built from what it reads back.
    """
    builds = store / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}-{secrets.token_hex(3)}"
    tmp = builds / f".tmp-{name}"
    tmp.mkdir()
    previous = current_build(store)
    # Builds older than the current one are removed on a thread while the new one is
    # written (then two are kept: the new one, and the one servers may still be reading).
    # With no usable current build (a dangling ``current``), every finished build is
    # kept: which of them is the good one is not ours to guess.
    sweeper = threading.Thread(
        target=_remove_stale, args=(builds, {tmp, previous}, previous is not None), daemon=True
    )
    sweeper.start()
    if graph_url is None:
        graph_url = load_settings()["graph_url"]
    backend = backends.backend_for(graph_url)
    # The index and the N-Quads are written by forked processes while this one writes
    # notes.jsonl and the ConceptGraph: the three parts are independent and take about as
    # long, and fork shares the corpus for free. What the previous build holds
    # and has not changed is copied, not made again.
    workers = {
        "the search index": _start(
            tmp / "index",
            _build_index,
            tmp / "index",
            corpus,
            previous / "index" if previous else None,
        )
    }
    if isinstance(backend, backends.SparqlBackend):
        dataset = corpus_to_dataset(corpus, base_uri)
        graph_store = backend.write(dataset, base_uri, tmp)
        view = ConceptGraph.from_dataset(backend.read_dataset(base_uri), base_uri)
    else:
        workers["graph.nq"] = _start(
            tmp / "graph.nq",
            write_corpus_nquads,
            corpus,
            base_uri,
            tmp / "graph.nq",
            previous / "graph.nq" if previous else None,
        )
        graph_store = backend.record()
        view = ConceptGraph.from_corpus(corpus, base_uri)
    view.save(tmp / "graph.json")
    # What servers open (the concept graph, the index) is opened once here first, by the
    # loaders they use, beside the rest of the work: a build they could not open is
    # never published.
    workers["the concept graph"] = _start(tmp / "graph.json", _check_graph, tmp / "graph.json")
    _write_notes(corpus, tmp / "notes.jsonl", previous / "notes.jsonl" if previous else None)
    write_findings(tmp / FINDINGS_FILE, build_findings(corpus))
    read_findings(tmp / FINDINGS_FILE)  # as lint reads it, before it is published
    for what, worker in workers.items():
        worker.join()
        if worker.exitcode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(
                f"building {what} failed (exit {worker.exitcode}); nothing was published"
            )
    manifest = {
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "base_uri": base_uri,
        "counts": corpus_counts(corpus),
        "notes": {note.path: note.digest for note in corpus.notes},
        "errors": [{"path": e.path, "reason": e.reason, "fatal": e.fatal} for e in corpus.errors],
        "graph_store": graph_store,
        **(extra or {}),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    _fsync_tree(tmp)
    final = builds / name
    os.rename(tmp, final)
    publish(store, final)
    sweeper.join()
    return final


def _start(output: Path, target: Callable[..., None], *args: Any) -> BaseProcess:
    """Run ``target(*args)``, which writes ``output``, in a worker process that dies with
    this one (``common.workers``): a killed ingest leaves no writer behind."""
    return start_child(_write, output, target, *args)


def _write(output: Path, target: Callable[..., None], *args: Any) -> None:
    try:
        target(*args)
    except Exception as exc:  # noqa: BLE001 - one line for the user; the parent says what failed
        sys.stderr.write(f"kg: {output.name}: {type(exc).__name__}: {str(exc)[:200]}\n")
        sys.stderr.flush()
        os._exit(1)
    # To disk now, beside the other writers: the parent's _fsync_tree before publishing
    # then finds nothing left to flush.
    if output.is_dir():
        _fsync_tree(output)
    else:
        _fsync(output)


def _build_index(folder: Path, corpus: Corpus, previous: Path | None) -> None:
    """The search index, starting from the previous build's segments; then opened as a
    server opens it, and searched once (a searcher reads every segment and the score
    table, which opening alone does not)."""
    SearchIndex.build(folder, corpus.notes, corpus.concepts, previous=previous).close()
    index = SearchIndex.open(folder)
    try:
        index.doc_count  # noqa: B018 - reading it opens the index as a server would
    finally:
        index.close()


def _check_graph(path: Path) -> None:
    """The concept graph, loaded as a server loads it (raises if it cannot be)."""
    ConceptGraph.load(path)


def _write_notes(corpus: Corpus, path: Path, previous: Path | None) -> None:
    """notes.jsonl, a line per note; a note whose record cannot have changed (same text,
    same ingest code and lexicon, same concepts in its sections) is copied from the
    previous build's file."""
    with ChunkFile(path, previous) as out:
        for note in corpus.notes:
            key = None
            if corpus.linked_with and note.digest:
                raw = repr(
                    (
                        corpus.linked_with,
                        note.path,
                        note.digest,
                        [(s.concept, s.concepts) for s in note.sections],
                    )
                )
                key = hashlib.sha1(raw.encode()).hexdigest()
            if not out.reuse(key):
                line = json.dumps(note_record(note), ensure_ascii=False, default=str)
                out.add(key, f"{line}\n".encode())


def note_record(note: Note) -> dict[str, Any]:
    """A note as plain data, for notes.jsonl: what ``dataclasses.asdict`` gives, written
    out by hand because asdict deep-copies every value, and a record only reads them."""
    return {
        "path": note.path,
        "title": note.title,
        "sections": [
            {
                "anchor": s.anchor,
                "title": s.title,
                "level": s.level,
                "breadcrumb": list(s.breadcrumb),
                "line": s.line,
                "end_line": s.end_line,
                "blocks": [
                    {
                        "kind": b.kind,
                        "text": b.text,
                        "line": b.line,
                        "end_line": b.end_line,
                        "depth": b.depth,
                        "lang": b.lang,
                        "parent": b.parent,
                    }
                    for b in s.blocks
                ],
                "parent": s.parent,
                "concept": s.concept,
                "concepts": list(s.concepts),
            }
            for s in note.sections
        ],
        "meta": note.meta,
        "digest": note.digest,
        "lines": note.lines,
        "links": [
            {
                "kind": k.kind,
                "target": k.target,
                "line": k.line,
                "text": k.text,
                "field": k.field,
                "anchor": k.anchor,
                "plain": k.plain,
            }
            for k in note.links
        ],
    }


def corpus_counts(corpus: Corpus) -> dict[str, int]:
    typed = {(r.source, r.type, r.target) for r in corpus.relations}
    return {
        "files": len(corpus.notes),
        "sections": sum(len(note.sections) for note in corpus.notes),
        "concepts": len(corpus.concepts),
        "relations": len(typed),
        "errors": sum(1 for e in corpus.errors if e.fatal),
        "warnings": sum(1 for e in corpus.errors if not e.fatal),
    }


def publish(store: Path, build: Path) -> None:
    """Point ``current`` at ``build`` in one atomic rename."""
    link = store / CURRENT
    with replaced(link) as tmp_link:
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        os.symlink(os.path.relpath(build, store), tmp_link)
    _fsync(store)


@lru_cache(maxsize=1)
def build_version() -> str:
    """A hash of the code that turns a corpus into a build (graph, search, kg, and the
    chunk files and atomic writes of common)."""
    sha = hashlib.sha1()
    root = Path(__file__).resolve().parent.parent
    for package in ("common", "graph", "search", "kg"):
        for source in sorted((root / package).glob("*.py")):
            sha.update(source.read_bytes())
    return sha.hexdigest()[:16]


def current_inputs(store: Path) -> str | None:
    """The input fingerprint the current build was made from, if any."""
    build = current_build(store)
    if build is None:
        return None
    try:
        return json.loads((build / "manifest.json").read_text()).get("inputs")
    except (OSError, ValueError):
        return None


def current_build(store: Path) -> Path | None:
    link = store / CURRENT
    if not link.is_symlink():
        return None
    target = (store / os.readlink(link)).resolve()
    return target if (target / "manifest.json").exists() else None


def missing_build(store: Path) -> str | None:
    """Why ``store`` has no current build to read, as a one-line error that says how
    to make one; None when it has one."""
    if current_build(store) is not None:
        return None
    fix = f"build it with `kg ingest NOTES --store {store}`"
    link = store / CURRENT
    if not store.exists():
        return f"no store at {store}: {fix}"
    if not store.is_dir():
        return f"{store} is not a store folder (it is a file)"
    if not link.is_symlink():
        return f"no built store at {store}: {fix}"
    return (
        f"the store at {store} is broken: its current build ({os.readlink(link)}) is "
        f"missing; {fix} (finished builds in {store / BUILDS} are kept)"
    )


def _remove_stale(builds: Path, keep: set[Path | None], finished: bool = True) -> None:
    """Every build but the current one and the one being written (``keep``): those
    half-written by an ingest that was killed (we hold the lock, so none runs), and
    unless ``finished`` is false, finished ones."""
    for path in builds.iterdir():
        if path in keep:
            continue
        if path.name.startswith(".tmp-") or (finished and not path.name.startswith(".")):
            shutil.rmtree(path, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            _fsync(Path(folder, name))
        _fsync(Path(folder))


def _fsync(path: Path) -> None:
    """A file's data, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Store:
    """A built store opened for reading: the concept graph, the index and, on demand,
    the RDF dataset. ``refresh()`` moves to a newer build when one has been published."""

    root: Path
    build: Path
    graph: ConceptGraph
    index: SearchIndex
    manifest: dict[str, Any]
    _dataset: Any = None
    _notes: dict[str, dict[str, Any]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checked: float = 0.0
    # A newer build that could not be opened: {"build": name, "reason": …}. This one is
    # kept serving, and that build is not tried again (``/healthz`` reports it).
    rejected: dict[str, str] | None = None
    # Parts of this build read on first use that turned out damaged: part -> reason.
    # Each is read once; requests needing it get the reason (503), the rest are served.
    damaged: dict[str, str] = field(default_factory=dict)
    # Values derived from this build (the pages' indexes, lint's findings): a new build
    # is opened as a new Store, so they are dropped with the build they came from.
    _derived: dict[str, Any] = field(default_factory=dict)

    def derived(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, once per build: kept while this build is the one served."""
        if name not in self._derived:
            self._derived[name] = compute()
        return self._derived[name]

    @staticmethod
    def manifest_of(root: Path) -> dict[str, Any]:
        """The current build's manifest ({} when there is none)."""
        build = current_build(root)
        try:
            return json.loads((build / "manifest.json").read_text()) if build else {}
        except (OSError, ValueError):
            return {}

    @classmethod
    def open(cls, root: Path) -> Store:
        """The current build; if it cannot be opened, the newest earlier build that can
        (with the current one in ``rejected``), else ``StoreError``."""
        build = current_build(root)
        if build is None:
            raise StoreError(missing_build(root) or f"no built store at {root}")
        try:
            return cls._open_build(root, build)
        except StoreError as exc:
            rejected = {"build": build.name, "reason": str(exc)}
            for earlier in sorted((root / BUILDS).iterdir(), reverse=True):
                if earlier.name < build.name and not earlier.name.startswith("."):
                    try:
                        store = cls._open_build(root, earlier)
                    except StoreError:
                        continue
                    store.rejected = rejected
                    return store
            raise

    @classmethod
    def _open_build(cls, root: Path, build: Path) -> Store:
        try:
            manifest = json.loads((build / "manifest.json").read_text())
            graph = ConceptGraph.load(build / "graph.json")
            index = SearchIndex.open(build / "index")
        except Exception as exc:  # noqa: BLE001 - whatever a damaged file raises, the build is unusable
            raise StoreError(
                f"store build {build.name} is unreadable: {type(exc).__name__}: {str(exc)[:200]}"
            ) from None
        return cls(
            root=root,
            build=build,
            graph=graph,
            index=index,
            manifest=manifest,
            _checked=time.monotonic(),
        )

    @property
    def dataset(self) -> Any:
        """The RDF dataset, loaded on first use (export and SPARQL need it, search doesn't)."""
        with self._lock:
            if self._dataset is None:
                self._raise_if_damaged("rdf")
                try:
                    self._dataset = backends.load_build_dataset(self.build, self.manifest)
                except Exception as exc:  # noqa: BLE001 - a damaged graph.nq, whatever it raises
                    self._damage(
                        "rdf",
                        f"the RDF of store build {self.build.name} is "
                        f"unreadable: {type(exc).__name__}",
                    )
            return self._dataset

    def note(self, path: str) -> dict[str, Any] | None:
        """One parsed note as stored (``note_record``), loaded on first use; None if unknown."""
        return self._note_records().get(path)

    def notes(self) -> list[dict[str, Any]]:
        """Every parsed note as stored (``note_record``), in the order they were built."""
        return list(self._note_records().values())

    def _note_records(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._notes is None:
                self._raise_if_damaged("notes")
                try:
                    with open(self.build / "notes.jsonl", encoding="utf-8") as lines:
                        records = map(json.loads, lines)
                        self._notes = {record["path"]: record for record in records}
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    self._damage(
                        "notes",
                        f"the notes of store build {self.build.name} are "
                        f"unreadable: {type(exc).__name__}",
                    )
            return self._notes

    def findings(self) -> list[Finding]:
        """What the build kept for ``kg lint`` (``graph.lint.build_findings``); a build
        without them (made by a kg before lint) is a StoreError that says to ingest again."""
        self._raise_if_damaged("findings")
        path = self.build / FINDINGS_FILE
        if not path.exists():
            self._damage(
                "findings",
                f"store build {self.build.name} has no {FINDINGS_FILE}: "
                "it was built by an earlier kg; run kg ingest again",
            )
        try:
            return read_findings(path)
        except (OSError, ValueError) as exc:
            self._damage(
                "findings",
                f"the findings of store build {self.build.name} are unreadable: {str(exc)[:200]}",
            )

    def _damage(self, part: str, reason: str) -> NoReturn:
        self.damaged[part] = reason
        raise StoreError(reason)

    def _raise_if_damaged(self, part: str) -> None:
        if part in self.damaged:
            raise StoreError(self.damaged[part])

    def refresh(self) -> Store:
        """This store, or a newly opened one if another build has been published since."""
        now = time.monotonic()
        if now - self._checked < RELOAD_CHECK_SECONDS:
            return self
        self._checked = now
        build = current_build(self.root)
        if (
            build is None
            or build == self.build
            or (self.rejected is not None and self.rejected["build"] == build.name)
        ):
            return self
        try:
            return Store._open_build(self.root, build)
        except StoreError as exc:
            self.rejected = {"build": build.name, "reason": str(exc)}
            return self  # keep serving the build we have
