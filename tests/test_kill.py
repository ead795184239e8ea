"""``kill -9`` during an ingest: the running server keeps answering from the build it
has, the killed ingest leaves only a ``builds/.tmp-*`` folder, and the next ingest
succeeds, removes it, and the server moves to the new build."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.settings import DEFAULT_NOTES

from .conftest import K8S_DOCS, free_port, kg_command, start_server, stop_server, wait_healthy

TOPICS = ["Pod", "Deployment", "ReplicaSet", "Service", "ConfigMap", "Secret", "Node",
          "Namespace", "Ingress", "Volume", "StatefulSet", "DaemonSet", "Job", "CronJob"]


def generated_corpus(root: Path, count: int = 400) -> Path:
    """A few hundred notes, for machines without ../shared."""
    root.mkdir()
    for number in range(count):
        a, b, c = (TOPICS[(number + k) % len(TOPICS)] for k in (0, 3, 7))
        (root / f"note-{number:04}.md").write_text(
            f"# {a} notes {number}\n\nA {a} uses a {b}. A {b} manages a {c}.\n\n"
            f"## Details {number}\n\n" + f"- The {c} runs on a Node.\n" * 20
            + "\n```yaml\nkind: " + a + "\nmetadata:\n  name: x\n```\n")
    return root


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def builds_answered(url: str, times: int = 8) -> set[str]:
    """Builds named by several /healthz answers (each gunicorn worker has its own)."""
    return {get(url + "/healthz")["build"] for _ in range(times)}


def kg(*args: object, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*kg_command(), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def process_group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_kill_9_mid_ingest_keeps_the_old_build_and_the_next_ingest_cleans_up(tmp_path):
    corpus = K8S_DOCS if K8S_DOCS.is_dir() else generated_corpus(tmp_path / "corpus")
    store = tmp_path / "store"
    first = kg("ingest", DEFAULT_NOTES, "--store", store, "-q")
    assert first.returncode == 0, first.stderr
    old_build = (store / "current").resolve().name
    port = free_port()
    server = start_server(store, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process=server)
        assert builds_answered(url) == {old_build}
        before = get(url + "/api/search?q=deployment")
        assert before["total"] > 0

        # an ingest of the bigger corpus into the same store, killed once it is writing
        ingest = subprocess.Popen([*kg_command(), "ingest", str(corpus), "--store", str(store),
                                   "-q", "--workers", "1"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 300
        while not list((store / "builds").glob(".tmp-*")):
            assert ingest.poll() is None, f"ingest ended before writing: {ingest.communicate()}"
            assert time.monotonic() < deadline, "no builds/.tmp-* folder appeared"
            time.sleep(0.02)
        time.sleep(0.3)  # well into writing the build
        assert ingest.poll() is None, "the ingest finished before it could be killed"
        os.kill(ingest.pid, signal.SIGKILL)
        ingest.communicate(timeout=30)
        assert ingest.returncode == -signal.SIGKILL

        # nothing was published: the server answers from the old build, searches work
        assert (store / "current").resolve().name == old_build
        assert list((store / "builds").glob(".tmp-*")), "the half-written build is left over"
        time.sleep(1.5)  # past the server's once-a-second check for a new build
        assert builds_answered(url) == {old_build}
        after = get(url + "/api/search?q=deployment")
        assert after["total"] == before["total"]
        assert [r["id"] for r in after["results"]] == [r["id"] for r in before["results"]]
        assert get(url + "/api/concepts/pod/related")["related"]

        # the processes the ingest forked die with it
        assert process_group_gone(ingest.pid, timeout=15), "the killed ingest's group lives on"
        again = kg("ingest", corpus, "--store", store, "-q", "--workers", "1")
        assert again.returncode in (0, 3), again.stderr[-2000:]
        assert not list((store / "builds").glob(".tmp-*")), "leftover not removed"
        new_build = (store / "current").resolve().name
        assert new_build != old_build
        assert (store / "builds" / old_build).is_dir()  # the previous build is kept

        # every worker moves to the new build within about a second
        deadline = time.monotonic() + 15
        while builds_answered(url) != {new_build}:
            assert time.monotonic() < deadline, builds_answered(url)
            time.sleep(0.2)
        query = "pod" if corpus == K8S_DOCS else urllib.parse.quote("Pod notes")
        assert get(url + f"/api/search?q={query}")["total"] > 0
    finally:
        stop_server(server)


def test_a_second_ingest_while_one_runs_is_refused(tmp_path):
    """The lock: a concurrent ingest into the same store fails fast with the reason."""
    corpus = K8S_DOCS if K8S_DOCS.is_dir() else generated_corpus(tmp_path / "corpus")
    store = tmp_path / "store"
    running = subprocess.Popen([*kg_command(), "ingest", str(corpus), "--store", str(store),
                                "-q", "--workers", "1"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (store / ".lock").exists():
            assert running.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.2)
        if running.poll() is not None:
            pytest.skip("the first ingest ended before the second could start")
        second = kg("ingest", DEFAULT_NOTES, "--store", store, "-q", timeout=60)
        if running.poll() is not None:
            pytest.skip("the first ingest ended while the second ran")
        assert second.returncode == 1
        assert "another ingest is writing" in second.stderr
    finally:
        _, errors = running.communicate(timeout=600)
    assert running.returncode in (0, 3), errors


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_kill_9_takes_the_parser_workers_and_the_lock_with_it(tmp_path):
    """Orphaned parser workers used to hold the store's lock for ever."""
    corpus = generated_corpus(tmp_path / "corpus", count=600)
    store = tmp_path / "store"
    ingest = subprocess.Popen([*kg_command(), "ingest", str(corpus), "--store", str(store),
                               "-q", "--workers", "2"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(workers := children_of(ingest.pid)) < 2:
            assert ingest.poll() is None, "the ingest ended before its workers could be seen"
            assert time.monotonic() < deadline, "no worker processes appeared"
            time.sleep(0.01)
        os.kill(ingest.pid, signal.SIGKILL)
        ingest.wait(timeout=30)
        # the lock went with the process that took it: the next ingest runs at once
        again = kg("ingest", DEFAULT_NOTES, "--store", store, "-q", timeout=300)
        assert "another ingest" not in again.stderr
        assert again.returncode == 0, again.stderr[-2000:]
        assert process_group_gone(ingest.pid, timeout=10), [
            pid for pid in workers if Path(f"/proc/{pid}").exists()]
    finally:
        try:
            os.killpg(ingest.pid, signal.SIGKILL)  # whatever is left of that ingest
        except ProcessLookupError:
            pass
