"""SQLite journal under the state dir: per-stack status, apply locks, append-only history.

Every transition is one transaction (status row + history row together), the database runs in WAL
mode, and locks are taken with BEGIN IMMEDIATE so two agents sharing a state dir serialise on them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["pending", "applying", "applied", "blocked", "failed", "drifted"]
Action = Literal["applied", "unchanged", "blocked", "failed", "drifted", "remediated"]

JOURNAL_FILE = "journal.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stacks (
    project TEXT NOT NULL,
    env TEXT NOT NULL,
    status TEXT NOT NULL,
    revision TEXT,
    seen_revision TEXT,
    plan_digest TEXT,
    outputs TEXT NOT NULL DEFAULT '{}',
    resources TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project, env)
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project TEXT NOT NULL,
    env TEXT NOT NULL,
    revision TEXT NOT NULL,
    action TEXT NOT NULL,
    plan_digest TEXT,
    at TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS history_no_update BEFORE UPDATE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS history_no_delete BEFORE DELETE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TABLE IF NOT EXISTS locks (
    project TEXT NOT NULL,
    env TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (project, env)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


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

    def contract(self) -> dict[str, Any]:
        """The `gitops status --format json` shape."""
        return self.model_dump(
            include={"project", "env", "status", "revision", "plan_digest", "updated_at", "message"}
        )


class HistoryEntry(BaseModel):
    """One audit-log row: what the agent did to a stack at a revision, and why."""

    project: str
    env: str
    revision: str
    action: Action
    plan_digest: str | None = None
    at: str = ""
    author: str = ""
    subject: str = ""
    summary: str = ""

    def contract(self) -> dict[str, Any]:
        """The `gitops history --format json` shape."""
        return self.model_dump(
            include={"project", "env", "revision", "action", "plan_digest", "at", "author", "summary"}
        )


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Journal:
    """Handle on the journal file; every method opens its own connection (safe across threads)."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / JOURNAL_FILE
        self._local = threading.local()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(stacks)")}
            if "resources" not in columns:  # journals written before the column existed
                db.execute("ALTER TABLE stacks ADD COLUMN resources TEXT NOT NULL DEFAULT '{}'")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opened once: closing the last one checkpoints and fsyncs)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout=30000")
            # WAL + NORMAL: a commit survives a crash of the agent (not a power loss of the machine)
            # and is never half-applied; FULL would fsync every transition.
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        yield db

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- status ---------------------------------------------------------------------------------
    def get(self, project: str, env: str) -> StackState | None:
        """The state of one stack, or None if the agent never saw it."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM stacks WHERE project=? AND env=?", (project, env)).fetchone()
        return _state(row) if row else None

    def states(self) -> list[StackState]:
        """All stack states, ordered by project then env."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM stacks ORDER BY project, env").fetchall()
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
    ) -> StackState:
        """Move a stack to `status` and append `history` (if any) in one transaction.

        `applied_revision`/`plan_digest`/`outputs` are only replaced when given (an apply succeeded).
        """
        at = now_iso()
        with self._transaction() as db:
            row = db.execute("SELECT * FROM stacks WHERE project=? AND env=?", (project, env)).fetchone()
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
            )
            db.execute(
                "INSERT OR REPLACE INTO stacks (project, env, status, revision, seen_revision, plan_digest,"
                " outputs, resources, updated_at, message) VALUES (?,?,?,?,?,?,?,?,?,?)",
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
                _append(db, history.model_copy(update={"at": history.at or at}))
        return new

    # --- history --------------------------------------------------------------------------------
    def append_history(self, entry: HistoryEntry) -> None:
        """Append one audit row without changing the stack's status."""
        with self._transaction() as db:
            _append(db, entry.model_copy(update={"at": entry.at or now_iso()}))

    def history(self, project: str | None = None) -> list[HistoryEntry]:
        """The audit log, oldest first, optionally for one project."""
        query = "SELECT * FROM history"
        params: tuple[str, ...] = ()
        if project:
            query, params = query + " WHERE project=?", (project,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id", params).fetchall()
        return [HistoryEntry(**{k: r[k] for k in HistoryEntry.model_fields}) for r in rows]

    # --- locks ----------------------------------------------------------------------------------
    def acquire_lock(self, project: str, env: str, owner: str, lease_seconds: float) -> bool:
        """Take the apply lock of a stack if it is free, expired, or already ours; True on success."""
        now = time.time()
        with self._transaction() as db:
            row = db.execute(
                "SELECT owner, expires_at FROM locks WHERE project=? AND env=?", (project, env)
            ).fetchone()
            if row and row["owner"] != owner and row["expires_at"] > now:
                return False
            db.execute(
                "INSERT OR REPLACE INTO locks (project, env, owner, expires_at) VALUES (?,?,?,?)",
                (project, env, owner, now + lease_seconds),
            )
            return True

    def renew_lock(self, project: str, env: str, owner: str, lease_seconds: float) -> bool:
        """Extend our lease (heartbeat); False when the lock is no longer ours."""
        with self._transaction() as db:
            cur = db.execute(
                "UPDATE locks SET expires_at=? WHERE project=? AND env=? AND owner=?",
                (time.time() + lease_seconds, project, env, owner),
            )
            return cur.rowcount == 1

    def release_lock(self, project: str, env: str, owner: str) -> None:
        """Drop our lock (a no-op when someone else holds it)."""
        with self._transaction() as db:
            db.execute("DELETE FROM locks WHERE project=? AND env=? AND owner=?", (project, env, owner))

    def lock_owner(self, project: str, env: str) -> str | None:
        """Who holds a live lock on the stack, if anyone."""
        with self._connect() as db:
            row = db.execute(
                "SELECT owner, expires_at FROM locks WHERE project=? AND env=?", (project, env)
            ).fetchone()
        return row["owner"] if row and row["expires_at"] > time.time() else None

    # --- meta -----------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A small agent-wide value (e.g. the last seen head of a branch)."""
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store an agent-wide value."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?,?)", (key, value))


def _state(row: sqlite3.Row) -> StackState:
    data = {k: row[k] for k in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a mapping
    data["outputs"] = json.loads(data["outputs"] or "{}")
    data["resources"] = json.loads(data["resources"] or "{}")
    return StackState(**data)


def _append(db: sqlite3.Connection, e: HistoryEntry) -> None:
    db.execute(
        "INSERT INTO history (project, env, revision, action, plan_digest, at, author, subject, summary)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        (e.project, e.env, e.revision, e.action, e.plan_digest, e.at, e.author, e.subject, e.summary),
    )
