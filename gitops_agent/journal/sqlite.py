"""The SQLite journal (the default): one file in the state directory, WAL mode, BEGIN IMMEDIATE
transactions so agents sharing a state directory serialise, and a marker file beside it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gitops_agent.journal.chain import ChainReport, row_digest
from gitops_agent.journal.errors import (
    JournalCorrupt,
    JournalError,
    JournalMissing,
    JournalUnavailable,
    JournalWriteError,
)
from gitops_agent.journal.marker import Marker, read_marker, write_marker
from gitops_agent.journal.models import HistoryEntry
from gitops_agent.journal.sql import CURRENT_VERSION, SqlJournal, Tx

__all__ = ["RESTORE_HINT", "SqliteJournal"]

RESTORE_HINT = "restore it from a backup of the state directory (docs/agent.md, Operations)"
_HEADER = b"SQLite format 3\x00"

_APPEND_ONLY = [
    "CREATE TRIGGER IF NOT EXISTS history_no_update BEFORE UPDATE ON history"
    " BEGIN SELECT RAISE(ABORT, 'history is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS history_no_delete BEFORE DELETE ON history"
    " BEGIN SELECT RAISE(ABORT, 'history is append-only'); END",
]
_V2_TABLES = [
    "CREATE TABLE IF NOT EXISTS suspensions (project TEXT NOT NULL, env TEXT NOT NULL,"
    " suspended_by TEXT NOT NULL, suspended_at TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (project, env))",
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
]
_FRESH = [
    "CREATE TABLE stacks (project TEXT NOT NULL, env TEXT NOT NULL, status TEXT NOT NULL, revision TEXT,"
    " seen_revision TEXT, plan_digest TEXT, outputs TEXT NOT NULL DEFAULT '{}',"
    " resources TEXT NOT NULL DEFAULT '{}', updated_at TEXT NOT NULL, message TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (project, env))",
    "CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT NULL, env TEXT NOT NULL,"
    " revision TEXT NOT NULL, action TEXT NOT NULL, plan_digest TEXT, at TEXT NOT NULL,"
    " author TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL DEFAULT '',"
    " prev_digest TEXT NOT NULL DEFAULT '', digest TEXT NOT NULL DEFAULT '')",
    *_APPEND_ONLY,
    "CREATE TABLE locks (project TEXT NOT NULL, env TEXT NOT NULL, owner TEXT NOT NULL,"
    " expires_at REAL NOT NULL, token INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (project, env))",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    *_V2_TABLES,
]


class _SqliteTx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        row = self.db.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(sql, params).fetchall()]

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return self.db.execute(sql, params).rowcount


class SqliteJournal(SqlJournal):
    """Handle on a SQLite journal file; each thread has its own connection.

    `create`: make a new journal when there is none (the agent); `read_only`: never write (status,
    history; works on a copy of a live state directory).
    """

    def __init__(self, path: Path, *, create: bool = True, read_only: bool = False) -> None:
        self.path = path
        self.display = f"sqlite://{path}"
        self.read_only = read_only
        self._local = threading.local()
        marker = read_marker(path)
        _check_file(path, marker, create=create)
        if not path.exists():
            _create(path)
        try:
            version = self._version()
            if version < CURRENT_VERSION:
                if read_only:  # migrate first (it needs a writable journal), then read
                    self.read_only = False
                    self._migrate()
                    self.close()
                    self.read_only = True
                else:
                    self._migrate()
            elif version > CURRENT_VERSION:
                raise JournalError(
                    f"{path}: journal schema v{version} is newer than this gitops (v{CURRENT_VERSION}):"
                    " upgrade gitops"
                )
            if not read_only:
                with self._connect() as db:
                    db.execute("PRAGMA journal_mode=WAL")
                    for statement in _APPEND_ONLY:  # put back if someone dropped them
                        db.execute(statement)
            self._check_marker(marker)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise JournalCorrupt(f"{path}: damaged ({exc}); {RESTORE_HINT}") from None
        if marker is None and not read_only:
            report = self.verify()
            write_marker(
                path, Marker(journal=path.name, last_id=report.last_id, last_digest=report.last_digest)
            )

    # --- connections ----------------------------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opened once: closing the last one checkpoints and fsyncs)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if self.read_only:
                db = sqlite3.connect(
                    f"file:{quote(str(self.path))}?mode=ro", uri=True, timeout=30, isolation_level=None
                )
            else:
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                # WAL + NORMAL: a commit survives a crash of the agent (not a power loss of the
                # machine) and is never half-applied; FULL would fsync every transition.
                db.execute("PRAGMA synchronous=NORMAL")
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        yield db

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def _transaction(self) -> Iterator[Tx]:
        with self._connect() as db, _mapped(self.path):
            db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[Tx]:
        with self._connect() as db, _mapped(self.path):
            yield _SqliteTx(db)

    def _now(self, tx: Tx) -> float:
        return time.time()

    def _appended(self, entry: HistoryEntry) -> None:
        assert entry.id is not None
        current = read_marker(self.path)
        if current is not None and current.last_id is not None and current.last_id > entry.id:
            return  # another agent on this state directory already recorded a later row
        write_marker(self.path, Marker(journal=self.path.name, last_id=entry.id, last_digest=entry.digest))

    def ping(self) -> bool:
        """True when the file still opens and answers."""
        try:
            with self._reading() as tx:
                tx.one("SELECT 1 AS ok")
        except JournalError:
            return False
        return self.path.is_file()

    # --- checks ---------------------------------------------------------------------------------
    def verify(self) -> ChainReport:
        """The chain, and that it reaches the row the marker recorded."""
        report = super().verify()
        marker = read_marker(self.path)
        if report.intact and marker is not None and marker.last_id is not None:
            lost = self._marker_problem(marker)
            if lost:
                return report.model_copy(update={"broken": lost})
        return report

    def _check_marker(self, marker: Marker | None) -> None:
        if marker is not None and marker.last_id is not None:
            problem = self._marker_problem(marker)
            if problem:
                raise JournalCorrupt(f"{self.path}: {problem}; {RESTORE_HINT}")

    def _marker_problem(self, marker: Marker) -> str | None:
        with self._reading() as tx:
            row = tx.one("SELECT digest FROM history WHERE id=?", (marker.last_id,))
            last = tx.one("SELECT MAX(id) AS id FROM history")
        if row is None:
            end = last["id"] if last and last["id"] is not None else "no row"
            return (
                f"history rows were lost: the state directory recorded row {marker.last_id}, "
                f"the journal ends at {end}"
            )
        if row["digest"] != marker.last_digest:
            return f"row {marker.last_id}: its digest differs from the one the state directory recorded"
        return None

    # --- migrations -----------------------------------------------------------------------------
    def _version(self) -> int:
        with self._connect() as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "schema_version" in tables:
                row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
                return int(row[0] or 0)
            return 1 if "stacks" in tables else 0

    def _migrate(self) -> None:
        """Bring the journal to CURRENT_VERSION in one transaction (re-checked under the lock)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                version = self._version()
                if version == 0:
                    for statement in _FRESH:
                        db.execute(statement)
                elif version == 1:
                    _migrate_v1_to_v2(db)
                if version < CURRENT_VERSION:
                    db.execute("DELETE FROM schema_version")
                    db.execute("INSERT INTO schema_version (version) VALUES (?)", (CURRENT_VERSION,))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")


