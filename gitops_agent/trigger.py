"""Wake-ups of the reconcile loop between polls: a push webhook, `POST /sync`, SIGHUP.

The loop waits on a SyncTrigger instead of sleeping: it returns at the interval (polling stays the
fallback), at once when a sync is requested, and within a fraction of a second of a stop request.
"""

from __future__ import annotations

import threading
import time

from gitops_agent.logs import log

__all__ = ["SyncTrigger"]


class SyncTrigger:
    """A wake-up flag with the reason of the last request (requests while a cycle runs coalesce)."""

    def __init__(self, *, stop_poll: float = 0.2) -> None:
        self._event = threading.Event()
        self._reason: str | None = None
        self._stop_poll = stop_poll

    def request(self, reason: str) -> None:
        """Ask for a sync now; safe from other threads and from a signal handler (no lock taken)."""
        self._reason = reason
        self._event.set()

    def wait(self, timeout: float, stop: threading.Event) -> str | None:
        """Sleep up to `timeout` seconds; the reason when woken by a request, None on timeout or stop."""
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if self._event.wait(min(left, self._stop_poll)):
                self._event.clear()  # a request after this line wakes the next wait: none is lost
                reason, self._reason = self._reason, None
                log("sync.requested", reason=reason)
                return reason or "requested"
        return None
