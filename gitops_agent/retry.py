"""Retries with exponential backoff and full jitter, for transient Git and engine errors."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def backoff_delays(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> list[float]:
    """The sleeps between `attempts` tries: uniform(0, min(cap, base * 2**n)) ("full jitter")."""
    rng = rng or random.Random()
    return [rng.uniform(0, min(cap, base * 2**n)) for n in range(max(attempts - 1, 0))]


def retry(
    fn: Callable[[], T],
    *,
    transient: tuple[type[BaseException], ...],
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 30.0,
    stop: threading.Event | None = None,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Call `fn`; on a `transient` error sleep with backoff and try again, up to `attempts` times.

    A set `stop` event ends the waiting early and re-raises the last error.
    """
    delays = backoff_delays(attempts, base, cap)
    for attempt, delay in enumerate([*delays, None], start=1):
        try:
            return fn()
        except transient as exc:
            if delay is None or (stop is not None and stop.is_set()):
                raise
            if on_retry:
                on_retry(attempt, exc, delay)
            if stop is not None:
                if stop.wait(delay):
                    raise
            else:
                threading.Event().wait(delay)
    raise AssertionError("unreachable")
