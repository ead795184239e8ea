"""The benchmark suite (``python -m bench``) runs end to end in its quick mode on
data/notes, so it cannot rot. Nothing here is timed: only that every stage produced
its rows."""

from __future__ import annotations

import os
import subprocess
import sys

from kg.settings import REPO_ROOT


def test_bench_quick_mode_produces_every_row(tmp_path):
    out = tmp_path / "results.md"
    env = dict(os.environ, KG_BENCH_PYTHON_CLIENT="1")  # no wrk needed
    env.pop("KG_STORE", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--seconds", "0.5", "--out", str(out),
         "--work", str(tmp_path / "work")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = out.read_text()
    for row in ("full `kg ingest` 1×", "markdown-it floor", "one note changed",
                "nothing changed", "search p50", "hit@3", "suggest", "related d1",
                "related d2", "`kg serve` ready", "RSS per worker", "| /api/search | 16 |",
                "| /api/suggest | 1 |", "| /api/concepts/<id>/related | 16 |", "| /healthz | 1 |"):
        assert row in table, f"missing {row!r} in\n{table}"
    assert "(python;" in table  # the bounded Python client ran


def test_bench_skips_with_a_reason_when_the_corpus_is_absent(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--corpus", str(tmp_path / "absent"), "--out", "-"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0
    assert "skipped" in done.stdout and "absent" in done.stdout
