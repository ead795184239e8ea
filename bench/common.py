"""Small helpers: statistics, subprocess timing with rusage, the ``kg`` command."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.serving import kg_command  # noqa: F401 - bench modules run the real CLI through it

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
K8S_DOCS = SHARED / "corpora" / "k8s-docs"
NOTES = REPO / "data" / "notes"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Run:
    seconds: float
    returncode: int
    max_rss_mb: float  # the largest process of the tree (wait4's ru_maxrss)
    stderr: str


def run_timed(command: list[str], timeout: float, env: dict[str, str] | None = None,
                  cwd: Path | None = None) -> Run:
    """Wall time of one command and its peak RSS from wait4 (ru_maxrss: the largest
    process of its tree, since the command waits for its own children)."""
    start = time.perf_counter()
    err_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"kg-bench-{os.getpid()}.err"
    with open(err_path, "wb") as err_file:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err_file, env=env,
                                cwd=cwd, start_new_session=True)
        deadline = start + timeout
        status = rusage = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)
                pid, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = err_path.read_text("utf-8", "replace")
    err_path.unlink(missing_ok=True)
    if seconds > timeout:
        err = f"timed out after {timeout:.0f} s\n" + err
    return Run(seconds, proc.returncode, rusage.ru_maxrss / 1024, err)


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


def fmt(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"
