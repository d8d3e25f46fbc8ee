"""Generic JSON notifications (`--notify URL`, repeatable): one POST per stack outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from gitops_agent.reporting import Delivery, Outcome

__all__ = ["Notification", "Notifier"]


class Notification(BaseModel):
    """The notification payload (a stable contract for receivers)."""

    project: str
    env: str
    revision: str
    outcome: str
    summary: str
    at: str


@dataclass(frozen=True)
class Notifier:
    """A sink: the same notification POSTed to every URL."""

    urls: tuple[str, ...]

    def __call__(self, outcome: Outcome) -> Sequence[Delivery]:
        note = Notification(
            project=outcome.project,
            env=outcome.env,
            revision=outcome.revision,
            outcome=outcome.action,
            summary=outcome.summary,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        payload = note.model_dump()
        return [Delivery(kind="notify", url=url, payload=payload) for url in self.urls]
