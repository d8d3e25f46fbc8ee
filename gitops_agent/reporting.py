"""Reporting stack outcomes back: deliveries (commit statuses, JSON notifications) sent by a background
worker with retries, so a slow or failing endpoint never delays a sync.

A delivery that still fails after its retries is logged (one line naming its kind and host, never a
token or a full notify URL) and counted in `gitops_report_failures_total{kind}`; it is never fatal.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from gitops_agent.logs import log
from gitops_agent.retry import retry

__all__ = [
    "Delivery",
    "DeliveryError",
    "Outcome",
    "Post",
    "ReportQueue",
    "Reporter",
    "TransientDeliveryError",
    "post_json",
    "safe_target",
]


class DeliveryError(Exception):
    """A report could not be delivered (permanent: a 4xx answer)."""


class TransientDeliveryError(DeliveryError):
    """A report could not be delivered for a reason worth retrying (5xx, 429, timeout, refused)."""


@dataclass(frozen=True)
class Delivery:
    """One HTTP POST of a JSON payload; `kind` labels the metric (`commit_status`, `notify`)."""

    kind: str
    url: str
    payload: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


class Post(Protocol):
    """Sends one delivery; raises DeliveryError (TransientDeliveryError when worth retrying)."""

    def __call__(self, delivery: Delivery, timeout: float) -> None: ...


def safe_target(url: str) -> str:
    """What logs may name of a URL: scheme, host and port (a notify URL's path can be its secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def post_json(delivery: Delivery, timeout: float) -> None:
    """POST the payload as JSON with urllib; 2xx is success."""
    data = json.dumps(dict(delivery.payload)).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "gitops-agent", **delivery.headers}
    request = urllib.request.Request(delivery.url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        kind = TransientDeliveryError if exc.code >= 500 or exc.code == 429 else DeliveryError
        raise kind(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransientDeliveryError(f"{type(reason).__name__}: {reason}") from None


class ReportQueue:
    """A daemon worker thread that sends deliveries in order, retrying transient errors with backoff."""

    def __init__(
        self,
        *,
        post: Post = post_json,
        on_failure: Callable[[str], None] | None = None,
        on_success: Callable[[str], None] | None = None,
        attempts: int = 4,
        base: float = 0.5,
        timeout: float = 10.0,
    ) -> None:
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._post, self._on_failure, self._on_success = post, on_failure, on_success
        self._attempts, self._base, self._timeout = attempts, base, timeout
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._work, name="gitops-reports", daemon=True)
        self._thread.start()

    def submit(self, delivery: Delivery) -> None:
        """Queue a delivery; returns at once."""
        self._queue.put(delivery)

    def close(self, timeout: float = 10.0) -> bool:
        """Send what is queued (waiting up to `timeout` seconds), then stop; True when all were sent."""
        deadline = time.monotonic() + timeout
        self._queue.put(None)
        self._thread.join(max(deadline - time.monotonic(), 0))
        if self._thread.is_alive():
            self._closing.set()  # stop retrying; the daemon thread dies with the process
            return False
        return True

    def _work(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            self._send(delivery)

    def _send(self, delivery: Delivery) -> None:
        target = safe_target(delivery.url)
        try:
            retry(
                lambda: self._post(delivery, self._timeout),
                transient=(TransientDeliveryError,),
                attempts=self._attempts,
                base=self._base,
                cap=30.0,
                stop=self._closing,
                on_retry=lambda n, exc, d: log(
                    "report.retry", "warning", kind=delivery.kind, target=target, attempt=n, error=str(exc)
                ),
            )
        except Exception as exc:
            error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            log("report.failed", "error", kind=delivery.kind, target=target, error=error)
            if self._on_failure:
                self._on_failure(delivery.kind)
            return
        if self._on_success:
            self._on_success(delivery.kind)


@dataclass(frozen=True)
class Outcome:
    """One stack's outcome at one revision, as reported."""

    project: str
    env: str
    revision: str
    action: str
    summary: str


DeliveriesFor = Callable[[Outcome], Sequence[Delivery]]


class Reporter:
    """Turns outcomes into deliveries (one builder per sink) and queues them; never raises."""

    def __init__(self, sinks: Sequence[DeliveriesFor], reports: ReportQueue) -> None:
        self.sinks = list(sinks)
        self.queue = reports

    def report(self, outcome: Outcome) -> None:
        """Queue every sink's deliveries for `outcome`."""
        for sink in self.sinks:
            try:
                for delivery in sink(outcome):
                    self.queue.submit(delivery)
            except Exception as exc:  # a report must never break a sync
                log("report.error", "error", project=outcome.project, error=f"{type(exc).__name__}: {exc}")

    def close(self, timeout: float = 10.0) -> bool:
        """Flush the queue (see ReportQueue.close)."""
        return self.queue.close(timeout)