def _migrate_v1_to_v2(db: sqlite3.Connection) -> None:
    """Today's schema -> v2: digest columns (existing rows chained in id order), lease tokens,
    suspensions, schema_version."""
    columns = {row["name"] for row in db.execute("PRAGMA table_info(stacks)")}
    if "resources" not in columns:  # journals written before the column existed
        db.execute("ALTER TABLE stacks ADD COLUMN resources TEXT NOT NULL DEFAULT '{}'")
    history = {row["name"] for row in db.execute("PRAGMA table_info(history)")}
    if "digest" not in history:
        db.execute("ALTER TABLE history ADD COLUMN prev_digest TEXT NOT NULL DEFAULT ''")
        db.execute("ALTER TABLE history ADD COLUMN digest TEXT NOT NULL DEFAULT ''")
    locks = {row["name"] for row in db.execute("PRAGMA table_info(locks)")}
    if "token" not in locks:
        db.execute("ALTER TABLE locks ADD COLUMN token INTEGER NOT NULL DEFAULT 0")
    db.execute("DROP TRIGGER IF EXISTS history_no_update")
    prev = ""
    rows = db.execute(
        "SELECT id, project, env, revision, action, plan_digest, at, author, subject, summary"
        " FROM history ORDER BY id"
    ).fetchall()
    for row in rows:
        entry = HistoryEntry(**dict(row))
        digest = row_digest(entry, prev)
        db.execute("UPDATE history SET prev_digest=?, digest=? WHERE id=?", (prev, digest, entry.id))
        prev = digest
    for statement in _APPEND_ONLY + _V2_TABLES:
        db.execute(statement)


def _create(path: Path) -> None:
    """Make a new journal atomically: the schema is written to a temporary file that is then linked
    into place (never an empty or half-made journal.sqlite, even when two agents start together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".journal-new-", suffix=".sqlite", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            for statement in _FRESH:
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (CURRENT_VERSION,))
            db.execute("COMMIT")
        finally:
            db.close()  # the last connection checkpoints: everything is in the file itself
        with contextlib.suppress(FileExistsError):  # another agent made it first: use theirs
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        for extra in ("-wal", "-shm"):
            Path(name + extra).unlink(missing_ok=True)


@contextmanager
def _mapped(path: Path) -> Iterator[None]:
    """sqlite3 errors as journal errors (one line, naming the file)."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise JournalWriteError(f"{path}: write refused: {exc}") from None
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise JournalUnavailable(f"{path}: {exc}") from None
        if "append-only" in str(exc):
            raise JournalWriteError(f"{path}: write refused: {exc}") from None
        raise JournalCorrupt(f"{path}: {exc}; {RESTORE_HINT}") from None
    except sqlite3.DatabaseError as exc:
        raise JournalCorrupt(f"{path}: damaged ({exc}); {RESTORE_HINT}") from None


def _check_file(path: Path, marker: Marker | None, *, create: bool) -> None:
    """Refuse a missing (when one existed), empty or non-SQLite journal file with one line."""
    if not path.exists():
        if marker is not None:
            rows = f"{marker.last_id} history rows" if marker.last_id else "a journal"
            raise JournalMissing(
                f"{path}: missing, but this state directory had {rows} (see journal.marker.json); "
                f"{RESTORE_HINT}"
            )
        if not create:
            raise JournalMissing(
                f"{path.parent}: no agent journal here (run `gitops agent` or pass --state-dir)"
            )
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_HEADER))
    except OSError as exc:
        raise JournalCorrupt(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not header:
        raise JournalCorrupt(f"{path}: empty (0 bytes, truncated); {RESTORE_HINT}")
    if header != _HEADER:
        raise JournalCorrupt(f"{path}: not a SQLite database (overwritten or random bytes); {RESTORE_HINT}")
    try:
        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            result = db.execute("PRAGMA quick_check").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise JournalCorrupt(f"{path}: damaged ({exc}); {RESTORE_HINT}") from None
    if not result or result[0] != "ok":
        raise JournalCorrupt(f"{path}: damaged ({result[0] if result else 'no answer'}); {RESTORE_HINT}")
