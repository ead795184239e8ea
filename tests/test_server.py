"""A real ``kg serve`` (gunicorn) on loopback, as a user runs it."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from .conftest import (
    FIXTURES,
    SEED_NOTES,
    free_port,
    kg_command,
    needs_shared,
    running_server,
    start_server,
    stop_server,
    wait_healthy,
)


def fetch(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory):
    needs_shared(SEED_NOTES)
    from .test_cli import kg

    store = tmp_path_factory.mktemp("served") / "seed-store"
    kg("ingest", SEED_NOTES, "--store", store, check_code=0)
    with running_server(store) as url:
        yield url


def test_acceptance_queries_on_the_users_notes(seed_server):
    status, path = fetch(seed_server + "/api/path?from=Deployment&to=Pod")
    assert status == 200
    assert [n["label"] for n in path["nodes"]] == ["Deployment", "ReplicaSet", "Pod"]
    assert path["edges"][0]["evidence"][0]["line"] == 76
    _, related = fetch(seed_server + "/api/concepts/replicaset/related")
    assert {"deployment", "pod"} <= {r["id"] for r in related["related"]}
    _, service = fetch(seed_server + "/api/concepts/Service/related?limit=50")
    assert {"coredns", "clusterip", "nodeport", "loadbalancer", "externalname"} <= {
        r["id"] for r in service["related"]}
    _, search = fetch(seed_server + "/api/search?q=" + quote("restart only on failure"))
    assert search["results"][0]["title"] == "spec.restartPolicy"
    _, svc = fetch(seed_server + "/api/concepts/svc")
    assert svc["id"] == "service"


def test_errors_over_http_are_json(seed_server):
    status, body = fetch(seed_server + "/api/concepts/nothing-like-this")
    assert status == 404 and body["error"]["code"] == "unknown_concept"
    status, body = fetch(seed_server + "/api/search?q=pod&limit=1000")
    assert status == 400 and body["error"]["code"] == "out_of_range"


def test_serve_builds_the_default_corpus_when_the_default_store_is_missing(tmp_path):
    with running_server(None, timeout=120, cwd=tmp_path, KG_STORE="") as url:
        status, health = fetch(url + "/healthz")
        assert status == 200 and health["counts"]["files"] >= 10
    assert (tmp_path / ".kg" / "current" / "manifest.json").exists()


def serve(*args: object, timeout: float = 60) -> subprocess.CompletedProcess:
    """``kg serve`` expected to stop before serving."""
    return subprocess.run([*kg_command(), "serve", "--port", str(free_port()), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def test_an_explicit_store_that_does_not_exist_is_an_error_and_not_created(tmp_path):
    result = serve("--store", tmp_path / "typo")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"kg: no store at {tmp_path / 'typo'}: build it with "
        f"`kg ingest NOTES --store {tmp_path / 'typo'}`"]
    assert not (tmp_path / "typo").exists()


def test_a_dangling_current_link_is_an_error_and_every_build_is_kept(tmp_path, notes_build):
    store = tmp_path / "store"
    shutil.copytree(notes_build[1].root, store, symlinks=True)
    build = (store / "current").resolve()
    (store / "current").unlink()
    (store / "current").symlink_to("builds/gone")
    before = sorted(p.name for p in (store / "builds").iterdir())
    result = serve("--store", store)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is broken" in result.stderr and "builds/gone" in result.stderr
    assert sorted(p.name for p in (store / "builds").iterdir()) == before
    # an ingest into it builds beside the intact build, and removes nothing finished
    from .test_cli import kg

    kg("ingest", FIXTURES / "outline", "--store", store, "-q", check_code=0)
    assert build.is_dir() and (store / "current").resolve() != build


def test_a_busy_port_fails_before_serving(tmp_path, notes_build):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([*kg_command(), "serve", "--store", notes_build[1].root,
                                 "--port", str(port)], capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 1
    assert "serving" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr


def test_access_log_only_when_asked_and_no_shared_control_socket(tmp_path, notes_build):
    logs = {}
    for options in ((), ("--access-log",)):
        port = free_port()
        process = start_server(notes_build[1].root, port, *options, HOME=str(tmp_path),
                               XDG_RUNTIME_DIR="")
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process=process)
            fetch(f"http://127.0.0.1:{port}/api/search?q=pod")
            time.sleep(0.5)
            logs[options] = process.log.read_text()
        finally:
            stop_server(process)
    assert "/api/search?q=pod" not in logs[()]
    assert "GET /api/search?q=pod" in logs[("--access-log",)]
    assert not (tmp_path / ".gunicorn").exists()  # gunicorn's per-user control socket


def test_slow_clients_do_not_stall_the_server(notes_build):
    """Slowloris: 50 connections trickling their headers or bodies used to take every
    worker thread (4 were enough); now /healthz answers while they are open, and each
    is dropped once it has taken longer than KG_HEADER_TIMEOUT over its request."""
    import threading

    with running_server(notes_build[1].root, KG_HEADER_TIMEOUT="6") as url:
        port = int(url.rsplit(":", 1)[1])
        slow = []
        for number in range(50):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            if number % 2:  # headers a byte at a time
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            else:  # a body a byte at a time
                sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             b"application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK")
            slow.append(sock)
        stop = threading.Event()

        def trickle() -> None:
            while not stop.wait(0.5):
                for sock in slow:
                    try:
                        sock.sendall(b"X")
                    except OSError:
                        pass

        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        try:
            time.sleep(1)
            took = []
            for _ in range(10):
                begin = time.monotonic()
                status, health = fetch(url + "/healthz")
                took.append(time.monotonic() - begin)
                assert status == 200 and health["status"] == "ok"
            # a behaviour bound, generous for a busy 2-core machine (typically ~5 ms)
            assert sorted(took)[len(took) // 2] < 1.0, took
            # past the header timeout the slow connections are closed by the server
            time.sleep(7)
            closed = 0
            for sock in slow:
                try:
                    sock.settimeout(5)
                    closed += sock.recv(1) == b""
                except OSError:
                    closed += 1
            assert closed == len(slow)
        finally:
            stop.set()
            trickler.join()
            for sock in slow:
                sock.close()
