"""Fail, instead of hanging, when a call takes too long (SIGALRM; main thread only)."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

T = TypeVar("T")


class TooSlow(AssertionError):
    """A call exceeded its time bound."""


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise TooSlow inside the block once *seconds* have passed (checked between bytecodes,
    so a single long C call is interrupted when it returns)."""

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise TooSlow(f"{what} took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bounded(func: Callable[[], T], seconds: float, what: str) -> tuple[T, float]:
    """Call *func* under a time limit; returns its result and the seconds it took."""
    started = time.perf_counter()
    with time_limit(seconds, what):
        result = func()
    return result, time.perf_counter() - started
