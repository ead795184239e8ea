"""``python -m bench``: run every stage, print the table, write bench/results/<date>.md.

    python -m bench                 # the full run on ../shared/corpora/k8s-docs
    python -m bench --quick         # every stage once, on data/notes (smoke test)
    python -m bench --only search,graph --store .kg   # reuse a built store

Skips (exit 0, with the reason) when ../shared is absent.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import K8S_DOCS, NOTES, REPO, fmt  # noqa: E402

STAGES = ("ingest", "incremental", "search", "graph", "http")


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=Path, default=None, help=f"default {K8S_DOCS}")
    p.add_argument("--quick", action="store_true",
                   help="one run of each stage on data/notes, short HTTP runs (smoke test)")
    p.add_argument("--repeat", type=int, default=None, help="runs per figure (default 3)")
    p.add_argument("--scales", default=None, help="corpus multiples for ingest (default 1,2,4)")
    p.add_argument("--seconds", type=float, default=None, help="per HTTP cell (default 5)")
    p.add_argument("--only", default=",".join(STAGES), help=f"stages: {','.join(STAGES)}")
    p.add_argument("--store", type=Path, default=None,
                   help="a store already built from the corpus (search/graph/http use it)")
    p.add_argument("--out", type=Path, default=None,
                   help="results file (default bench/results/<date>.md; '-' for none)")
    p.add_argument("--work", type=Path, default=None, help="scratch folder (default a temp dir)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    corpus = (args.corpus or (NOTES if args.quick else K8S_DOCS)).resolve()
    if not corpus.exists():
        print(f"bench: skipped: {corpus} is absent (the real corpus lives in ../shared, "
              "present in CI); `python -m bench --quick` runs on data/notes")
        return 0
    repeat = args.repeat or (1 if args.quick else 3)
    scales = [int(s) for s in (args.scales or ("1" if args.quick else "1,2,4")).split(",")]
    seconds = args.seconds or (1.0 if args.quick else 5.0)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(STAGES)
    if unknown:
        print(f"bench: unknown stage(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    results: dict[str, Any] = {"corpus": corpus, "repeat": repeat, "notes": [],
                               "load_start": _load()}
    scratch = tempfile.mkdtemp(prefix="kg-bench-") if args.work is None else None
    work = Path(scratch) if scratch else args.work
    work.mkdir(parents=True, exist_ok=True)
    out = args.out
    if out is None and not args.quick:
        out = REPO / "bench" / "results" / f"{time.strftime('%Y-%m-%d')}.md"
    if out is not None and str(out) == "-":
        out = None

    def save(final: bool) -> str:
        """The report so far (after each stage, so a long run that is stopped keeps it)."""
        results["elapsed"] = time.perf_counter() - started
        results["load_end"] = _load()
        text = report(results) + ("" if final else "\n(partial: the run had not finished)\n")
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)
        return text

    try:
        _run(args, corpus, work, repeat, scales, seconds, only, results, log, save)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    print(save(final=True))
    if out is not None:
        log(f"wrote {out}")
    return 0


def _run(args: argparse.Namespace, corpus: Path, work: Path, repeat: int, scales: list[int],
         seconds: float, only: set[str], results: dict[str, Any], log: Any, save: Any) -> None:
    from bench import ingest_time

    store = args.store.resolve() if args.store else None
    if "ingest" in only:
        results["ingest"] = ingest_time.bench_ingest(corpus, work, scales, repeat, log)
        save(final=False)
        one = next((r for r in results["ingest"]["rows"] if r["scale"] == 1 and
                    not r.get("skipped")), None)
        if store is None and one and one.get("store"):
            store = Path(one["store"])
            source = work / "x1" / "c0"
            note = ingest_time.ensure_store(
                source, store, failed=None if one["status"] == "ok" else one["status"])
            if note:
                results["notes"].append(note)
    if "incremental" in only:
        results["incremental"] = ingest_time.bench_incremental(corpus, work, repeat, log)
        save(final=False)
    if not only & {"search", "graph", "http"}:
        return
    if store is None:
        store = work / "store"
        log("building a store for search/graph/http")
        note = ingest_time.ensure_store(corpus, store)
        if note:
            results["notes"].append(note)
    from bench import queries as query_set
    from bench import search_time, serve_time
    from kg.store import Store

    opened = Store.open(store)
    items = query_set.load(corpus)
    results["query_kinds"] = {k: sum(1 for q in items if q["kind"] == k)
                              for k in dict.fromkeys(q["kind"] for q in items)}
    if "search" in only:
        log(f"search: {len(items)} queries x {repeat + 1} rounds, kg and FTS5")
        results["search"] = search_time.bench_search(opened, items, repeat)
        save(final=False)
    if "graph" in only:
        log("suggest and related")
        results["graph"] = search_time.bench_graph(opened, repeat)
        save(final=False)
    if "http" in only:
        paths = serve_time.endpoint_paths(items, search_time.suggest_prefixes(opened),
                                          search_time.concept_sample(opened))
        results["http"] = serve_time.bench_serve(store, paths, repeat, seconds, log=log)
    opened.index.close()


# -- the report -----------------------------------------------------------------------
def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _le(value: float, limit: float) -> bool | None:
    return None if value is None or math.isnan(value) else value <= limit


def _ge(value: float, limit: float) -> bool | None:
    return None if value is None or math.isnan(value) else value >= limit


def _commit() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--",
                                "ingest", "search", "graph", "api", "kg"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + (" (+ uncommitted changes in the working tree)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "?"


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def report(r: dict[str, Any]) -> str:
    lines = [f"# kg benchmark, {time.strftime('%Y-%m-%d %H:%M')}", "",
             f"- command: `python -m bench` · corpus `{_short(r['corpus'])}` · "
             f"median of {r['repeat']} run(s) per figure unless noted",
             f"- machine: {os.cpu_count()} cores ({_cpu()}), Python "
             f"{platform.python_version()}, {platform.system()} {platform.release()}",
             f"- kg commit {_commit()} · bench took {r.get('elapsed', 0):.0f} s · load average "
             f"at start {r.get('load_start', '?')}, at end {r.get('load_end', '?')} (other "
             "processes on the machine inflate every figure)", ""]
    for note in r["notes"]:
        lines.append(f"> **note:** {note}")
        lines.append("")
    rows: list[tuple[str, str, str, str]] = []
    if "ingest" in r:
        ing = r["ingest"]
        for row in ing["rows"]:
            label = f"full `kg ingest` {row['scale']}× ({row['mb']:.2f} MB)"
            if row.get("skipped"):
                rows.append((label, "skipped (a smaller scale timed out)", "", "—"))
                continue
            status = "" if row["status"] == "ok" else f" — **{row['status']}**"
            rows.append((label, f"{fmt(row['seconds'])} s (n={row['runs']}), "
                         f"{fmt(row['mb_s'])} MB/s, peak RSS {fmt(row['rss_mb'], 0)} MB{status}",
                         "", ""))
            rows.append((f"  markdown-it floor {row['scale']}× (1 core)",
                         f"{fmt(row['floor'])} s, {fmt(row['mb'] / row['floor'])} MB/s", "", ""))
            rows.append((f"  ingest / floor {row['scale']}×", f"{fmt(row['ratio'], 1)}×", "≤ 10×",
                         _met(_le(row["ratio"], 10.0))))
        if ing["slope"] is not None:
            rows.append(("ingest slope", f"{fmt(ing['slope'])} s/MB", "", ""))
            rows.append(("linearity (s/MB at largest ÷ s/MB at 1×)", f"{fmt(ing['linearity'])}",
                         "≈ 1 (≤ 1.2)", _met(_le(ing["linearity"], 1.2))))
    if "incremental" in r:
        inc = r["incremental"]
        st = "" if inc["status"] == "ok" else f" — **{inc['status']}**"
        rows.append(("`kg ingest`, one note changed", f"{fmt(inc['changed'])} s (n={inc['runs']})"
                     + st, "≤ 2 s", _met(_le(inc["changed"], 2.0))))
        rows.append(("`kg ingest`, nothing changed", f"{fmt(inc['unchanged'])} s", "≤ 0.5 s",
                     _met(_le(inc["unchanged"], 0.5))))
    if "search" in r:
        s = r["search"]
        k, f = s["kg"], s["fts"]
        rows.append((f"search p50, {s['queries']} queries, 10 hits + snippets",
                     f"kg {fmt(k['p50'], 3)} ms · FTS5 {fmt(f['p50'], 3)} ms · "
                     f"ratio {fmt(k['p50'] / f['p50'], 1)}×", "≤ 3×",
                     _met(_le(k["p50"] / f["p50"], 3.0))))
        rows.append(("search p99", f"kg {fmt(k['p99'], 3)} ms · FTS5 {fmt(f['p99'], 3)} ms · "
                     f"ratio {fmt(k['p99'] / f['p99'], 1)}×", "≤ 3×",
                     _met(_le(k["p99"] / f["p99"], 3.0))))
        kc, fc = s["kg_cold"], s["fts_cold"]
        rows.append(("search first sight of each query (cold caches) p50 / p99",
                     f"kg {fmt(kc['p50'], 2)} / {fmt(kc['p99'], 2)} ms · FTS5 "
                     f"{fmt(fc['p50'], 3)} / {fmt(fc['p99'], 3)} ms", "", ""))
        rows.append((f"hit@3, {s['known']} known-item queries"
                     + (f" ({s['stale']} stale skipped)" if s["stale"] else ""),
                     f"kg {fmt(s['kg_hit3'], 1)} % · FTS5 {fmt(s['fts_hit3'], 1)} %",
                     "kg ≥ FTS5 + 5", _met(_ge(s["kg_hit3"] - s["fts_hit3"], 5.0))))
        by_kind = " · ".join(f"{kind} {fmt(v['p50'], 2)}/{fmt(v['p99'], 2)}"
                             for kind, v in s["kg_by_kind"].items())
        rows.append(("  kg p50/p99 ms by query kind", by_kind, "", ""))
    if "graph" in r:
        g = r["graph"]
        for name, target in (("suggest", 1.0), ("related d1", 1.0), ("related d2", 5.0)):
            v, cold = g[name], g[name + " cold"]
            rows.append((f"{name} (service.answers, in-process), n={v['n']}",
                         f"p50 {fmt(v['p50'], 3)} ms · p99 {fmt(v['p99'], 3)} ms "
                         f"(cold p50 {fmt(cold['p50'], 3)})", f"p50 ≤ {target:g} ms",
                         _met(_le(v["p50"], target))))
    if "http" in r:
        h = r["http"]
        rows.append((f"`kg serve` ready (start → first healthy answer), n={h['starts']}",
                     f"{fmt(h['ready_s'])} s", "≤ 1.5 s", _met(_le(h["ready_s"], 1.5))))
        worst = max(h["rss_after"] or [math.nan])
        rows.append(("first /api/search answer after ready (lazy loads in the worker)",
                     f"{fmt(h['first_search_s'])} s", "", ""))
        widget = h.get("widget")
        if widget:
            own = widget["search_p50"] - widget["healthz_p50"]
            fts = r["search"]["fts"]["p50"] if "search" in r else math.nan
            rows.append((f"as a widget sees it: each query once over HTTP, n={widget['n']} "
                         "(/api/search p50 − /healthz p50)",
                         f"{fmt(widget['search_p50'])} − {fmt(widget['healthz_p50'])} = "
                         f"{fmt(own)} ms · {fmt(own / fts, 1)}× FTS5 in-process p50",
                         "≤ 3.5× FTS5", _met(_le(own / fts, 3.5))))
        rows.append((f"RSS per worker ({h['workers']} workers)",
                     f"start {', '.join(fmt(x, 0) for x in h['rss_start'])} MB · after load "
                     f"{', '.join(fmt(x, 0) for x in h['rss_after'])} MB", "≤ 200 MB",
                     _met(_le(worst, 200.0))))
    lines += ["| measure | figure | target | met |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    if "http" in r:
        h = r["http"]
        tool = h["cells"][0]["tool"] if h["cells"] else "?"
        lines += ["", f"HTTP on loopback ({tool}; {h['workers']} gunicorn workers; "
                  "each cell the median of the runs; a short warm-up per cell):", "",
                  "| endpoint | c | req/s | p50 ms | p99 ms | errors | requests | target | met |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for cell in h["cells"]:
            target, met = _http_target(cell)
            err = str(cell["errors"]) + (f" ({cell['raw_errors']})" if cell["errors"] else "")
            lines.append(f"| {cell['endpoint']} | {cell['c']} | {fmt(cell['rps'], 0)} | "
                         f"{fmt(cell['p50'])} | {fmt(cell['p99'])} | {err} | "
                         f"{cell['requests']} | {target} | {met} |")
    if "query_kinds" in r:
        lines += ["", "Queries: " + ", ".join(f"{n} {k}" for k, n in r["query_kinds"].items())
                  + " (bench/queries-k8s-docs.json; FTS5: same sections, porter tokenizer, "
                  "bm25 with kg's field boosts, all words then any word, last word as prefix)."]
    return "\n".join(lines) + "\n"


def _http_target(cell: dict[str, Any]) -> tuple[str, str]:
    if cell["c"] != 16:
        return "", ""
    if cell["endpoint"] == "/api/search":
        ok = _ge(cell["rps"], 300) and _le(cell["p99"], 50) and cell["errors"] == 0
        return "≥ 300 req/s, p99 ≤ 50 ms, 0 errors", _met(ok)
    if cell["endpoint"] == "/api/suggest":
        return "≥ 800 req/s", _met(_ge(cell["rps"], 800) and cell["errors"] == 0)
    return "", ""


def _short(path: Path) -> str:
    try:
        return os.path.relpath(path, REPO)
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
