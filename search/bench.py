"""Quick latency printout: ``python -m search.bench [DOCS_DIR]``.

Splits markdown files at headings into sections (a crude stand-in for ingest), makes a
concept per glossary page, builds an index in a temporary directory and times a mixed
query set with snippets. Not the real benchmark; a smoke test for regressions.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ingest.model import Block, Concept, Evidence, Note, Section
from ingest.text import slugify
from search import SearchIndex

QUERIES = [
    "pod", "replica set", "deploymnet", "statefullset", "replic", "svc", "node selector",
    "restart only on failure", "persistent volume claim", '"rolling update"',
    "how to expose a service", "kubectl apply", "configmap secret", "taints tolerations",
    "horizontal pod autoscaler", "namespace quota", "ingress controller tls", "xyzzy",
    "liveness probe", "daemonset logs",
]
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def load(root: Path) -> tuple[list[Note], dict[str, Concept]]:
    """Notes and glossary concepts from a folder of markdown files."""
    notes: list[Note] = []
    concepts: dict[str, Concept] = {}
    for file in sorted(root.rglob("*.md")):
        rel = file.relative_to(root).as_posix()
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        sections: list[Section] = []
        title, start, body = rel, 1, []  # text before the first heading
        stack: list[str] = []
        for number, line in enumerate([*lines, "# <end>"], start=1):
            m = _HEADING.match(line)
            if not m:
                body.append(line)
                continue
            text = "\n".join(body).strip()
            if text or sections:
                anchor = slugify(title) or f"l{start}"
                sections.append(Section(
                    anchor=anchor, title=title, level=len(stack), breadcrumb=tuple(stack[:-1]),
                    line=start, end_line=number - 1,
                    blocks=[Block("paragraph", text, start + 1, number - 1)],
                ))
            level = len(m.group(1))
            stack = [*stack[: level - 1], m.group(2)]
            title, start, body = m.group(2), number, []
        notes.append(Note(path=rel, title=file.stem, sections=sections))
        if "/glossary/" in rel and sections:
            name = re.search(r"^title:\s*(.+)$", "\n".join(lines), re.M)
            label = (name.group(1) if name else file.stem).strip().strip("\"'")
            cid = slugify(label)
            concepts[cid] = Concept(
                id=cid, label=label,
                definition=Evidence(sections[0].text[:300], rel, sections[0].line),
                sections=[(rel, sections[0].anchor)],
            )
    return notes, concepts


def main(argv: list[str]) -> None:
    root = Path(argv[0] if argv else "../shared/corpora/k8s-docs")
    notes, concepts = load(root)
    sections = sum(len(n.sections) for n in notes)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ix = SearchIndex.build(os.path.join(tmp, "ix"), notes, concepts,
                               procs=int(os.environ.get("PROCS", "1")))
        built = time.perf_counter() - t0
        print(f"{sections} sections, {len(concepts)} concepts; build {built:.1f}s")
        for q in QUERIES:  # warm the plan cache, as a running server would be
            ix.search(q)
        timings = []
        for _ in range(int(os.environ.get("ROUNDS", "20"))):
            for q in QUERIES:
                t = time.perf_counter()
                ix.search(q, limit=10)
                timings.append((time.perf_counter() - t) * 1000)
        timings.sort()
        p50 = statistics.median(timings)
        p99 = timings[int(len(timings) * 0.99) - 1]
        print(f"search+snippets, 10 hits: p50 {p50:.2f} ms, p99 {p99:.2f} ms, n={len(timings)}")
        if os.environ.get("PER_QUERY"):
            for q in QUERIES:
                ts = []
                for _ in range(10):
                    t = time.perf_counter()
                    r = ix.search(q)
                    ts.append((time.perf_counter() - t) * 1000)
                print(f"  {statistics.median(ts):7.2f} ms  {r['total']:5d}  {q}")
        ix.close()


if __name__ == "__main__":
    main(sys.argv[1:])
