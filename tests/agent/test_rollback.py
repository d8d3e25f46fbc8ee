"""`gitops rollback`: revert commits (plain and merge), on a new branch, pushed to a bare remote."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from gitops_agent.cli import main
from gitops_agent.rollback import RollbackError, revert_commit
from tests.agent.fixture_repo import commit_all, write_stack


def test_revert_commit_on_current_branch(repo: git.Repo) -> None:
    root = Path(repo.working_dir)
    before = (root / "stacks/b/__main__.py").read_text()
    write_stack(root, "b", "2")
    bad = commit_all(repo, "b: version 2")
    assert main(["rollback", bad, "--repo", str(root)]) == 0
    head = repo.head.commit
    assert head.parents[0].hexsha == bad
    assert head.message.startswith('Revert "b: version 2"')
    assert (root / "stacks/b/__main__.py").read_text() == before
    assert repo.active_branch.name == "main"


def test_merge_commit_is_reverted_against_first_parent(repo: git.Repo) -> None:
    root = Path(repo.working_dir)
    repo.git.checkout("-b", "feature")
    write_stack(root, "d", "5")
    commit_all(repo, "d: version 5")
    repo.git.checkout("main")
    repo.git.merge("--no-ff", "feature", "-m", "merge feature")
    merge = repo.head.commit.hexsha
    info = revert_commit(root, merge)
    assert "d-queue-1" in (root / "stacks/d/__main__.py").read_text()
    assert repo.head.commit.hexsha == info.sha and info.subject.startswith("Revert")


def test_revert_on_new_branch_and_push_to_bare_remote(repo: git.Repo, tmp_path: Path) -> None:
    root = Path(repo.working_dir)
    remote = git.Repo.init(tmp_path / "remote.git", bare=True)
    repo.create_remote("origin", remote.working_dir if remote.working_dir else remote.git_dir)
    write_stack(root, "a", "2")
    bad = commit_all(repo, "a: version 2")
    repo.git.push("origin", "main")
    assert main(["rollback", bad, "--repo", str(root), "--branch", "rollback-a", "--push"]) == 0
    assert repo.active_branch.name == "rollback-a"
    pushed = remote.commit("refs/heads/rollback-a")
    assert pushed.hexsha == repo.head.commit.hexsha and pushed.parents[0].hexsha == bad
    assert remote.commit("refs/heads/main").hexsha == bad  # main on the remote is untouched


def test_refusals_are_one_line_exit_2(
    repo: git.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(repo.working_dir)
    head = repo.head.commit.hexsha
    (root / "stacks/a/__main__.py").write_text("# edited\n")
    assert main(["rollback", head, "--repo", str(root)]) == 2
    err = capsys.readouterr().err
    assert "uncommitted changes" in err and len(err.strip().splitlines()) == 1
    assert repo.head.commit.hexsha == head  # nothing committed
    repo.git.checkout("--", ".")
    assert main(["rollback", "deadbeef", "--repo", str(root)]) == 2
    assert "unknown commit" in capsys.readouterr().err
    assert main(["rollback", head, "--repo", str(tmp_path / "not-a-repo")]) == 2
    with pytest.raises(RollbackError, match="already exists"):
        revert_commit(root, head, branch="main")
