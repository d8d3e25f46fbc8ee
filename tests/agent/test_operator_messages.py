"""What an operator reads: git's own error, a refused force-push explained on stderr, numbers that mean
nothing refused at parse time, an end-of-cycle summary line, and plan-only saying what it does."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from gitops_agent import source
from gitops_agent.cli import main
from tests.agent.fixture_repo import commit_all, write_stack


def test_a_missing_repository_keeps_gits_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(source.SourceError) as info:
        source.sync_mirror(str(tmp_path / "nowhere"), tmp_path / "cache")
    message = str(info.value)
    assert "does not exist" in message and "['" not in message and '"\'"' not in message
    args = ["agent", "--repo", str(tmp_path / "nowhere"), "--engine", "plan-only", "--once"]
    assert main([*args, "--state-dir", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "does not exist" in err[-1] and err[-1].startswith("error:")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--interval", "nan"),
        ("--interval", "inf"),
        ("--interval", "0"),
        ("--interval", "-5"),
        ("--drift-interval", "nan"),
        ("--drift-interval", "-inf"),
        ("--jobs", "0"),
        ("--jobs", "-2"),
    ],
)
def test_meaningless_numbers_are_refused(
    option: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["agent", "--repo", ".", "--engine", "plan-only", "--state-dir", str(tmp_path), "--once"]
    assert main([*args, f"{option}={value}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and option in err[0]
    assert not (tmp_path / "journal.sqlite").exists()  # refused before anything started


def test_a_refused_force_push_is_explained_on_stderr(
    repo: git.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(repo.working_dir)
    args = ["agent", "--repo", repo.working_dir, "--engine", "plan-only", "--once"]
    args += ["--state-dir", str(tmp_path / "state"), "--stacks-dir", "stacks/d"]
    write_stack(root, "d", "2")
    old = commit_all(repo, "d: version 2")
    assert main(args) == 0
    repo.git.reset("--hard", "HEAD~1")
    write_stack(root, "d", "3")
    new = commit_all(repo, "d: version 3, rewritten")
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    last = err[-1]
    assert last.startswith("error:") and "main" in last and "--allow-rewrite" in last
    assert old[:12] in last and new[:12] in last
    assert all(json.loads(line) for line in err[:-1])  # the rest is the JSON log


def test_cycle_summary_line_and_plan_only_wording(
    repo: git.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["agent", "--repo", repo.working_dir, "--engine", "plan-only", "--once"]
    args += ["--state-dir", str(tmp_path / "state")]
    assert main(args) == 0
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    [done] = [r for r in records if r["event"] == "cycle.done"]
    assert done["revision"] == repo.head.commit.hexsha[:12]
    assert (done["applied"], done["unchanged"], done["blocked"], done["failed"], done["suspended"]) == (
        4,
        0,
        0,
        0,
        0,
    )
    assert done["duration_s"] > 0
    applying = [r["message"] for r in records if r["event"] == "stack.applying"]
    assert applying and all(m.startswith("recording ") for m in applying)
    assert not any("applying" in str(r.get("message", "")) for r in records)
    assert main(["history", "--state-dir", str(tmp_path / "state"), "--format", "json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert {h["action"] for h in history} == {"applied"}  # the journal's contract is unchanged
    assert all(h["summary"].startswith("recorded ") for h in history)
