"""``kg ingest`` as a user runs it (a subprocess): full, scaled and incremental, beside
the markdown-it parse floor of the same files."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Run, kg_command, last_line, median, run_timed

INGEST_TIMEOUT = 1800.0


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in
                  (".md", ".markdown", ".txt") and not p.name.startswith("."))


def corpus_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in corpus_files(root))


def markdown_floor(root: Path, repeat: int) -> float:
    """Seconds markdown-it-py alone (kg's configuration, one core) takes to parse the
    corpus's markdown files, read beforehand: what no parser-based ingest can beat."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"maxNesting": 200}).enable("table").use(front_matter_plugin)
    texts = [p.read_text("utf-8", "replace") for p in corpus_files(root)
             if p.suffix.lower() in (".md", ".markdown")]
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        for text in texts:
            md.parse(text)
        times.append(time.perf_counter() - start)
    return median(times)


def make_copies(source: Path, target: Path, times: int) -> Path:
    """``times`` copies of the corpus under target/c0, target/c1, ... (other paths, so
    other note ids)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for i in range(times):
        shutil.copytree(source, target / f"c{i}")
    return target


def ingest(corpus: Path, store: Path, timeout: float = INGEST_TIMEOUT) -> Run:
    return run_timed([*kg_command(), "ingest", str(corpus), "--store", str(store), "-q"],
                     timeout=timeout, env=_env())


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("KG_STORE", None)
    return env


def ok(run: Run) -> bool:
    return run.returncode in (0, 3)  # 3: built, with some files skipped


def has_build(store: Path) -> bool:
    from kg.store import current_build

    return current_build(store) is not None


def ensure_store(corpus: Path, store: Path, failed: str | None = None) -> str | None:
    """Make sure ``store`` holds a build of ``corpus``; returns a note when a workaround
    had to be used (``kg ingest`` failed), None otherwise."""
    if has_build(store):
        return None
    if failed is None:  # not tried yet in this run
        run = ingest(corpus, store)
        if ok(run) and has_build(store):
            return None
        failed = f"exit {run.returncode}: {last_line(run.stderr)}"
    # kg ingest failed: build in-process through the same code, with JSON that accepts
    # what YAML front matter holds (dates), so the remaining stages can still run.
    from kg import store as kg_store
    from kg.cli import run_ingest
    from kg.settings import load_settings

    real = kg_store.json

    class _Json:
        loads = staticmethod(json.loads)

        @staticmethod
        def dumps(obj: Any, **kw: Any) -> str:
            kw.setdefault("default", str)
            return json.dumps(obj, **kw)

    kg_store.json = _Json  # type: ignore[assignment]
    try:
        run_ingest([corpus], store, load_settings({"base_uri": "http://127.0.0.1:8000/"}))
    finally:
        kg_store.json = real
    return (f"`kg ingest` failed ({failed}); the store "
            "was built in-process with json.dumps(default=str) so later stages could run")


def bench_ingest(corpus: Path, work: Path, scales: list[int], repeat: int, log: Any
                 ) -> dict[str, Any]:
    """Full ingest at each scale (repeat runs, fresh store each), the floor beside it."""
    rows = []
    budget_hit = False
    for scale in scales:
        copies = make_copies(corpus, work / f"x{scale}", scale)
        if scale == 1:
            copies = copies / "c0"  # the corpus at another path, its note ids unchanged
        size = corpus_bytes(copies)
        runs: list[Run] = []
        n = repeat if scale == 1 or not rows or rows[0]["seconds"] * scale < 120 else 1
        if budget_hit:
            rows.append({"scale": scale, "mb": size / 1e6, "skipped": True})
            continue
        for i in range(n):
            store = work / f"store-x{scale}-{i}"
            shutil.rmtree(store, ignore_errors=True)
            log(f"ingest {scale}x ({size / 1e6:.2f} MB) run {i + 1}/{n}")
            run = ingest(copies, store)
            runs.append(run)
            if i < n - 1 or scale != 1:
                shutil.rmtree(store, ignore_errors=True)
            if not ok(run) and run.returncode == -9:
                budget_hit = True
                break
        floor = markdown_floor(copies, repeat=max(1, min(repeat, 3)))
        seconds = median([r.seconds for r in runs])
        rows.append({
            "scale": scale, "mb": size / 1e6, "runs": len(runs), "seconds": seconds,
            "mb_s": size / 1e6 / seconds, "rss_mb": median([r.max_rss_mb for r in runs]),
            "floor": floor, "ratio": seconds / floor,
            "status": "ok" if all(ok(r) for r in runs) else
            f"exit {runs[-1].returncode}: {last_line(runs[-1].stderr)}",
            "store": str(work / f"store-x{scale}-{len(runs) - 1}") if scale == 1 else None,
        })
        if scale != 1:
            shutil.rmtree(work / f"x{scale}", ignore_errors=True)
    done = [r for r in rows if not r.get("skipped")]
    slope = linearity = None
    if len(done) >= 2:
        xs = [r["mb"] for r in done]
        ys = [r["seconds"] for r in done]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        # per-MB cost at the largest scale over that at the smallest: 1.0 is linear
        linearity = (done[-1]["seconds"] / done[-1]["mb"]) / (done[0]["seconds"] / done[0]["mb"])
    return {"rows": rows, "slope": slope, "linearity": linearity}


def bench_incremental(corpus: Path, work: Path, repeat: int, log: Any) -> dict[str, Any]:
    """kg ingest on a built store after one note changed, then after nothing changed.

    Whatever ``kg ingest`` does today (a full rebuild, until incremental ingest lands) is
    what is measured: the same command a user runs."""
    copy = make_copies(corpus, work / "incr", 1) / "c0"
    store = work / "store-incr"
    shutil.rmtree(store, ignore_errors=True)
    log("incremental: initial build")
    first = ingest(copy, store)
    notes = [p for p in corpus_files(copy) if p.suffix.lower() in (".md", ".markdown")] or \
        corpus_files(copy)
    changed, unchanged = [], []
    rounds = max(1, repeat) if first.seconds < 20 else 1  # bounded while ingest is slow
    for i in range(rounds):
        note = notes[(i * 7919) % len(notes)]
        with note.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\nBenchmark edit {i}: one more sentence about pods.\n")
        log(f"incremental: one note changed, run {i + 1}")
        changed.append(ingest(copy, store))
        log(f"incremental: nothing changed, run {i + 1}")
        unchanged.append(ingest(copy, store))
    shutil.rmtree(work / "incr", ignore_errors=True)
    shutil.rmtree(store, ignore_errors=True)
    status = "ok" if all(ok(r) for r in [first, *changed, *unchanged]) else \
        f"exit {next(r for r in [first, *changed, *unchanged] if not ok(r)).returncode}"
    return {"first": first.seconds, "changed": median([r.seconds for r in changed]),
            "unchanged": median([r.seconds for r in unchanged]), "runs": len(changed),
            "status": status}


if __name__ == "__main__":  # python -m bench.ingest_time CORPUS: one timed ingest
    target = Path(sys.argv[1])
    print(ingest(target, Path("/tmp/kg-bench-one")))
