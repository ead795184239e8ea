"""Running ``kg`` as a user does, from Python: the tests' end-to-end checks, the
benchmark and the load script all start servers and ingests the same way, through here."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


def kg_command() -> list[str]:
    """The installed ``kg`` entry point (the real CLI), else ``python -m kg.cli``."""
    exe = shutil.which("kg", path=str(Path(sys.executable).parent)) or shutil.which("kg")
    return [exe] if exe else [sys.executable, "-m", "kg.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(
    store: Path | None, port: int, *options: str, cwd: Path | None = None, **env: str
) -> subprocess.Popen:
    """``kg serve`` in the background on loopback, with more ``options`` if given
    (without ``--store`` when ``store`` is None); its log goes to a temporary file
    (``process.log``), removed by ``stop_server``."""
    environment = dict(os.environ, **env)
    log = tempfile.NamedTemporaryFile(prefix="kg-serve-", suffix=".log", delete=False)  # noqa: SIM115
    where = ["--store", str(store)] if store is not None else []
    process = subprocess.Popen(
        [*kg_command(), "serve", *where, "--host", HOST, "--port", str(port), *options],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
        start_new_session=True,
        cwd=cwd,
    )
    process.log = Path(log.name)  # type: ignore[attr-defined]  # the log travels with it
    log.close()
    return process


def stop_server(process: subprocess.Popen, timeout: float = 15.0) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log = getattr(process, "log", None)
    if log is not None:
        log.unlink(missing_ok=True)


def wait_healthy(
    url: str, timeout: float = 60.0, process: subprocess.Popen | None = None
) -> dict[str, Any]:
    """The first ``/healthz`` answer of the server at ``url``; raises with the server's
    log if it exits or does not answer in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            log = getattr(process, "log", None)
            output = log.read_text()[-2000:] if log is not None and log.exists() else ""
            raise RuntimeError(f"kg serve exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return json.loads(response.read())
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy in {timeout} s")


@contextmanager
def running_server(
    store: Path | None, *options: str, timeout: float = 60.0, cwd: Path | None = None, **env: str
) -> Iterator[str]:
    """``kg serve`` over ``store`` for the length of a ``with`` block; yields its URL."""
    port = free_port()
    process = start_server(store, port, *options, cwd=cwd, **env)
    url = f"http://{HOST}:{port}"
    try:
        wait_healthy(url, timeout=timeout, process=process)
        yield url
    finally:
        stop_server(process)
