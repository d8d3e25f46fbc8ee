"""The SQLite journal: transitions, append-only history, locks."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from gitops_agent.journal import HistoryEntry, Journal


def test_transition_keeps_last_applied_revision_when_blocked(tmp_path: Path) -> None:
    j = Journal(tmp_path)
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


def test_wal_mode_and_history_is_append_only(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    j.append_history(HistoryEntry(project="a", env="dev", revision="r1", action="applied"))
    db = sqlite3.connect(j.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE history SET action='failed'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM history")
    db.close()
    assert [h.action for h in j.history("a")] == ["applied"]
    assert j.history("other") == []


def test_failed_transition_writes_nothing(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    j.transition("a", "dev", "applied", applied_revision="r1")
    bad = HistoryEntry.model_construct(project="a", env="dev", revision=None, action="applied")  # NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        j.transition("a", "dev", "failed", message="x", history=bad)
    state = j.get("a", "dev")
    assert state is not None and state.status == "applied"  # the status update was rolled back too


def test_lock_is_exclusive_until_released_or_expired(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    assert j.acquire_lock("a", "dev", "one", 60)
    assert not j.acquire_lock("a", "dev", "two", 60)
    assert j.acquire_lock("a", "dev", "one", 60)  # re-entrant for the owner
    assert j.acquire_lock("b", "dev", "two", 60)  # other stacks are independent
    assert j.lock_owner("a", "dev") == "one"
    assert not j.renew_lock("a", "dev", "two", 60)
    j.release_lock("a", "dev", "two")  # not the owner: no effect
    assert j.lock_owner("a", "dev") == "one"
    j.release_lock("a", "dev", "one")
    assert j.acquire_lock("a", "dev", "two", 0.2)
    time.sleep(0.3)
    assert j.lock_owner("a", "dev") is None  # lease expired
    assert j.acquire_lock("a", "dev", "one", 60)


def test_lock_contention_across_threads_has_one_winner(tmp_path: Path) -> None:
    Journal(tmp_path)
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def grab(owner: str) -> None:
        journal = Journal(tmp_path)
        barrier.wait()
        if journal.acquire_lock("a", "dev", owner, 60):
            winners.append(owner)

    threads = [threading.Thread(target=grab, args=(f"agent-{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_older_journal_gains_the_resources_column(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "journal.sqlite")
    db.execute(
        "CREATE TABLE stacks (project TEXT NOT NULL, env TEXT NOT NULL, status TEXT NOT NULL, revision TEXT,"
        " seen_revision TEXT, plan_digest TEXT, outputs TEXT NOT NULL DEFAULT '{}', updated_at TEXT NOT NULL,"
        " message TEXT NOT NULL DEFAULT '', PRIMARY KEY (project, env))"
    )
    db.execute("INSERT INTO stacks VALUES ('a', 'dev', 'applied', 'r1', 'r1', 'd1', '{}', 'now', '')")
    db.commit()
    db.close()
    j = Journal(tmp_path)
    state = j.get("a", "dev")
    assert state is not None and state.revision == "r1" and state.resources == {}
    j.transition("a", "dev", "applied", applied_revision="r2", resources={"urn:1": "h"})
    state = j.get("a", "dev")
    assert state is not None and state.resources == {"urn:1": "h"}
