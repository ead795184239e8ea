"""In-process latencies: kg search (with snippets) beside FTS5, suggest, related."""

from __future__ import annotations

import random
import time
from typing import Any

from bench.common import median, percentile
from bench.fts import Fts5, sections_from_index


def _stats(samples: list[float]) -> dict[str, float]:
    return {"p50": median(samples), "p99": percentile(samples, 99), "n": len(samples)}


def _kg_ids(found: dict[str, Any]) -> list[str]:
    return [f"{r['path']}#{r['anchor']}" if r["kind"] == "section" else f"concept:{r['id']}"
            for r in found["results"]]


def bench_search(store: Any, queries: list[dict[str, Any]], repeat: int) -> dict[str, Any]:
    sections = sections_from_index(store.build / "index")
    t0 = time.perf_counter()
    fts = Fts5(sections)
    fts_build = time.perf_counter() - t0
    known_ids = {s["id"] for s in sections}
    kg_times: list[float] = []
    fts_times: list[float] = []
    kg_cold: list[float] = []
    fts_cold: list[float] = []
    kg_hits = fts_hits = known = stale = 0
    per_kind: dict[str, list[float]] = {}
    for round_ in range(repeat + 1):  # round 0: first sight of each query (cold caches)
        for item in queries:
            q = item["q"]
            t = time.perf_counter()
            found = store.index.search(q, limit=10)
            kg_t = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            rows = fts.search(q, limit=10)
            fts_t = (time.perf_counter() - t) * 1000
            if round_ == 0:
                kg_cold.append(kg_t)
                fts_cold.append(fts_t)
                expect = item.get("expect")
                if expect:
                    if expect not in known_ids:
                        stale += 1
                        continue
                    known += 1
                    kg_hits += expect in _kg_ids(found)[:3]
                    fts_hits += expect in [r["id"] for r in rows[:3]]
            else:
                kg_times.append(kg_t)
                fts_times.append(fts_t)
                per_kind.setdefault(item["kind"], []).append(kg_t)
    return {
        "queries": len(queries), "sections": len(sections), "fts_build_s": fts_build,
        "kg": _stats(kg_times), "fts": _stats(fts_times),
        "kg_cold": _stats(kg_cold), "fts_cold": _stats(fts_cold),
        "known": known, "stale": stale,
        "kg_hit3": 100.0 * kg_hits / known if known else float("nan"),
        "fts_hit3": 100.0 * fts_hits / known if known else float("nan"),
        "kg_by_kind": {k: _stats(v) for k, v in per_kind.items()},
    }


def suggest_prefixes(store: Any, n: int = 300, seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    _total, items = store.graph.concepts(limit=100_000)
    labels = [c["label"] for c in items if c["label"]]
    rng.shuffle(labels)
    out = []
    for label in (labels * (n // max(1, len(labels)) + 1))[:n]:
        out.append(label[: rng.randint(1, max(1, min(len(label), 8)))])
    return out


def concept_sample(store: Any, n: int = 300, seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    _total, items = store.graph.concepts(limit=100_000)
    ids = sorted(c["id"] for c in items)
    return rng.sample(ids, min(n, len(ids)))


def bench_graph(store: Any, repeat: int) -> dict[str, Any]:
    """Suggest and related as the API answers them (service.answers), in-process."""
    from service.answers import related_response, suggest_response

    prefixes = suggest_prefixes(store)
    ids = concept_sample(store)
    out: dict[str, Any] = {"prefixes": len(prefixes), "concepts": len(ids)}
    cases = [("suggest", prefixes, lambda p: suggest_response(store, {"q": p})),
             ("related d1", ids, lambda c: related_response(store, c, {"depth": "1"})),
             ("related d2", ids, lambda c: related_response(store, c, {"depth": "2"}))]
    for name, inputs, call in cases:
        cold, warm = [], []
        for round_ in range(repeat + 1):
            for x in inputs:
                t = time.perf_counter()
                call(x)
                (cold if round_ == 0 else warm).append((time.perf_counter() - t) * 1000)
        out[name] = _stats(warm)
        out[name + " cold"] = _stats(cold)
    return out
