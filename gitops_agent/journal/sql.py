"""The journal's logic in SQL common to SQLite and PostgreSQL; backends supply connections,
the clock, the history append lock and the error mapping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from gitops_agent.journal.chain import GENESIS, ChainReport, row_digest, verify_chain
from gitops_agent.journal.errors import LeaseLost
from gitops_agent.journal.models import HistoryEntry, Lease, StackState, Status, Suspension, now_iso

__all__ = ["CURRENT_VERSION", "SqlJournal", "Tx"]

CURRENT_VERSION = 2

_HISTORY_COLUMNS = (
    "id, project, env, revision, action, plan_digest, at, author, subject, summary, prev_digest, digest"
)
_STATE_QUERY = (
    "SELECT s.*, u.suspended_by, u.suspended_at, u.reason AS suspended_reason FROM stacks s"
    " LEFT JOIN suspensions u ON u.project = s.project AND u.env = s.env"
)


class Tx(Protocol):
    """A cursor inside one transaction (or one read); SQL uses `?` placeholders."""

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """The first row, or None."""
        ...

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Every row."""
        ...

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Execute; the number of rows changed."""
        ...


class SqlJournal:
    """Everything but connections. Subclasses implement the hooks below."""

    display: str = ""
    for_update: str = ""  # " FOR UPDATE" where the database locks selected rows

    # --- hooks ----------------------------------------------------------------------------------
    def _transaction(self) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def _now(self, tx: Tx) -> float:
        """Seconds since the epoch, by the clock every agent of this journal shares."""
        raise NotImplementedError

    def _lock_history(self, tx: Tx) -> None:
        """Serialise history appends (each needs the previous row's digest)."""

    def _appended(self, entry: HistoryEntry) -> None:
        """Called after a transaction that appended `entry` committed."""

    # --- status ---------------------------------------------------------------------------------
    def get(self, project: str, env: str) -> StackState | None:
        """The state of one stack, or None if the agent never saw it."""
        with self._reading() as tx:
            row = tx.one(_STATE_QUERY + " WHERE s.project=? AND s.env=?", (project, env))
        return _state(row) if row else None

    def states(self) -> list[StackState]:
        """All stack states, ordered by project then env."""
        with self._reading() as tx:
            rows = tx.all(_STATE_QUERY + " ORDER BY s.project, s.env")
        return [_state(r) for r in rows]

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
        """Move a stack to `status` and append `history` (if any) in one transaction.

        `applied_revision`/`plan_digest`/`outputs` are only replaced when given (an apply succeeded).
        """
        at = now_iso()
        appended = None
        with self._transaction() as tx:
            if lease is not None:
                self._check_fence(tx, lease)
            row = tx.one(_STATE_QUERY + " WHERE s.project=? AND s.env=?", (project, env))
            old = _state(row) if row else None
            new = StackState(
                project=project,
                env=env,
                status=status,
                revision=applied_revision or (old.revision if old else None),
                seen_revision=seen_revision or (old.seen_revision if old else None),
                plan_digest=plan_digest or (old.plan_digest if old else None),
                outputs=outputs if outputs is not None else (old.outputs if old else {}),
                resources=resources if resources is not None else (old.resources if old else {}),
                updated_at=at,
                message=message,
                suspended=old.suspended if old else None,
            )
            tx.run(
                "INSERT INTO stacks (project, env, status, revision, seen_revision, plan_digest,"
                " outputs, resources, updated_at, message) VALUES (?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (project, env) DO UPDATE SET status=excluded.status,"
                " revision=excluded.revision, seen_revision=excluded.seen_revision,"
                " plan_digest=excluded.plan_digest, outputs=excluded.outputs,"
                " resources=excluded.resources, updated_at=excluded.updated_at, message=excluded.message",
                (
                    project,
                    env,
                    status,
                    new.revision,
                    new.seen_revision,
                    new.plan_digest,
                    json.dumps(new.outputs, sort_keys=True, default=str),
                    json.dumps(new.resources, sort_keys=True),
                    at,
                    message,
                ),
            )
            if history is not None:
                appended = self._append(tx, history.model_copy(update={"at": history.at or at}))
        if appended is not None:
            self._appended(appended)
        return new

    # --- history --------------------------------------------------------------------------------
    def append_history(self, entry: HistoryEntry, *, lease: Lease | None = None) -> HistoryEntry:
        """Append one audit row without changing the stack's status."""
        with self._transaction() as tx:
            if lease is not None:
                self._check_fence(tx, lease)
            appended = self._append(tx, entry.model_copy(update={"at": entry.at or now_iso()}))
        self._appended(appended)
        return appended

    def history(self, project: str | None = None) -> list[HistoryEntry]:
        """The audit log, oldest first, optionally for one project."""
        query = f"SELECT {_HISTORY_COLUMNS} FROM history"
        params: tuple[str, ...] = ()
        if project:
            query, params = query + " WHERE project=?", (project,)
        with self._reading() as tx:
            rows = tx.all(query + " ORDER BY id", params)
        return [HistoryEntry(**r) for r in rows]

    def verify(self) -> ChainReport:
        """Check every link of the history chain."""
        return verify_chain(self.history())

    def _append(self, tx: Tx, entry: HistoryEntry) -> HistoryEntry:
        self._lock_history(tx)
        last = tx.one("SELECT id, digest FROM history ORDER BY id DESC LIMIT 1")
        prev = last["digest"] if last else GENESIS
        row = entry.model_copy(update={"id": (last["id"] if last else 0) + 1, "prev_digest": prev})
        row.digest = row_digest(row, prev)
        tx.run(
            f"INSERT INTO history ({_HISTORY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                row.id,
                row.project,
                row.env,
                row.revision,
                row.action,
                row.plan_digest,
                row.at,
                row.author,
                row.subject,
                row.summary,
                row.prev_digest,
                row.digest,
            ),
        )
        return row

    # --- leases ---------------------------------------------------------------------------------
    def acquire_lease(self, project: str, env: str, owner: str, ttl: float) -> Lease | None:
        """Take the stack's lease if free, expired or already ours; None when another holds it.

        A new holder gets the previous token + 1; the owner taking its live lease again keeps it.
        """
        with self._transaction() as tx:
            now = self._now(tx)
            tx.run(
                "INSERT INTO locks (project, env, owner, expires_at, token) VALUES (?,?,'',0,0)"
                " ON CONFLICT (project, env) DO NOTHING",
                (project, env),
            )
            row = tx.one(
                "SELECT owner, expires_at, token FROM locks WHERE project=? AND env=?" + self.for_update,
                (project, env),
            )
            assert row is not None
            live = row["owner"] != "" and row["expires_at"] > now
            if live and row["owner"] != owner:
                return None
            token = int(row["token"]) if live else int(row["token"]) + 1
            tx.run(
                "UPDATE locks SET owner=?, expires_at=?, token=? WHERE project=? AND env=?",
                (owner, now + ttl, token, project, env),
            )
        return Lease(project, env, owner, token)

    def renew_lease(self, lease: Lease, ttl: float) -> bool:
        """Extend a lease that is still current; False when it expired or changed hands."""
        with self._transaction() as tx:
            now = self._now(tx)
            changed = tx.run(
                "UPDATE locks SET expires_at=? WHERE project=? AND env=? AND owner=? AND token=?"
                " AND expires_at > ?",
                (now + ttl, lease.project, lease.env, lease.owner, lease.token, now),
            )
        return changed == 1

    def release_lease(self, lease: Lease) -> None:
        """Give the lease up (a no-op when it is no longer ours); the token stays for the next holder."""
        with self._transaction() as tx:
            tx.run(
                "UPDATE locks SET owner='', expires_at=0 WHERE project=? AND env=? AND owner=? AND token=?",
                (lease.project, lease.env, lease.owner, lease.token),
            )

    def break_lease(self, project: str, env: str, owner: str) -> None:
        """Drop the lease of `owner` (a dead agent)."""
        with self._transaction() as tx:
            tx.run(
                "UPDATE locks SET owner='', expires_at=0 WHERE project=? AND env=? AND owner=?",
                (project, env, owner),
            )

    def lease_holder(self, project: str, env: str) -> str | None:
        """Who holds a live lease on the stack, if anyone."""
        with self._reading() as tx:
            now = self._now(tx)
            row = tx.one("SELECT owner, expires_at FROM locks WHERE project=? AND env=?", (project, env))
        if row and row["owner"] and row["expires_at"] > now:
            return str(row["owner"])
        return None

    def _check_fence(self, tx: Tx, lease: Lease) -> None:
        now = self._now(tx)
        row = tx.one(
            "SELECT owner, expires_at, token FROM locks WHERE project=? AND env=?" + self.for_update,
            (lease.project, lease.env),
        )
        if row is None or row["owner"] != lease.owner or int(row["token"]) != lease.token:
            current = f"token {row['token']}" if row else "no lease"
            raise LeaseLost(
                f"{lease.project}/{lease.env}: write refused, fencing token {lease.token} is stale "
                f"(the stack is at {current})"
            )
        if row["expires_at"] <= now:
            raise LeaseLost(
                f"{lease.project}/{lease.env}: write refused, the lease with token {lease.token} expired"
            )

    # --- meta -----------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A small agent-wide value (e.g. the last seen head of a branch)."""
        with self._reading() as tx:
            row = tx.one("SELECT value FROM meta WHERE key=?", (key,))
        return str(row["value"]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store an agent-wide value."""
        with self._transaction() as tx:
            tx.run(
                "INSERT INTO meta (key, value) VALUES (?,?)"
                " ON CONFLICT (key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    # --- suspensions ----------------------------------------------------------------------------
    def suspend(self, project: str, env: str, by: str, reason: str = "") -> HistoryEntry | None:
        """Suspend a stack (history row `suspended`); None when it already was."""
        return self._set_suspended(project, env, by, reason, suspended=True)

    def resume(self, project: str, env: str, by: str, reason: str = "") -> HistoryEntry | None:
        """Make a suspended stack eligible again (history row `resumed`); None when it was not."""
        return self._set_suspended(project, env, by, reason, suspended=False)

    def _set_suspended(
        self, project: str, env: str, by: str, reason: str, *, suspended: bool
    ) -> HistoryEntry | None:
        at = now_iso()
        with self._transaction() as tx:
            current = tx.one("SELECT 1 AS x FROM suspensions WHERE project=? AND env=?", (project, env))
            if bool(current) == suspended:
                return None
            tx.run(
                "INSERT INTO stacks (project, env, status, updated_at) VALUES (?,?,'pending',?)"
                " ON CONFLICT (project, env) DO NOTHING",
                (project, env, at),
            )
            if suspended:
                tx.run(
                    "INSERT INTO suspensions (project, env, suspended_by, suspended_at, reason)"
                    " VALUES (?,?,?,?,?)",
                    (project, env, by, at, reason),
                )
            else:
                tx.run("DELETE FROM suspensions WHERE project=? AND env=?", (project, env))
            row = tx.one(
                "SELECT revision, seen_revision FROM stacks WHERE project=? AND env=?", (project, env)
            )
            revision = (row or {}).get("revision") or (row or {}).get("seen_revision") or ""
            entry = self._append(
                tx,
                HistoryEntry(
                    project=project,
                    env=env,
                    revision=revision,
                    action="suspended" if suspended else "resumed",
                    at=at,
                    author=by,
                    summary=reason,
                ),
            )
        self._appended(entry)
        return entry


def _state(row: dict[str, Any]) -> StackState:
    data = dict(row)
    by, at, reason = data.pop("suspended_by"), data.pop("suspended_at"), data.pop("suspended_reason")
    data["outputs"] = json.loads(data["outputs"] or "{}")
    data["resources"] = json.loads(data["resources"] or "{}")
    data["suspended"] = Suspension(by=by, at=at, reason=reason or "") if by is not None else None
    return StackState(**data)


def rows_of(cursor_rows: Iterator[Any]) -> list[dict[str, Any]]:
    """Driver rows as plain dicts."""
    return [dict(r) for r in cursor_rows]
