"""The agent's journal: per-stack status, leases with fencing tokens, a hash-chained append-only
history, suspensions. Backends: SQLite (default, in the state directory) and PostgreSQL (replicas).

    journal = open_journal(None, state_dir)                 # <state_dir>/journal.sqlite
    journal = open_journal("postgresql://u:p@db/gitops", state_dir)
"""

from __future__ import annotations

from pathlib import Path

from gitops_agent.journal.backend import JournalBackend
from gitops_agent.journal.chain import ChainReport, verify_chain
from gitops_agent.journal.errors import (
    ChainBroken,
    JournalCorrupt,
    JournalError,
    JournalMissing,
    JournalUnavailable,
    JournalUrlError,
    JournalWriteError,
    LeaseLost,
)
from gitops_agent.journal.models import (
    Action,
    HistoryEntry,
    Lease,
    StackState,
    Status,
    Suspension,
    now_iso,
)
from gitops_agent.journal.sqlite import SqliteJournal
from gitops_agent.journal.url import JOURNAL_FILE, JournalUrl, mask_url, parse_journal_url

__all__ = [
    "JOURNAL_FILE",
    "Action",
    "ChainBroken",
    "ChainReport",
    "HistoryEntry",
    "Journal",
    "JournalBackend",
    "JournalCorrupt",
    "JournalError",
    "JournalMissing",
    "JournalUnavailable",
    "JournalUrl",
    "JournalUrlError",
    "JournalWriteError",
    "Lease",
    "LeaseLost",
    "StackState",
    "Status",
    "Suspension",
    "mask_url",
    "now_iso",
    "open_journal",
    "parse_journal_url",
    "verify_chain",
]


def open_journal(
    url: str | None,
    state_dir: Path,
    *,
    create: bool = True,
    read_only: bool = False,
    verify: bool = False,
) -> JournalBackend:
    """Open (and migrate) the journal at `url` (None: `<state_dir>/journal.sqlite`).

    `create`: a missing SQLite journal is made (else JournalMissing); `read_only`: SQLite opens the
    file read-only; `verify`: raise ChainBroken unless the history chain verifies.
    """
    where = parse_journal_url(url, state_dir)
    journal: JournalBackend
    if where.kind == "sqlite":
        assert where.path is not None
        journal = SqliteJournal(where.path, create=create, read_only=read_only)
    else:
        from gitops_agent.journal.postgres import PostgresJournal

        journal = PostgresJournal(where)
    if verify:
        report = journal.verify()
        if report.broken:
            raise ChainBroken(
                f"journal {journal.display}: history chain broken at {report.broken}; "
                "restore the journal from a backup (docs/agent.md, Operations)"
            )
    return journal


def Journal(state_dir: Path) -> SqliteJournal:
    """The SQLite journal of a state directory (made if missing)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    return SqliteJournal(state_dir / JOURNAL_FILE)
