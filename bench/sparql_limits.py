"""What the SPARQL and export limits cost and buy, on a real build.

    python -m bench.sparql_limits [--store DIR] [--code DIR] [--slow 4]

Builds ``../shared/corpora/k8s-docs`` into a temporary store unless ``--store`` is given,
then prints:

* **memory bomb**: a query whose ORDER BY over a cross product grows without bound, run
  by the query worker with the default memory cap: status, seconds, the worker's peak RSS;
* **/healthz while slow SPARQL runs**: ``kg serve`` with one worker process, ``--slow``
  queries that each run until KG_SPARQL_TIMEOUT (5 s), and /healthz probed meanwhile:
  median and worst latency, and how the slow queries were answered;
* **/api/export**: first and second request per format, and the server worker's RSS.

``--code DIR`` serves from another checkout (for a before/after on the same machine).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.serving import HOST, free_port, wait_healthy

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "k8s-docs"
MEMORY_BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"


def fetch(url: str, timeout: float = 600) -> tuple[int, float, dict[str, str]]:
    """(status, seconds, headers); an error's JSON code is added as header X-Code."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status, time.monotonic() - started, dict(response.headers)
    except urllib.error.HTTPError as exc:
        body = exc.read()
        headers = dict(exc.headers)
        try:
            headers["X-Code"] = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            pass
        return exc.code, time.monotonic() - started, headers


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(p) for p in text]
    return found


def memory_bomb(build: Path) -> None:
    from graph.backends import EmbeddedEngine, QueryError

    engine = EmbeddedEngine(build / "graph.nq", 30.0, 100, 512)
    engine.query("ASK {}", {"results": "json", "graph": None})
    loaded = rss_mb(engine.pid or 0)
    started = time.monotonic()
    try:
        engine.query(MEMORY_BOMB, {"results": "json", "graph": None})
        outcome = "answered"
    except QueryError as exc:
        outcome = f"{exc.kind}: {exc.message[:60]}…"
    seconds = time.monotonic() - started
    engine.close()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"memory bomb: {outcome} in {seconds:.2f} s; worker RSS {loaded:.0f} MB loaded, "
          f"peak of the query workers {peak:.0f} MB (cap: loaded address space + 512 MB)")


def serve(store: Path, code: Path, **env: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = dict(os.environ, PYTHONPATH=str(code), KG_WORKERS="1", **env)
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--host", HOST,
         "--port", str(port)], cwd=code, env=environment, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://{HOST}:{port}"
    wait_healthy(url, timeout=120, process=process)
    return process, url


def healthz_under_load(store: Path, code: Path, slow: int) -> None:
    process, url = serve(store, code, KG_SPARQL_TIMEOUT="5")
    try:
        fetch(f"{url}/sparql?query={urllib.parse.quote('ASK {}')}")
        with concurrent.futures.ThreadPoolExecutor(slow + 1) as pool:
            queries = [pool.submit(fetch, f"{url}/sparql?query={urllib.parse.quote(SLOW)}")
                       for _ in range(slow)]
            time.sleep(0.3)
            probes = []
            for _ in range(10):
                probes.append(fetch(f"{url}/healthz")[1])
                time.sleep(0.2)
            answers = [q.result() for q in queries]
    finally:
        process.terminate()
        process.wait(timeout=30)
    statuses = sorted(f"{status} {headers.get('X-Code', '')}"
                      f"{' +Retry-After' if 'Retry-After' in headers else ''}"
                      for status, _, headers in answers)
    print(f"/healthz with {slow} slow queries ({code.name}): median "
          f"{statistics.median(probes) * 1000:.0f} ms, worst {max(probes) * 1000:.0f} ms; "
          f"slow queries answered {statuses} after up to {max(a[1] for a in answers):.1f} s")


def exports(store: Path, code: Path) -> None:
    process, url = serve(store, code)
    try:
        worker = children(process.pid)[0]
        before = rss_mb(worker)
        for fmt in ("turtle", "json-ld"):
            first = fetch(f"{url}/api/export?format={fmt}")
            second = fetch(f"{url}/api/export?format={fmt}")
            print(f"/api/export?format={fmt} ({code.name}): {first[0]} in {first[1]:.1f} s, "
                  f"then {second[0]} in {second[1]:.2f} s; worker RSS {before:.0f} → "
                  f"{rss_mb(worker):.0f} MB")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--code", type=Path, default=REPO)
    parser.add_argument("--slow", type=int, default=4)
    parser.add_argument("--skip", nargs="*", default=[], choices=("memory", "healthz", "export"))
    args = parser.parse_args()
    store = args.store
    if store is None:
        store = Path(tempfile.mkdtemp(prefix="kg-bench-")) / "store"
        subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(DEFAULT_CORPUS),
                        "--store", str(store), "--quiet"], check=False, cwd=REPO)
    build = (store / "current").resolve()
    if "memory" not in args.skip:
        memory_bomb(build)
    if "healthz" not in args.skip:
        healthz_under_load(store, args.code.resolve(), args.slow)
    if "export" not in args.skip:
        exports(store, args.code.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
