"""Forked worker processes that inherit what this process has loaded (the classifier).

:class:`WarmPool` is the one way to use them, for the ingest
(:class:`inboxwatch.ingest.pipeline.BatchBuilder`) and for ``inboxwatch classify``.
The workers are forked, so nothing is reloaded or pickled but the work and its results, and
only where that is safe: a POSIX system, and no other thread running (fork copies just the
calling thread, so another thread's locks could stay held in the child). Objects that exist
at the fork are frozen out of the garbage collector meanwhile, so that the workers'
collections do not write to (and so copy) the memory they share with this process. Workers
ignore Ctrl-C (the main process handles it) and leave when the main process dies.

A pool owns what its workers inherit (their *state*: the ingest context, the classifier) in
each worker's adopt slot, and its crash fallback: when a worker dies, the pool closes, logs
one warning and tells the caller to do the work in this process, so a crash costs speed,
not results.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

__all__ = ["WarmPool", "fork_is_safe", "fork_pool"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
S = TypeVar("S")
A = TypeVar("A")
R = TypeVar("R")

_PARENT_CHECK_SECONDS = 1.0


def fork_is_safe() -> bool:
    """Whether forking workers from this process is possible and safe now."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def fork_pool(workers: int, adopt: Callable[[T], None], inherited: T) -> ProcessPoolExecutor:
    """*workers* forked processes, each of which has run ``adopt(inherited)`` (to keep what
    it inherited where its tasks find it). Check :func:`fork_is_safe` first."""
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(os.getpid(), adopt, inherited),
        )
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


_adopted: list[Any] = []  # in a worker: the state its pool gave it


def _adopt(state: object) -> None:
    _adopted[:] = [state]


def _run_adopted(task: Callable[[Any, A], R], piece: A) -> R:
    return task(_adopted[0], piece)


class WarmPool(Generic[S]):
    """Forked workers that stay warm for a whole run, each holding a copy of *state*.

    Until :meth:`start` forks them (and after a worker died) the pool is not ``running``:
    :meth:`submit` and :meth:`gather` then answer None, and the caller does the work in this
    process. *what* names the work in the warning logged when a worker dies.
    """

    def __init__(self, state: S, what: str) -> None:
        self.state = state
        self._what = what
        self._executor: ProcessPoolExecutor | None = None

    @property
    def running(self) -> bool:
        """Whether work goes to the workers."""
        return self._executor is not None

    def start(self, workers: int) -> None:
        """Fork *workers* processes, if that is possible and safe and not done yet."""
        if self._executor is None and workers >= 2 and fork_is_safe():
            self._executor = fork_pool(workers, _adopt, self.state)

    def submit(self, task: Callable[[S, A], R], pieces: Sequence[A]) -> list[Future[R]] | None:
        """Start ``task(state, piece)`` on the workers for every piece (*task* must be a
        module-level function); None when the work must be done here."""
        if self._executor is None:
            return None
        try:
            return [self._executor.submit(_run_adopted, task, piece) for piece in pieces]
        except BrokenProcessPool:
            self._fall_back()
            return None

    def gather(self, futures: Sequence[Future[R]]) -> list[R] | None:
        """The results of *futures*, in order; None when a worker died (the work must be
        done again here)."""
        try:
            return [future.result() for future in futures]
        except BrokenProcessPool:
            self._fall_back()
            return None

    def _fall_back(self) -> None:
        if self._executor is not None:
            logger.warning("a %s worker process died; continuing in the main process", self._what)
            self.close()

    def close(self) -> None:
        """Stop the workers (waiting for them, dropping work not started)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests that kill one)."""
        executor = self._executor
        return [] if executor is None else list(executor._processes)
