"""Data the journal stores and returns: stack states, history rows, leases, suspensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["Action", "HistoryEntry", "Lease", "StackState", "Status", "Suspension", "now_iso"]

Status = Literal["pending", "applying", "applied", "blocked", "failed", "drifted"]
Action = Literal["applied", "unchanged", "blocked", "failed", "drifted", "remediated", "suspended", "resumed"]


class Suspension(BaseModel):
    """Who suspended a stack, when and why (a suspended stack is reported, never applied)."""

    by: str
    at: str
    reason: str = ""


class StackState(BaseModel):
    """The journal's row for one (project, env). `revision`/`plan_digest` are those last applied."""

    project: str
    env: str
    status: Status
    revision: str | None = None
    seen_revision: str | None = None
    plan_digest: str | None = None
    outputs: dict[str, Any] = Field(default_factory=dict)
    resources: dict[str, str] = Field(default_factory=dict, description="URN -> digest, last applied")
    updated_at: str
    message: str = ""
    suspended: Suspension | None = None

    def contract(self) -> dict[str, Any]:
        """The `gitops status --format json` shape (`suspended` is null or who/when/why)."""
        data = self.model_dump(
            include={"project", "env", "status", "revision", "plan_digest", "updated_at", "message"}
        )
        data["suspended"] = self.suspended.model_dump() if self.suspended else None
        return data


class HistoryEntry(BaseModel):
    """One audit-log row: what the agent did to a stack at a revision, and why.

    `id`, `prev_digest` and `digest` are set by the journal when the row is appended (hash chain).
    """

    project: str
    env: str
    revision: str
    action: Action
    plan_digest: str | None = None
    at: str = ""
    author: str = ""
    subject: str = ""
    summary: str = ""
    id: int | None = None
    prev_digest: str = ""
    digest: str = ""

    def contract(self) -> dict[str, Any]:
        """The `gitops history --format json` shape."""
        return self.model_dump(
            include={"project", "env", "revision", "action", "plan_digest", "at", "author", "summary"}
        )


@dataclass(frozen=True)
class Lease:
    """A held per-stack lease. `token` (the fencing token) grows by one at each new holder of the stack;
    the journal refuses a write made under a token that is no longer the stack's current one."""

    project: str
    env: str
    owner: str
    token: int


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")
