"""The fixed query set: ``python -m bench.queries [CORPUS] [OUT]`` regenerates it.

Drawn deterministically (seed 6) from kg's own parse of the corpus: section headings
(titles), questions built on headings, headings with one typo, headings with the last
word cut short (search-as-you-type prefixes), and glossary terms. A query drawn from a
heading that is unique in the corpus is a known-item query: its answer is that section
(``expect`` = ``path#anchor``); hit@3 is measured on those.
"""

from __future__ import annotations

import json
import random
import re
import string
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import K8S_DOCS, REPO

SEED = 6
COUNTS = {"title": 100, "question": 60, "typo": 60, "prefix": 60, "glossary": 40,
          "common": 10}
QUERY_FILE = REPO / "bench" / "queries-k8s-docs.json"
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")
_HEADING_ID = re.compile(r"\{#[^}]*\}")  # Hugo's {#custom-id}: no user types it
_QUESTIONS = ("what is {}", "how to {}", "how does {} work", "why {}", "{} example")


def sections(root: Path) -> list[dict[str, Any]]:
    """Every section kg makes of the corpus: path, anchor, title; glossary pages flagged."""
    from ingest.files import discover, read_text
    from ingest.notes import parse_note

    files, _ = discover([root])
    out = []
    for file in files:
        text, _problem = read_text(file.absolute)
        if text is None:
            continue
        try:
            note = parse_note(text, file.path)
        except Exception:  # noqa: BLE001 - a note kg cannot parse gives no queries
            continue
        for number, section in enumerate(note.sections):
            out.append({"path": note.path, "anchor": section.anchor,
                        "title": " ".join(_HEADING_ID.sub("", section.title).split()), "first": number == 0,
                        "note_title": note.title,
                        "glossary": "/glossary/" in f"/{note.path}"})
    return out


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "replace", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "replace":
        return word[:i] + rng.choice(string.ascii_lowercase.replace(word[i], "")) + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def generate(root: Path, counts: dict[str, int] | None = None, seed: int = SEED
             ) -> list[dict[str, Any]]:
    counts = counts or COUNTS
    rng = random.Random(seed)
    found = sections(root)
    freq = Counter(s["title"].lower() for s in found)
    unique = [s for s in found if freq[s["title"].lower()] == 1 and len(_WORD.findall(s["title"])) >= 1
              and len(s["title"]) <= 80]
    rng.shuffle(unique)
    multi = [s for s in unique if len(_WORD.findall(s["title"])) >= 2]
    queries: list[dict[str, Any]] = []
    used: set[str] = set()

    def add(kind: str, q: str, section: dict[str, Any] | None) -> None:
        if q.lower() in used or not q.strip():
            return
        used.add(q.lower())
        queries.append({"q": q, "kind": kind,
                        "expect": f"{section['path']}#{section['anchor']}" if section else None})

    pools = iter(unique)
    for section in pools:
        if sum(1 for q in queries if q["kind"] == "title") >= counts["title"]:
            break
        add("title", section["title"], section)
    rest = [s for s in unique if f"{s['path']}#{s['anchor']}" not in
            {q["expect"] for q in queries}]
    rest_multi = [s for s in rest if s in multi] or rest
    for section in rest[: counts["question"]]:
        add("question", rng.choice(_QUESTIONS).format(section["title"].lower()), section)
    pos = counts["question"]
    for section in rest[pos:]:
        if sum(1 for q in queries if q["kind"] == "typo") >= counts["typo"]:
            break
        words = section["title"].split()
        long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long:
            continue
        i = rng.choice(long)
        words[i] = _typo(words[i], rng)
        add("typo", " ".join(words), section)
    for section in rest_multi:
        if sum(1 for q in queries if q["kind"] == "prefix") >= counts["prefix"]:
            break
        words = section["title"].split()
        last = words[-1]
        if len(last) < 5 or not last.isalpha():
            continue
        words[-1] = last[: rng.randrange(3, len(last))]
        add("prefix", " ".join(words), section)
    glossary = [s for s in found if s["glossary"] and s["first"]]
    rng.shuffle(glossary)
    for section in glossary[: counts["glossary"]]:
        add("glossary", section["note_title"], section)
    common = [t for t, n in freq.most_common(counts["common"]) if n > 1]
    for title in common:
        add("common", next(s["title"] for s in found if s["title"].lower() == title), None)
    return queries


def load(root: Path, path: Path | None = None) -> list[dict[str, Any]]:
    """The committed query set when it was made from this corpus, else a fresh one."""
    path = path or QUERY_FILE
    if path.exists() and root.resolve() == K8S_DOCS.resolve():
        return json.loads(path.read_text())["queries"]
    return generate(root)


def main(argv: list[str]) -> None:
    root = Path(argv[0]) if argv else K8S_DOCS
    out = Path(argv[1]) if len(argv) > 1 else QUERY_FILE
    queries = generate(root)
    out.write_text(json.dumps({"corpus": "k8s-docs", "seed": SEED, "counts": COUNTS,
                               "queries": queries}, indent=1, ensure_ascii=False) + "\n")
    kinds = Counter(q["kind"] for q in queries)
    print(f"{len(queries)} queries ({dict(kinds)}), "
          f"{sum(1 for q in queries if q['expect'])} known-item -> {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
