"""Worker processes, started one way: forked where the system can fork (they start at
once, with the code and whatever they read already in memory, nothing pickled), and
ending with the process that started them.

A worker left behind by a ``kill -9``'d ingest would wait for work for ever, holding
what it inherited (and, for a store writer, writing into a build nobody publishes):
Linux's PR_SET_PDEATHSIG ends it with its parent. Elsewhere nothing is set up, and
pool workers end at their next job.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import ForkContext
from multiprocessing.process import BaseProcess
from typing import Any

_PR_SET_PDEATHSIG = 1


def fork_context() -> ForkContext | None:
    """multiprocessing's fork context where there is fork, else None (the default)."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def die_with_parent(parent: int) -> None:
    """Make this (forked) process end when ``parent`` does."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call above took effect
        os._exit(1)


def _start_worker(parent: int, initializer: Callable[..., None] | None, args: tuple) -> None:
    die_with_parent(parent)
    if initializer is not None:
        initializer(*args)


def worker_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A pool of ``workers`` forked processes that die with this one;
    ``initializer(*initargs)`` runs in each as it starts (forked: inherited, not
    pickled)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=fork_context(),
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
    )


def start_child(target: Callable[..., None], *args: Any) -> BaseProcess:
    """``target(*args)`` in a forked child process that dies with this one; started."""
    context = fork_context()
    kind = context.Process if context is not None else multiprocessing.Process
    process = kind(target=_run_child, args=(os.getpid(), target, *args), daemon=True)
    process.start()
    return process


def _run_child(parent: int, target: Callable[..., None], *args: Any) -> None:
    die_with_parent(parent)
    target(*args)
