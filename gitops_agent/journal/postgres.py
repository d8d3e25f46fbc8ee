"""The PostgreSQL journal (psycopg 3): the same schema and guarantees as SQLite, shared by any number
of agent replicas. Lease expiry uses the database's clock; history appends are serialised with a
transaction-scoped advisory lock so the hash chain stays linear."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from psycopg.rows import dict_row

from gitops_agent.journal.errors import JournalError, JournalUnavailable, JournalWriteError
from gitops_agent.journal.sql import CURRENT_VERSION, SqlJournal, Tx
from gitops_agent.journal.url import JournalUrl, scrub

__all__ = ["PostgresJournal"]

_HISTORY_LOCK = 0x6A6F75726E616C  # advisory lock key serialising history appends
_MIGRATION_LOCK = _HISTORY_LOCK + 1

_SCHEMA_V2 = [
    "CREATE TABLE stacks (project TEXT NOT NULL, env TEXT NOT NULL, status TEXT NOT NULL, revision TEXT,"
    " seen_revision TEXT, plan_digest TEXT, outputs TEXT NOT NULL DEFAULT '{}',"
    " resources TEXT NOT NULL DEFAULT '{}', updated_at TEXT NOT NULL, message TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (project, env))",
    "CREATE TABLE history (id BIGINT PRIMARY KEY, project TEXT NOT NULL, env TEXT NOT NULL,"
    " revision TEXT NOT NULL, action TEXT NOT NULL, plan_digest TEXT, at TEXT NOT NULL,"
    " author TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL DEFAULT '',"
    " prev_digest TEXT NOT NULL DEFAULT '', digest TEXT NOT NULL DEFAULT '')",
    "CREATE OR REPLACE FUNCTION gitops_history_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION 'history is append-only'; END $$",
    "CREATE TRIGGER history_no_change BEFORE UPDATE OR DELETE ON history"
    " FOR EACH ROW EXECUTE FUNCTION gitops_history_append_only()",
    "CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history"
    " FOR EACH STATEMENT EXECUTE FUNCTION gitops_history_append_only()",
    "CREATE TABLE locks (project TEXT NOT NULL, env TEXT NOT NULL, owner TEXT NOT NULL,"
    " expires_at DOUBLE PRECISION NOT NULL, token BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (project, env))",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE suspensions (project TEXT NOT NULL, env TEXT NOT NULL, suspended_by TEXT NOT NULL,"
    " suspended_at TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', PRIMARY KEY (project, env))",
]
_MIGRATIONS: dict[int, list[str]] = {2: _SCHEMA_V2}  # version -> statements bringing (version - 1) to it


class _PgTx:
    def __init__(self, cur: psycopg.Cursor[dict[str, Any]]) -> None:
        self.cur = cur

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        self.cur.execute(self._sql(sql), params)
        return self.cur.fetchone()

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        self.cur.execute(self._sql(sql), params)
        return self.cur.fetchall()

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        self.cur.execute(self._sql(sql), params)
        return self.cur.rowcount


class PostgresJournal(SqlJournal):
    """Handle on a PostgreSQL journal; each thread has its own connection, reopened after an error.

    Migrations run on open (under an advisory lock, so replicas starting together migrate once).
    """

    for_update = " FOR UPDATE"

    def __init__(self, url: JournalUrl, *, connect_timeout: float = 5.0, migrate: bool = True) -> None:
        self.url = url
        self.display = url.display
        self.connect_timeout = connect_timeout
        self._local = threading.local()
        if migrate:
            self._migrate()

    # --- connections ----------------------------------------------------------------------------
    def _open(self, timeout: float | None = None) -> psycopg.Connection[dict[str, Any]]:
        with self._mapped():
            return psycopg.connect(
                self.url.dsn,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=max(1, round(timeout or self.connect_timeout)),
                application_name="gitops-agent",
            )

    def _conn(self) -> psycopg.Connection[dict[str, Any]]:
        conn: psycopg.Connection[dict[str, Any]] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._open()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                conn.close()
            finally:
                self._local.conn = None

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        """Driver errors as journal errors, without the URL's password, on one line."""
        try:
            yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._drop()
            raise JournalUnavailable(
                f"journal {self.display} unreachable: {scrub(str(exc), self.url.password)}"
            ) from None
        except (psycopg.IntegrityError, psycopg.errors.RaiseException) as exc:
            raise JournalWriteError(f"journal write refused: {scrub(str(exc), self.url.password)}") from None
        except psycopg.Error as exc:
            self._drop()
            raise JournalError(f"journal {self.display}: {scrub(str(exc), self.url.password)}") from None

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with suppress(psycopg.Error):
                conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[Tx]:
        conn = self._conn()
        with self._mapped(), conn.transaction(), conn.cursor() as cur:
            yield _PgTx(cur)

    @contextmanager
    def _reading(self) -> Iterator[Tx]:
        conn = self._conn()
        with self._mapped(), conn.cursor() as cur:
            yield _PgTx(cur)

    def _now(self, tx: Tx) -> float:
        row = tx.one("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 AS now")
        assert row is not None
        return float(row["now"])

    def _lock_history(self, tx: Tx) -> None:
        tx.one(f"SELECT pg_advisory_xact_lock({_HISTORY_LOCK}) AS locked")

    def ping(self) -> bool:
        """A fresh connection answers `SELECT 1` within two seconds."""
        try:
            conn = self._open(timeout=2)
        except JournalError:
            return False
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                return cur.fetchone() is not None
        except psycopg.Error:
            return False
        finally:
            conn.close()

    # --- migrations -----------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._transaction() as tx:
            tx.one(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK}) AS locked")
            tx.run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = tx.one("SELECT MAX(version) AS version FROM schema_version")
            version = int(row["version"]) if row and row["version"] is not None else 1
            if version > CURRENT_VERSION:
                raise JournalError(
                    f"journal {self.display}: schema v{version} is newer than this gitops "
                    f"(v{CURRENT_VERSION}): upgrade gitops"
                )
            for target in range(version + 1, CURRENT_VERSION + 1):
                for statement in _MIGRATIONS[target]:
                    tx.run(statement)
            if version < CURRENT_VERSION:
                tx.run("DELETE FROM schema_version")
                tx.run("INSERT INTO schema_version (version) VALUES (?)", (CURRENT_VERSION,))
