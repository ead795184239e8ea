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
from typing import Any

from ingest.cache import FolderCache
from ingest.review import REVIEW_FILE, ReviewError, appended, find_review, parse_review, read_review
from ingest.text import label_key

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
    FolderCache(path.parent).put(path.name, new.encode("utf-8"))  # temporary file + rename


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


# -- the queue --------------------------------------------------------------------------
def review_queue(store: Store, review: Path | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """What most needs the author's eye, least confident first: typed relations (with
    their first evidence line) and concepts (scored by their best typed relation), in
    turns, minus what the review file already decides."""
    decided: set[tuple[str, ...]] = set()
    if review is not None and review.exists():
        for d in read_review(review).decisions:
            decided.add((label_key(d.subject), d.type, label_key(d.target)))
            decided.add((label_key(d.subject), d.value, label_key(d.target)))
            decided.add((label_key(d.target), d.type, label_key(d.subject)))
    graph = store.graph
    items: list[dict[str, Any]] = []
    best: dict[str, float] = {}
    for edge in graph.typed_edges():
        source, rtype, target, confidence = (
            edge["source"],
            edge["relation"],
            edge["target"],
            edge["confidence"],
        )
        best[source] = max(best.get(source, 0.0), confidence)
        best[target] = max(best.get(target, 0.0), confidence)
        source_label, target_label = graph.label_in(source, None), graph.label_in(target, None)
        if (
            confidence >= 1.0
            or (label_key(source_label or source), rtype, label_key(target_label or target))
            in decided
        ):
            continue
        items.append(
            {
                "kind": "relation",
                "source": source_label,
                "type": rtype,
                "target": target_label,
                "confidence": confidence,
                "weight": edge["weight"],
                "evidence": edge["evidence"],
            }
        )
    for ref in graph.concepts(len(graph))[1]:
        concept = graph.concept(ref["id"])
        if concept is None or (label_key(concept["label"]),) in decided:
            continue
        evidence = concept["definition"]
        if evidence is None and concept["sources"]:
            first = concept["sources"][0]
            evidence = {"text": first["title"], "path": first["path"], "line": first["line"]}
        items.append(
            {
                "kind": "concept",
                "label": concept["label"],
                "confidence": best.get(concept["id"], 0.5),
                "evidence": evidence,
            }
        )
    order = lambda i: (
        i["confidence"],
        i.get("label") or i["source"],
        i.get("type", ""),
        i.get("target", ""),
    )
    relations = sorted((i for i in items if i["kind"] == "relation"), key=order)
    concepts = sorted((i for i in items if i["kind"] == "concept"), key=order)
    # Taken in turns, so that neither kind crowds out the other (on the Kubernetes docs
    # hundreds of concepts with no typed relation would otherwise come first).
    turns = [item for pair in zip(relations, concepts) for item in pair]
    rest = relations[len(concepts) :] or concepts[len(relations) :]
    return (turns + rest)[:limit]


def describe(item: dict[str, Any]) -> str:
    if item["kind"] == "relation":
        return f"{item['source']} {item['type']} {item['target']}"
    return item["label"]


def print_queue(items: list[dict[str, Any]], out: Any = sys.stdout) -> None:
    for number, item in enumerate(items, 1):
        print(f"{number:3}. {item['kind']:<8} {item['confidence']:.2f}  {describe(item)}", file=out)
        ev = item.get("evidence")
        if ev:
            print(f"       “{ev['text'][:100]}” {ev['path']}:{ev['line']}", file=out)


# -- kg review, interactively ---------------------------------------------------------
RELATION_KEYS = "[c]onfirm  [r]eject  [t] retype  [v] reverse  [s]kip  [q]uit"
CONCEPT_KEYS = "[r] not a concept  [s]kip  [q]uit"


def _read_key(prompt: str) -> str:
    """One key: a keypress on a terminal, else the first letter of a line (so the walk
    can be driven by piped input); "q" at the end of the input."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    if sys.stdin.isatty():
        import termios
        import tty

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            key = sys.stdin.read(1)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        print(key)
        return "q" if key in ("", "\x03", "\x04") else key.lower()
    line = sys.stdin.readline()
    if not line:
        print()
        return "q"
    key = line.strip()[:1].lower()
    return key or "s"


def _read_line(prompt: str) -> str:
    sys.stdout.write(prompt)
    sys.stdout.flush()
    return sys.stdin.readline().strip()


def entry_for(item: dict[str, Any], key: str) -> str | None:
    """The review-file entry a key means for a queue item (None: nothing to write)."""
    from ingest.relation_types import RELATION_TYPES
    from ingest.review import decision_entry

    if item["kind"] == "concept":
        return decision_entry("not-a-concept", item["label"]) if key == "r" else None
    relation = {"subject": item["source"], "type": item["type"], "target": item["target"]}
    if key == "c":
        return decision_entry("confirm", **relation)
    if key == "r":
        return decision_entry("reject", **relation)
    if key == "v":
        return decision_entry("reverse", **relation)
    if key == "t":
        while True:
            new = _read_line(f"  new type ({', '.join(RELATION_TYPES)}; empty skips): ")
            if not new:
                return None
            found = {t.casefold(): t for t in RELATION_TYPES}.get(new.casefold())
            if found and found != item["type"]:
                return decision_entry("retype", **relation, value=found)
            print(f"  '{new}' is not another relation type")
    return None


def run_review(store: Path, path: Path, items: list[dict[str, Any]]) -> int:
    """Walk ``items``, asking one key each; each decision is written at once (so quitting
    keeps what was decided), then the store is re-built once at the end."""
    if not items:
        print("nothing to review")
        return 0
    written = 0
    for number, item in enumerate(items, 1):
        print(
            f"\n[{number}/{len(items)}] {item['kind']} {item['confidence']:.2f}  {describe(item)}"
        )
        ev = item.get("evidence")
        if ev:
            print(f"  “{ev['text'][:200]}”\n  {ev['path']}:{ev['line']}")
        keys = RELATION_KEYS if item["kind"] == "relation" else CONCEPT_KEYS
        key = _read_key(f"  {keys} > ")
        if key == "q":
            break
        entry = entry_for(item, key)
        if entry is None:
            if key not in ("s", "t"):
                print(f"  '{key}' decides nothing here; skipped")
            continue
        with review_lock(store):
            add_decision(path, entry)
        written += 1
        print(f"  wrote {entry.strip()}")
    if not written:
        print("no decisions written")
        return 0
    print(f"{written} decision{'s' if written != 1 else ''} written to {path}; re-building…")
    with review_lock(store):
        for warning in rebuild(store, path):
            print(f"warning: {warning}", file=sys.stderr)
    print(f"built {store}")
    return 0
