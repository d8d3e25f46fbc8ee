"""`gitops stack suspend|resume`, a suspended stack skipped by the agent and shown by status, and
`--journal URL` / GITOPS_JOURNAL_URL with credentials kept out of every output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_agent.cli import main
from gitops_agent.journal import open_journal
from tests.journal.pg_cluster import PASSWORD
from tests.journal.replica import applies, bump_all, make_fleet_repo, replica


def test_suspended_stack_is_reported_never_applied_until_resumed(
    journal_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the status table on one line per stack
    repo = make_fleet_repo(tmp_path / "repo", stacks=3)
    log = tmp_path / "applies.log"
    agent = replica(Path(repo.working_dir), journal_url, tmp_path / "state", "solo", log)
    first = agent.cycle()
    assert first.ok and len(applies(log)) == 3
    jargs = ["--journal", journal_url, "--state-dir", str(tmp_path / "state")]
    assert (
        main(["stack", "suspend", "s01", "--env", "dev", "--reason", "incident 7", "--by", "alice", *jargs])
        == 0
    )
    assert "s01/dev: suspended by alice" in capsys.readouterr().out
    assert main(["stack", "suspend", "s01", "--env", "dev", *jargs]) == 0
    assert "already suspended" in capsys.readouterr().out

    bump_all(repo, 1)
    second = agent.cycle()
    outcome = {o.project: o for o in second.outcomes}
    assert outcome["s01"].action is None and outcome["s01"].message.startswith("suspended by alice")
    assert second.ok
    assert sorted(p for p, v, _ in applies(log) if v == "1") == ["s00", "s02"]
    capsys.readouterr()
    assert main(["status", "--format", "json", *jargs]) == 0
    status = {s["project"]: s for s in json.loads(capsys.readouterr().out)}
    assert status["s01"]["suspended"]["reason"] == "incident 7" and status["s01"]["status"] == "applied"
    assert status["s00"]["suspended"] is None
    assert main(["status", *jargs]) == 0
    table = capsys.readouterr().out
    assert "suspended" in table and "incident 7" in table

    assert main(["stack", "resume", "s01", "--env", "dev", "--reason", "fixed", "--by", "bob", *jargs]) == 0
    capsys.readouterr()
    third = agent.cycle()
    assert [o.project for o in third.outcomes if o.action == "applied"] == ["s01"]
    assert sorted(p for p, v, _ in applies(log) if v == "1") == ["s00", "s01", "s02"]
    journal = open_journal(journal_url, tmp_path / "state")
    rows = [(h.action, h.author, h.summary) for h in journal.history("s01") if h.action != "applied"]
    assert rows == [("suspended", "alice", "incident 7"), ("resumed", "bob", "fixed")]
    assert main(["history", "--verify", *jargs]) == 0


def test_stack_suspend_needs_an_existing_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "suspend", "a", "--env", "dev", "--state-dir", str(tmp_path / "none")]) == 2
    assert "no agent journal here" in capsys.readouterr().err


def test_unreachable_postgres_is_one_line_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql://gitops:topsecret-pw@127.0.0.1:1/journal"
    for argv in (
        ["status", "--journal", url],
        ["history", "--journal", url, "--verify"],
        ["agent", "--repo", str(tmp_path), "--journal", url, "--engine", "plan-only", "--once"],
    ):
        assert main([*argv, "--state-dir", str(tmp_path / "s")]) == 2
        err = capsys.readouterr().err
        assert "topsecret" not in err and "gitops:***@127.0.0.1:1" in err and "unreachable" in err
        assert len(err.strip().splitlines()) == 1
    monkeypatch.setenv("GITOPS_JOURNAL_URL", url)
    assert main(["status", "--state-dir", str(tmp_path / "s")]) == 2
    assert "gitops:***@" in capsys.readouterr().err
    assert main(["status", "--journal", "mysql://u:pw@h/db"]) == 2
    err = capsys.readouterr().err
    assert "expected sqlite:///PATH or postgresql://" in err and "pw" not in err.replace("postgresql", "")


def test_postgres_journal_through_the_commands(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_fleet_repo(tmp_path / "repo", stacks=2)
    agent = replica(Path(repo.working_dir), pg_url, tmp_path / "state", "solo", tmp_path / "log")
    assert agent.cycle().ok
    assert main(["history", "--journal", pg_url, "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert [r["project"] for r in json.loads(out)] == ["s00", "s01"]
    assert main(["history", "--journal", pg_url, "--verify"]) == 0
    assert capsys.readouterr().out.strip() == "chain intact (2 rows)"
    assert main(["status", "--journal", pg_url]) == 0
    assert PASSWORD not in capsys.readouterr().out
    assert not (tmp_path / "state" / "journal.sqlite").exists()  # nothing written beside it
