"""Load while the store is swapped: no request may fail while a re-ingest publishes a build.

    python -m bench.load_swap --seconds 60 --concurrency 32 [--corpus DIR] [--reingests 2]

Builds a store from the corpus (default ``../shared/corpora/k8s-docs``) in a temporary
folder, starts ``kg serve`` (gunicorn) on a free loopback port, and drives
``/api/search``, ``/api/suggest`` and ``/api/concepts/<id>/related`` from
``--concurrency`` threads, each with its own keep-alive ``http.client`` connection, for
``--seconds``. Meanwhile ``kg ingest --force`` of the same corpus runs in a subprocess
(``--reingests`` times, spread over the run), so the server moves to new builds under
load. Prints throughput, p50/p99 per endpoint, the builds served and the number of
failed requests (non-2xx or connection errors), which must be 0: the exit code is 1
otherwise. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.serving import HOST, free_port, kg_command, start_server, stop_server, wait_healthy

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "k8s-docs"
ENDPOINTS = ("search", "suggest", "related")


def ingest(corpus: Path, store: Path, *, force: bool = False,
           timeout: float = 900) -> subprocess.CompletedProcess:
    command = [*kg_command(), "ingest", str(corpus), "--store", str(store), "-q"]
    if force:
        command.append("--force")
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode not in (0, 3):
        raise RuntimeError(f"kg ingest failed ({result.returncode}): {result.stderr[-2000:]}")
    return result


def get_json(port: int, path: str, timeout: float = 10.0) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body else None
    finally:
        connection.close()


def request_paths(port: int, count: int = 400, seed: int = 7) -> dict[str, list[str]]:
    """Realistic requests from the served store: words and prefixes of concept labels,
    and concept ids for related."""
    status, body = get_json(port, "/api/concepts?limit=1000")
    if status != 200 or not body["concepts"]:
        raise RuntimeError(f"/api/concepts answered {status}")
    concepts = body["concepts"]
    rng = random.Random(seed)
    quote = urllib.parse.quote
    paths: dict[str, list[str]] = {name: [] for name in ENDPOINTS}
    for _ in range(count):
        concept = rng.choice(concepts)
        label = concept["label"]
        word = rng.choice(label.split() or [label])
        paths["search"].append(f"/api/search?q={quote(label)}&limit=10")
        paths["suggest"].append(f"/api/suggest?q={quote(word[:max(2, len(word) // 2)])}")
        paths["related"].append(f"/api/concepts/{quote(concept['id'], safe='')}/related")
    return paths


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {n: [] for n in ENDPOINTS})
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, seconds: float) -> None:
        with self.lock:
            self.latencies[endpoint].append(seconds)

    def fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)


def _client(port: int, paths: dict[str, list[str]], stop: threading.Event, stats: Stats,
            seed: int) -> None:
    rng = random.Random(seed)
    connection: http.client.HTTPConnection | None = None
    while not stop.is_set():
        endpoint = rng.choice(ENDPOINTS)
        path = rng.choice(paths[endpoint])
        if connection is None:
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        start = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            if 200 <= response.status < 300:
                stats.record(endpoint, elapsed)
            else:
                stats.fail(f"{response.status} {path}")
            if response.will_close:
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as exc:
            stats.fail(f"{type(exc).__name__}: {exc} {path}")
            connection.close()
            connection = None
    if connection is not None:
        connection.close()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_load(store: Path, corpus: Path, *, seconds: float, concurrency: int,
             reingests: int = 2, workers: int | None = None,
             log=print) -> dict[str, Any]:  # noqa: ANN001
    """Serve ``store`` (already built from ``corpus``), drive it, re-ingest during the
    run; returns the measurements."""
    port = free_port()
    server = start_server(store, port, **({"KG_WORKERS": str(workers)} if workers else {}))
    try:
        first = wait_healthy(f"http://{HOST}:{port}", process=server)
        paths = request_paths(port)
        builds = [first["build"]]
        stop = threading.Event()
        stats = Stats()
        threads = [threading.Thread(target=_client, args=(port, paths, stop, stats, n),
                                    daemon=True) for n in range(concurrency)]
        ingests: list[dict[str, Any]] = []

        def reingest() -> None:
            for number in range(reingests):
                # spread over the run: start at 15 % (and, for two, at 55 %) of it
                at = started + seconds * (0.15 + 0.4 * number / max(reingests - 1, 1))
                while time.monotonic() < at and not stop.is_set():
                    time.sleep(0.05)
                if stop.is_set():
                    return
                begin = time.monotonic()
                try:
                    ingest(corpus, store, force=True)
                    ingests.append({"seconds": round(time.monotonic() - begin, 1),
                                    "ok": True})
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    ingests.append({"ok": False, "error": str(exc)[:300]})

        def watch() -> None:
            while not stop.is_set():
                try:
                    status, body = get_json(port, "/healthz", timeout=5)
                    # workers move to a new build independently (each within ~1 s),
                    # so one may still answer from the previous build for a moment
                    if status == 200 and body["build"] not in builds:
                        builds.append(body["build"])
                except (OSError, http.client.HTTPException, ValueError):
                    pass  # counted by the clients, not here
                stop.wait(0.25)

        started = time.monotonic()
        for thread in threads:
            thread.start()
        helpers = [threading.Thread(target=reingest, daemon=True),
                   threading.Thread(target=watch, daemon=True)]
        for thread in helpers:
            thread.start()
        time.sleep(seconds)
        # a re-ingest still running ends the run only when it has finished
        helpers[0].join(timeout=900)
        time.sleep(1.5)  # the server notices a build within ~1 s
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        helpers[1].join(timeout=10)
        elapsed = time.monotonic() - started
    finally:
        stop_server(server)
    total = sum(len(v) for v in stats.latencies.values())
    return {
        "seconds": round(elapsed, 1),
        "concurrency": concurrency,
        "requests": total + len(stats.failures),
        "throughput": round(total / elapsed, 1),
        "endpoints": {name: {"requests": len(values),
                             "p50_ms": round(percentile(values, 0.50) * 1000, 1),
                             "p99_ms": round(percentile(values, 0.99) * 1000, 1)}
                      for name, values in stats.latencies.items()},
        "failed": len(stats.failures),
        "failures": stats.failures[:20],
        "ingests": ingests,
        "builds": builds,
    }


def report(result: dict[str, Any]) -> str:
    lines = [f"load_swap: {result['seconds']} s, concurrency {result['concurrency']}, "
             f"{result['requests']} requests, {result['throughput']} req/s",
             f"{'endpoint':<10} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8}"]
    for name, row in result["endpoints"].items():
        lines.append(f"{name:<10} {row['requests']:>9} {row['p50_ms']:>8} {row['p99_ms']:>8}")
    lines.append("re-ingests: " + ", ".join(
        f"{i['seconds']} s" if i["ok"] else f"FAILED ({i['error']})" for i in result["ingests"]))
    lines.append(f"builds served: {len(result['builds'])} ({' -> '.join(result['builds'])})")
    lines.append(f"failed requests: {result['failed']}")
    lines.extend(f"  {failure}" for failure in result["failures"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_swap", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--reingests", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: kg serve's, KG_WORKERS)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"load_swap: skipped: corpus {args.corpus} is absent (give --corpus DIR)")
        return 0
    with tempfile.TemporaryDirectory(prefix="kg-load-") as tmp:
        store = Path(tmp) / "store"
        begin = time.monotonic()
        ingest(args.corpus, store)
        print(f"load_swap: built {store} from {args.corpus} in "
              f"{time.monotonic() - begin:.1f} s", flush=True)
        result = run_load(store, args.corpus, seconds=args.seconds,
                          concurrency=args.concurrency, reingests=args.reingests,
                          workers=args.workers)
    print(json.dumps(result, indent=1) if args.json else report(result))
    return 0 if result["failed"] == 0 and all(i["ok"] for i in result["ingests"]) else 1


if __name__ == "__main__":
    sys.exit(main())
