"""``kg review`` at a terminal: the queue printed, or walked one key per item.

Each decision is appended to the review file as it is made (``kg.review``), so quitting
keeps what was decided; the store is re-built once at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ingest.relation_types import RELATION_TYPES
from ingest.review import decision_entry

from .review import add_decision, rebuild, review_lock


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
