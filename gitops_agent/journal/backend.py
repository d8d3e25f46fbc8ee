"""The one interface every journal backend (SQLite, PostgreSQL) implements."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from gitops_agent.journal.chain import ChainReport
from gitops_agent.journal.models import HistoryEntry, Lease, StackState, Status

__all__ = ["JournalBackend"]


@runtime_checkable
class JournalBackend(Protocol):
    """Per-stack status, leases with fencing tokens, a hash-chained append-only history, agent-wide
    metadata and suspensions. Every write is one transaction; a write given a `lease` is refused
    (LeaseLost) unless that lease is still the stack's current one."""

    display: str  # where the journal is, credentials masked

    def get(self, project: str, env: str) -> StackState | None:
        """The state of one stack, or None if the agent never saw it."""
        ...

    def states(self) -> list[StackState]:
        """All stack states, ordered by project then env."""
        ...

    def transition(
        self,
        project: str,
        env: str,
        status: Status,
        *,
        message: str = "",
        seen_revision: str | None = None,
        applied_revision: str | None = None,
        plan_digest: str | None = None,
        outputs: dict[str, Any] | None = None,
        resources: dict[str, str] | None = None,
        history: HistoryEntry | None = None,
        lease: Lease | None = None,
    ) -> StackState:
        """Move a stack to `status` and append `history` (if any) in one transaction."""
        ...

    def append_history(self, entry: HistoryEntry, *, lease: Lease | None = None) -> HistoryEntry:
        """Append one audit row (chained) without changing the stack's status."""
        ...

    def history(self, project: str | None = None) -> list[HistoryEntry]:
        """The audit log, oldest first, optionally for one project."""
        ...

    def verify(self) -> ChainReport:
        """Check the whole history chain (and, for SQLite, the state directory's marker)."""
        ...

    def acquire_lease(self, project: str, env: str, owner: str, ttl: float) -> Lease | None:
        """Take the stack's lease if free, expired or already ours; None when another holds it."""
        ...

    def renew_lease(self, lease: Lease, ttl: float) -> bool:
        """Extend a lease that is still current; False when it expired or changed hands."""
        ...

    def release_lease(self, lease: Lease) -> None:
        """Give the lease up (a no-op when it is no longer ours)."""
        ...

    def break_lease(self, project: str, env: str, owner: str) -> None:
        """Drop the lease of `owner` (a dead agent); the next holder gets a higher token."""
        ...

    def lease_holder(self, project: str, env: str) -> str | None:
        """Who holds a live lease on the stack, if anyone."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A small agent-wide value (e.g. the last seen head of a branch)."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Store an agent-wide value."""
        ...

    def suspend(self, project: str, env: str, by: str, reason: str = "") -> HistoryEntry | None:
        """Suspend a stack (history row `suspended`); None when it already was."""
        ...

    def resume(self, project: str, env: str, by: str, reason: str = "") -> HistoryEntry | None:
        """Make a suspended stack eligible again (history row `resumed`); None when it was not."""
        ...

    def ping(self) -> bool:
        """True when the journal answers right now (for /readyz)."""
        ...

    def close(self) -> None:
        """Close this thread's connection."""
        ...
