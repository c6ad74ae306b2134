"""Forked worker processes that inherit what this process has loaded (the classifier).

Used by the ingest (:class:`inboxwatch.ingest.BatchBuilder`) and by ``inboxwatch classify``.
The workers are forked, so nothing is reloaded or pickled but the work and its results, and
only where that is safe: a POSIX system, and no other thread running (fork copies just the
calling thread, so another thread's locks could stay held in the child). Objects that exist
at the fork are frozen out of the garbage collector meanwhile, so that the workers'
collections do not write to (and so copy) the memory they share with this process. Workers
ignore Ctrl-C (the main process handles it) and leave when the main process dies.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

__all__ = ["fork_is_safe", "fork_pool"]

T = TypeVar("T")

_PARENT_CHECK_SECONDS = 1.0


def fork_is_safe() -> bool:
    """Whether forking workers from this process is possible and safe now."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def fork_pool(workers: int, adopt: Callable[[T], None], inherited: T) -> ProcessPoolExecutor:
    """*workers* forked processes, each of which has run ``adopt(inherited)`` (to keep what
    it inherited where its tasks find it). Check :func:`fork_is_safe` first."""
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_start_worker,
                                   initargs=(os.getpid(), adopt, inherited))
        # Under fork, every worker starts with the first submit: start them while frozen.
        pool.submit(os.getpid).result()
    finally:
        gc.unfreeze()
    return pool


def _start_worker(parent: int, adopt: Callable[[T], None], inherited: T) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    adopt(inherited)


def _exit_with_parent(parent: int) -> None:
    """A worker whose main process was killed has nobody to work for: it leaves too."""
    while os.getppid() == parent:
        threading.Event().wait(_PARENT_CHECK_SECONDS)
    os._exit(0)
