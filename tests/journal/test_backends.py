"""The same journal suite on SQLite and on a real PostgreSQL: transitions, append-only history, leases
with fencing tokens, the hash chain, suspensions, migrations."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_agent.journal import (
    HistoryEntry,
    Journal,
    JournalBackend,
    JournalWriteError,
    LeaseLost,
    open_journal,
)
from gitops_agent.journal.chain import row_digest

Open = Callable[[], JournalBackend]


def _entry(project: str = "a", revision: str = "r1", action: str = "applied") -> HistoryEntry:
    return HistoryEntry(project=project, env="dev", revision=revision, action=action)  # type: ignore[arg-type]


def test_transition_keeps_last_applied_revision_when_blocked(open_backend: Open) -> None:
    j = open_backend()
    entry = HistoryEntry(project="a", env="dev", revision="r1", action="applied", plan_digest="d1")
    j.transition(
        "a", "dev", "applied", applied_revision="r1", plan_digest="d1", outputs={"x": 1}, history=entry
    )
    j.transition("a", "dev", "blocked", seen_revision="r2", message="CKV failed")
    state = j.get("a", "dev")
    assert state is not None
    assert (state.status, state.revision, state.seen_revision, state.plan_digest) == (
        "blocked",
        "r1",
        "r2",
        "d1",
    )
    assert state.outputs == {"x": 1}
    assert state.message == "CKV failed"
    assert [h.action for h in j.history()] == ["applied"]
    assert j.history()[0].at  # timestamped by the journal
    assert open_backend().get("a", "dev") == state  # a second handle sees the same


def test_failed_transition_writes_nothing(open_backend: Open) -> None:
    j = open_backend()
    j.transition("a", "dev", "applied", applied_revision="r1")
    bad = HistoryEntry.model_construct(project="a", env="dev", revision=None, action="applied")  # NOT NULL
    with pytest.raises(JournalWriteError):
        j.transition("a", "dev", "failed", message="x", history=bad)
    state = j.get("a", "dev")
    assert state is not None and state.status == "applied"  # the status update was rolled back too
    assert j.history() == []


def test_lease_is_exclusive_until_released_or_expired(open_backend: Open) -> None:
    j = open_backend()
    one = j.acquire_lease("a", "dev", "one", 60)
    assert one is not None and one.token == 1
    assert j.acquire_lease("a", "dev", "two", 60) is None
    again = j.acquire_lease("a", "dev", "one", 60)  # re-entrant for the owner, same token
    assert again == one
    assert j.acquire_lease("b", "dev", "two", 60) is not None  # other stacks are independent
    assert j.lease_holder("a", "dev") == "one"
    j.break_lease("a", "dev", "two")  # not the owner: no effect
    assert j.lease_holder("a", "dev") == "one"
    j.release_lease(one)
    assert j.lease_holder("a", "dev") is None
    two = j.acquire_lease("a", "dev", "two", 0.3)
    assert two is not None and two.token == 2  # a new holder, a higher token
    time.sleep(0.5)
    assert j.lease_holder("a", "dev") is None  # lease expired
    assert not j.renew_lease(two, 60)  # an expired lease cannot be renewed
    three = j.acquire_lease("a", "dev", "one", 60)
    assert three is not None and three.token == 3
    assert j.renew_lease(three, 60)


def test_stale_fencing_token_write_is_refused(open_backend: Open) -> None:
    j = open_backend()
    old = j.acquire_lease("a", "dev", "slow-agent", 0.3)
    assert old is not None
    j.transition("a", "dev", "applying", seen_revision="r1", lease=old)
    time.sleep(0.5)  # paused past its lease
    new = j.acquire_lease("a", "dev", "other-agent", 60)
    assert new is not None and new.token > old.token
    with pytest.raises(LeaseLost, match="stale"):
        j.transition("a", "dev", "applied", applied_revision="r1", history=_entry(), lease=old)
    with pytest.raises(LeaseLost):
        j.append_history(_entry(), lease=old)
    assert not j.renew_lease(old, 60)
    j.release_lease(old)  # not ours any more: no effect
    assert j.lease_holder("a", "dev") == "other-agent"
    state = j.get("a", "dev")
    assert state is not None and state.status == "applying" and j.history() == []
    j.transition("a", "dev", "applied", applied_revision="r1", history=_entry(), lease=new)
    assert [h.action for h in j.history()] == ["applied"]


def test_expired_lease_write_is_refused_even_if_nobody_took_it(open_backend: Open) -> None:
    j = open_backend()
    lease = j.acquire_lease("a", "dev", "one", 0.2)
    assert lease is not None
    time.sleep(0.4)
    with pytest.raises(LeaseLost, match="expired"):
        j.transition("a", "dev", "applied", lease=lease)


def test_lease_contention_across_threads_has_one_winner(open_backend: Open) -> None:
    open_backend()
    winners: list[int] = []
    barrier = threading.Barrier(8)

    def grab(i: int) -> None:
        journal = open_backend()
        barrier.wait()
        if journal.acquire_lease("a", "dev", f"agent-{i}", 60) is not None:
            winners.append(i)
        journal.close()

    threads = [threading.Thread(target=grab, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_history_is_chained_and_verifies(open_backend: Open) -> None:
    j = open_backend()
    for i in range(5):
        j.transition("a", "dev", "applied", applied_revision=f"r{i}", history=_entry(revision=f"r{i}"))
    rows = j.history()
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_digest == ""
    for prev, row in itertools.pairwise(rows):
        assert row.prev_digest == prev.digest
        assert row.digest == row_digest(row, prev.digest)
    report = j.verify()
    assert report.intact and report.rows == 5 and report.last_digest == rows[-1].digest


def test_concurrent_appends_keep_one_linear_chain(open_backend: Open) -> None:
    open_backend()

    def append(i: int) -> None:
        journal = open_backend()
        for k in range(5):
            journal.append_history(_entry(project=f"p{i}", revision=f"r{k}"))
        journal.close()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    j = open_backend()
    assert len(j.history()) == 20
    assert j.verify().intact


def test_history_is_append_only_in_the_database(open_backend: Open, journal_url: str) -> None:
    j = open_backend()
    j.append_history(_entry())
    if journal_url.startswith("sqlite"):
        db = sqlite3.connect(journal_url.removeprefix("sqlite://"))
        for statement in ("UPDATE history SET action='failed'", "DELETE FROM history"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)
        db.close()
    else:
        import psycopg

        with psycopg.connect(journal_url, autocommit=True) as db:  # the agent's own role
            for statement in (
                "UPDATE history SET action='failed'",
                "DELETE FROM history",
                "TRUNCATE history",
            ):
                with pytest.raises(psycopg.Error, match="append-only"):
                    db.execute(statement)
    assert [h.action for h in j.history("a")] == ["applied"]
    assert j.history("other") == []


def test_suspend_and_resume_are_history_rows(open_backend: Open) -> None:
    j = open_backend()
    j.transition("a", "dev", "applied", applied_revision="r1")
    row = j.suspend("a", "dev", "alice@ops", "incident 42")
    assert row is not None and row.action == "suspended" and row.author == "alice@ops"
    assert j.suspend("a", "dev", "bob", "again") is None  # already suspended
    state = j.get("a", "dev")
    assert state is not None and state.suspended is not None
    assert (state.status, state.suspended.by, state.suspended.reason) == (
        "applied",
        "alice@ops",
        "incident 42",
    )
    assert state.contract()["suspended"]["reason"] == "incident 42"
    j.transition("a", "dev", "applied", applied_revision="r2")  # the agent's writes keep the suspension
    state = j.get("a", "dev")
    assert state is not None and state.suspended is not None
    resumed = j.resume("a", "dev", "bob", "fixed")
    assert resumed is not None and resumed.action == "resumed"
    assert j.resume("a", "dev", "bob") is None
    state = j.get("a", "dev")
    assert state is not None and state.suspended is None
    assert [(h.action, h.author, h.summary) for h in j.history()] == [
        ("suspended", "alice@ops", "incident 42"),
        ("resumed", "bob", "fixed"),
    ]
    never_seen = j.suspend("z", "dev", "carol")  # a stack the agent never applied yet
    assert never_seen is not None
    z = j.get("z", "dev")
    assert z is not None and z.status == "pending" and z.suspended is not None
    assert j.verify().intact


def test_meta_and_ping(open_backend: Open) -> None:
    j = open_backend()
    assert j.get_meta("head") is None
    j.set_meta("head", "abc")
    j.set_meta("head", "def")
    assert j.get_meta("head") == "def"
    assert j.ping()


def test_sqlite_journal_from_todays_schema_migrates_and_chains(tmp_path: Path) -> None:
    """A journal written by the previous release (no digests, no tokens, no schema_version)."""
    db = sqlite3.connect(tmp_path / "journal.sqlite")
    db.executescript(
        """
        CREATE TABLE stacks (project TEXT NOT NULL, env TEXT NOT NULL, status TEXT NOT NULL, revision TEXT,
          seen_revision TEXT, plan_digest TEXT, outputs TEXT NOT NULL DEFAULT '{}', updated_at TEXT NOT NULL,
          message TEXT NOT NULL DEFAULT '', PRIMARY KEY (project, env));
        CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT NULL, env TEXT NOT NULL,
          revision TEXT NOT NULL, action TEXT NOT NULL, plan_digest TEXT, at TEXT NOT NULL,
          author TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '',
          summary TEXT NOT NULL DEFAULT '');
        CREATE TRIGGER history_no_update BEFORE UPDATE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
        CREATE TRIGGER history_no_delete BEFORE DELETE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
        CREATE TABLE locks (project TEXT NOT NULL, env TEXT NOT NULL, owner TEXT NOT NULL,
          expires_at REAL NOT NULL, PRIMARY KEY (project, env));
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO stacks VALUES ('a', 'dev', 'applied', 'r1', 'r1', 'd1', '{}', 'now', '');
        INSERT INTO history (project, env, revision, action, at) VALUES ('a', 'dev', 'r0', 'applied', 't0');
        INSERT INTO history (project, env, revision, action, at) VALUES ('a', 'dev', 'r1', 'applied', 't1');
        INSERT INTO locks VALUES ('a', 'dev', 'old-agent', 0);
        """
    )
    db.close()
    j = Journal(tmp_path)
    state = j.get("a", "dev")
    assert state is not None and state.revision == "r1" and state.resources == {}
    rows = j.history()
    assert [r.revision for r in rows] == ["r0", "r1"] and rows[1].prev_digest == rows[0].digest
    assert j.verify().intact and j.verify().rows == 2
    lease = j.acquire_lease("a", "dev", "new-agent", 60)
    assert lease is not None and lease.token == 1
    j.transition("a", "dev", "applied", applied_revision="r2", history=_entry(revision="r2"), lease=lease)
    assert j.verify().rows == 3
    version = sqlite3.connect(tmp_path / "journal.sqlite").execute("SELECT version FROM schema_version")
    assert version.fetchone()[0] == 2
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):  # triggers are back after the migration
        sqlite3.connect(tmp_path / "journal.sqlite").execute("DELETE FROM history")


def test_postgres_replicas_migrate_once(pg_url: str, tmp_path: Path) -> None:
    journals: list[JournalBackend] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            journals.append(open_journal(pg_url, tmp_path))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(journals) == 4
    import psycopg

    with psycopg.connect(pg_url) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(2,)]


def test_the_renewer_keeps_a_lease_past_its_ttl_while_the_work_runs(open_backend: Open) -> None:
    from gitops_agent.agent import stack_lock

    j = open_backend()
    with stack_lock(j, "a", "dev", "worker", 0.6) as lease:
        assert lease is not None
        time.sleep(1.5)  # more than twice the TTL
        assert j.acquire_lease("a", "dev", "other", 60) is None
        j.transition("a", "dev", "applied", applied_revision="r1", history=_entry(), lease=lease)
    assert j.lease_holder("a", "dev") is None  # released at the end
    assert [h.action for h in j.history()] == ["applied"]
