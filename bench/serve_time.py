"""The real server (``kg serve``, gunicorn) on loopback: start-up, worker RSS, and
requests/s + latency under a load generator (wrk when installed, else a bounded
Python client: threads with keep-alive http.client connections)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import median, percentile
from tests.serving import free_port, kg_command


class Server:
    """``kg serve --store STORE`` on a free loopback port, stopped on exit."""

    def __init__(self, store: Path, workers: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        if workers:
            env["KG_WORKERS"] = str(workers)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [*kg_command(), "serve", "--store", str(store), "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            start_new_session=True)
        self.ready_s = self._wait_healthy()

    def _wait_healthy(self, timeout: float = 60.0) -> float:
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kg serve exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"kg serve not healthy after {timeout:.0f} s")

    def worker_rss_mb(self) -> list[float]:
        """VmRSS of each gunicorn worker (children of the master, which kg serve became)."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        out = []
        for child in children:
            try:
                status = Path(f"/proc/{child}/status").read_text()
            except OSError:
                continue
            m = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if m:
                out.append(int(m.group(1)) / 1024)
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def endpoint_paths(queries: list[dict[str, Any]], prefixes: list[str], concepts: list[str]
                   ) -> dict[str, list[str]]:
    quote = urllib.parse.quote
    return {
        "/healthz": ["/healthz"],
        "/api/search": [f"/api/search?q={quote(q['q'])}" for q in queries],
        "/api/suggest": [f"/api/suggest?q={quote(p)}" for p in prefixes],
        "/api/concepts/<id>/related": [f"/api/concepts/{quote(c, safe='')}/related"
                                       for c in concepts],
    }


# -- wrk ------------------------------------------------------------------------------
_LUA = """
local paths = {}
for line in io.lines(os.getenv("KG_BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, paths: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "paths.lua")
        script.write_text(_LUA)
        listing = Path(tmp, "paths.txt")
        listing.write_text("\n".join(paths) + "\n")
        threads = min(concurrency, 2)
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s",
             "--timeout", "5s", "--latency", "-s", str(script), url],
            capture_output=True, text=True, timeout=seconds + 30,
            env=dict(os.environ, KG_BENCH_PATHS=str(listing))).stdout
    pct = {m.group(1): _ms(m.group(2), m.group(3))
           for m in re.finditer(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    total = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(g) for g in sock.groups()) if sock else 0)
    return {"tool": "wrk", "requests": int(total.group(1)) if total else 0,
            "rps": float(rps.group(1)) if rps else float("nan"),
            "p50": pct.get("50", float("nan")), "p99": pct.get("99", float("nan")),
            "errors": errors, "raw_errors": (non2xx.group(0) if non2xx else "") +
            (" " + sock.group(0) if sock else "")}


# -- a bounded Python client ------------------------------------------------------------
def run_python(url: str, paths: list[str], concurrency: int, seconds: float,
               max_requests: int = 20000, timeout: float = 10.0) -> dict[str, Any]:
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    counter = iter(range(max_requests))

    def worker(offset: int) -> None:
        conn: http.client.HTTPConnection | None = None
        i = offset
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < stop_at and next(counter, None) is not None:
            path = paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                bad += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            mine.append((time.perf_counter() - t) * 1000)
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {"tool": "python", "requests": len(latencies) + errors[0],
            "rps": len(latencies) / elapsed, "p50": median(latencies),
            "p99": percentile(latencies, 99), "errors": errors[0], "raw_errors": ""}


def load(url: str, paths: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    if shutil.which("wrk") and not os.environ.get("KG_BENCH_PYTHON_CLIENT"):
        return run_wrk(url, paths, concurrency, seconds)
    return run_python(url, paths, concurrency, seconds)


def widget_view(url: str, search_paths: list[str]) -> dict[str, float]:
    """What a search box sees: each query once, one at a time on one connection, each
    followed by a ``/healthz``, so the difference of the medians is the search itself
    (on a server that has not seen the query) without HTTP's own cost."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    search: list[float] = []
    health: list[float] = []
    try:
        for path in search_paths:
            for target, into in ((path, search), ("/healthz", health)):
                t = time.perf_counter()
                conn.request("GET", target)
                response = conn.getresponse()
                response.read()
                into.append((time.perf_counter() - t) * 1000)
    finally:
        conn.close()
    return {"n": len(search), "search_p50": median(search), "healthz_p50": median(health)}


def bench_serve(store: Path, paths: dict[str, list[str]], repeat: int, seconds: float,
                concurrencies: tuple[int, ...] = (1, 16), log: Any = print) -> dict[str, Any]:
    """Start-up (repeat times), then one server under load: each endpoint at each
    concurrency, ``repeat`` runs of ``seconds`` each (median of each figure)."""
    ready = []
    for i in range(max(1, repeat)):
        log(f"serve: start-up {i + 1}/{max(1, repeat)}")
        with Server(store) as server:
            ready.append(server.ready_s)
            rss_start = server.worker_rss_mb()
    out: dict[str, Any] = {"ready_s": median(ready), "starts": len(ready),
                           "rss_start": rss_start, "cells": []}
    with Server(store) as server:
        start = time.perf_counter()
        with urllib.request.urlopen(server.url + paths["/api/search"][0], timeout=120) as resp:
            resp.read()
        out["first_search_s"] = time.perf_counter() - start
        out["widget"] = widget_view(server.url, paths["/api/search"][1:])
        for endpoint, urls in paths.items():
            # warm both workers (lazy loads, caches), as a server that has run a while is
            run_python(server.url, urls[:50], 2, 120.0, max_requests=50, timeout=120.0)
            for c in concurrencies:
                log(f"serve: {endpoint} c={c}")
                runs = [load(server.url, urls, c, seconds) for _ in range(max(1, repeat))]
                out["cells"].append({
                    "endpoint": endpoint, "c": c, "tool": runs[0]["tool"],
                    "requests": sum(r["requests"] for r in runs),
                    "rps": median([r["rps"] for r in runs]),
                    "p50": median([r["p50"] for r in runs]),
                    "p99": median([r["p99"] for r in runs]),
                    "errors": sum(r["errors"] for r in runs),
                    "raw_errors": "; ".join(r["raw_errors"] for r in runs if r["raw_errors"]),
                })
        out["rss_after"] = server.worker_rss_mb()
        out["workers"] = len(out["rss_after"])
    return out
