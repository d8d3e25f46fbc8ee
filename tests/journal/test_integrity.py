"""A missing, emptied, truncated, overwritten, rolled-back or tampered journal is refused with one line
(exit 2) by `agent`, `status` and `history`; `history --verify` names the first broken link; status
reads a copy of a live state directory without writing it."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from gitops_agent.cli import main
from gitops_agent.journal import HistoryEntry, Journal, open_journal
from tests.journal.pg_cluster import PASSWORD, PgCluster


def _fill(state: Path, rows: int = 30) -> None:
    j = Journal(state)
    for i in range(rows):
        j.transition(
            f"p{i % 3}",
            "dev",
            "applied",
            applied_revision=f"{i:040x}",
            history=HistoryEntry(
                project=f"p{i % 3}", env="dev", revision=f"{i:040x}", action="applied", summary="s" * 300
            ),
        )
    j.close()


def _commands(state: Path) -> list[list[str]]:
    return [
        ["status", "--state-dir", str(state)],
        ["history", "--state-dir", str(state)],
        ["history", "--state-dir", str(state), "--verify"],
        [
            "agent",
            "--repo",
            str(state / "no-repo"),
            "--state-dir",
            str(state),
            "--engine",
            "plan-only",
            "--once",
        ],
    ]


def _refused(capsys: pytest.CaptureFixture[str], state: Path, *words: str) -> None:
    for argv in _commands(state):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert "Traceback" not in err and "sqlite3." not in err
        for word in words:
            assert word in err, (argv, err)
        assert "backup" in err


def test_emptied_journal_is_refused_not_taken_for_a_new_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    _fill(state)
    (state / "journal.sqlite").write_bytes(b"")  # : > journal.sqlite
    _refused(capsys, state, "empty")
    assert (state / "journal.sqlite").stat().st_size == 0  # nothing was recreated over it


def test_truncated_journal_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    _fill(state, rows=200)
    path = state / "journal.sqlite"
    data = path.read_bytes()
    assert len(data) > 16384
    path.write_bytes(data[: len(data) // 2])
    _refused(capsys, state, "journal.sqlite")


def test_random_bytes_journal_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    _fill(state)
    (state / "journal.sqlite").write_bytes(os.urandom(8192))
    _refused(capsys, state, "not a SQLite database")


def test_missing_journal_of_a_used_state_dir_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    _fill(state)
    (state / "journal.sqlite").unlink()
    _refused(capsys, state, "missing", "30 history rows")
    assert not (state / "journal.sqlite").exists()


def test_journal_rolled_back_behind_the_marker_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    _fill(state, rows=5)
    old = (state / "journal.sqlite").read_bytes()
    _fill(state, rows=3)  # three more rows after the "backup"
    (state / "journal.sqlite").write_bytes(old)
    _refused(capsys, state, "lost", "row 8")


def test_no_journal_at_all_is_a_one_line_error_for_readers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--state-dir", str(tmp_path / "nothing")]) == 2
    assert "no agent journal here" in capsys.readouterr().err
    assert not (tmp_path / "nothing").exists()


def _tamper(path: Path, *statements: str) -> None:
    """What someone with write access to the file can do: drop the triggers and rewrite history."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA writable_schema=ON")
    db.execute("DELETE FROM sqlite_master WHERE type='trigger'")
    db.execute("PRAGMA writable_schema=OFF")
    db.commit()
    db.close()
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def test_verify_reports_a_changed_row_and_the_agent_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    _fill(state, rows=6)
    assert main(["history", "--state-dir", str(state), "--verify"]) == 0
    assert capsys.readouterr().out.strip() == "chain intact (6 rows)"
    _tamper(state / "journal.sqlite", "UPDATE history SET author='mallory' WHERE id=4")
    assert main(["history", "--state-dir", str(state), "--verify"]) == 1
    out = capsys.readouterr().out.strip()
    assert out == "chain broken: row 4: its content differs from its digest (the row was changed)"
    argv = ["agent", "--repo", str(tmp_path), "--state-dir", str(state), "--engine", "plan-only", "--once"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "history chain broken at row 4" in err and len(err.splitlines()) == 1


def test_verify_reports_a_removed_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    _fill(state, rows=6)
    _tamper(state / "journal.sqlite", "DELETE FROM history WHERE id=3")
    assert main(["history", "--state-dir", str(state), "--verify"]) == 1
    assert "row 4: its link to row 2 differs" in capsys.readouterr().out


def test_verify_reports_a_removed_last_row_through_the_marker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    _fill(state, rows=6)
    _tamper(state / "journal.sqlite", "DELETE FROM history WHERE id=6")
    assert main(["history", "--state-dir", str(state), "--verify"]) == 2  # refused at open
    assert "the state directory recorded row 6, the journal ends at 5" in capsys.readouterr().err


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_status_reads_a_copy_of_a_live_wal_journal_without_writing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    live = Journal(state)  # stays open: recent rows are only in the WAL file
    for i in range(20):
        live.transition(
            "a",
            "dev",
            "applied",
            applied_revision=f"r{i}",
            history=HistoryEntry(project="a", env="dev", revision=f"r{i}", action="applied"),
        )
    assert (state / "journal.sqlite-wal").stat().st_size > 0
    copy = tmp_path / "copy"
    shutil.copytree(state, copy)
    before = {p.name: _digest(p) for p in copy.iterdir() if not p.name.endswith("-shm")}
    assert main(["status", "--state-dir", str(copy), "--format", "json"]) == 0
    assert '"revision": "r19"' in capsys.readouterr().out
    assert main(["history", "--state-dir", str(copy), "--verify"]) == 0
    assert capsys.readouterr().out.strip() == "chain intact (20 rows)"
    after = {p.name: _digest(p) for p in copy.iterdir() if not p.name.endswith("-shm")}
    assert after == before  # neither the database, its WAL nor the marker was written
    live.transition("a", "dev", "applied", applied_revision="r20")  # the live agent goes on
    live.close()


def test_postgres_tamper_by_a_superuser_is_detected(
    pg_cluster: PgCluster, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = open_journal(pg_url, tmp_path)
    for i in range(4):
        journal.append_history(HistoryEntry(project="a", env="dev", revision=f"r{i}", action="applied"))
    assert main(["history", "--journal", pg_url, "--verify"]) == 0
    assert capsys.readouterr().out.strip() == "chain intact (4 rows)"
    with pg_cluster.admin(pg_url.rsplit("/", 1)[1]) as db:  # triggers do not stop a superuser
        db.execute("SET session_replication_role = replica")
        db.execute("UPDATE history SET summary = 'nothing to see' WHERE id = 2")
    assert main(["history", "--journal", pg_url, "--verify"]) == 1
    assert capsys.readouterr().out.strip().startswith("chain broken: row 2: its content differs")
    argv = ["agent", "--repo", str(tmp_path), "--journal", pg_url, "--engine", "plan-only", "--once"]
    assert main([*argv, "--state-dir", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "history chain broken at row 2" in err and PASSWORD not in err


def test_documented_live_backup_restores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/agent.md: copy the marker first, then a SQLite online backup; the restored directory works."""
    state = tmp_path / "state"
    live = Journal(state)
    for i in range(5):
        live.append_history(HistoryEntry(project="a", env="dev", revision=f"r{i}", action="applied"))
    backup = tmp_path / "backup"
    backup.mkdir()
    shutil.copy(state / "journal.marker.json", backup)
    live.append_history(HistoryEntry(project="a", env="dev", revision="r5", action="applied"))  # in between
    source = sqlite3.connect(state / "journal.sqlite")
    target = sqlite3.connect(backup / "journal.sqlite")
    source.backup(target)
    source.close()
    target.close()
    live.close()
    assert main(["history", "--state-dir", str(backup), "--verify"]) == 0
    assert capsys.readouterr().out.strip() == "chain intact (6 rows)"
    restored = Journal(backup)  # the agent's open: migrations, marker check
    restored.append_history(HistoryEntry(project="a", env="dev", revision="r6", action="applied"))
    assert restored.verify().intact and restored.verify().rows == 7
