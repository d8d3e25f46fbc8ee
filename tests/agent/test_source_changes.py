"""Git source (mirror, rewrite detection, clean export) and change selection."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from compliance.discovery import Project
from gitops_agent import source
from gitops_agent.changes import directly_affected, reconcile_order, touches, waves
from tests.agent.fixture_repo import commit_all, write_stack


def test_mirror_fetch_export_and_rewrite_detection(repo: git.Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = repo.head.commit.hexsha
    mirror = source.sync_mirror(repo.working_dir, cache)
    assert source.resolve_branch(mirror, "main").sha == first

    write_stack(Path(repo.working_dir), "b", "2")
    second = commit_all(repo, "b: version 2")
    (Path(repo.working_dir) / "stacks" / "b" / "scratch.txt").write_text("uncommitted")  # never exported
    mirror = source.sync_mirror(repo.working_dir, cache)
    head = source.resolve_branch(mirror, "main")
    assert (head.sha, head.subject, head.author) == (
        second,
        "b: version 2",
        "Test Author <author@example.com>",
    )
    assert source.is_ancestor(mirror, first, second)
    assert source.changed_paths(mirror, first, second) == ["stacks/b/__main__.py"]

    export = source.export_commit(mirror, second, tmp_path / "checkouts")
    assert (export / "stacks" / "b" / "__main__.py").read_text().count("-2") == 1
    assert not (export / "stacks" / "b" / "scratch.txt").exists()
    assert not (export / ".git").exists()

    repo.git.reset("--hard", first)  # force-push equivalent: main no longer descends from `second`
    write_stack(Path(repo.working_dir), "d", "9")
    rewritten = commit_all(repo, "d: rewritten history")
    mirror = source.sync_mirror(repo.working_dir, cache)
    assert source.resolve_branch(mirror, "main").sha == rewritten
    assert not source.is_ancestor(mirror, second, rewritten)
    assert not source.is_ancestor(mirror, "0" * 40, rewritten)


def test_unknown_repo_and_branch_are_one_line_errors(repo: git.Repo, tmp_path: Path) -> None:
    with pytest.raises(source.SourceError, match="nowhere"):
        source.sync_mirror(str(tmp_path / "nowhere"), tmp_path / "cache")
    mirror = source.sync_mirror(repo.working_dir, tmp_path / "cache")
    with pytest.raises(source.SourceError, match="'nope' not found"):
        source.resolve_branch(mirror, "nope")


def test_touches_and_direct_selection() -> None:
    assert touches(["stacks/b/__main__.py"], "stacks/b")
    assert not touches(["stacks/bb/__main__.py"], "stacks/b")
    assert touches(["policies/enforcement.yaml"], "stacks/b")
    assert touches(["stacks/platform_components/s3.py"], "stacks/b")
    dirs = {"a": "stacks/a", "b": "stacks/b", "d": "stacks/d"}
    changed: dict[str, list[str] | None] = {"a": ["stacks/b/x"], "b": ["stacks/b/x"], "d": None}
    assert directly_affected(dirs, changed) == {"b", "d"}


def test_a_dependent_catches_up_on_its_upstream_changes() -> None:
    # An interrupted cycle applied a (its base is now the head) but never reached b: b's own base
    # is older and the diff since then touches only a's directory.
    dirs = {"a": "stacks/a", "b": "stacks/b", "d": "stacks/d"}
    changed: dict[str, list[str] | None] = {
        "a": [],
        "b": ["stacks/a/__main__.py"],
        "d": ["stacks/a/__main__.py"],
    }
    assert directly_affected(dirs, changed) == set()
    assert directly_affected(dirs, changed, upstream={"b": ["a"], "a": [], "d": []}) == {"b"}


def test_reconcile_order_adds_dependents_in_topological_order() -> None:
    projects = [
        Project(name="c", path=Path("stacks/c"), depends_on=["b"]),
        Project(name="a", path=Path("stacks/a")),
        Project(name="d", path=Path("stacks/d")),
        Project(name="b", path=Path("stacks/b"), depends_on=["a"]),
    ]
    assert [p.name for p in reconcile_order(projects, {"a"})] == ["a", "b", "c"]
    assert [p.name for p in reconcile_order(projects, {"b", "d"})] == ["b", "c", "d"]
    assert reconcile_order(projects, set()) == []
    grouped = waves(reconcile_order(projects, {"a", "d"}))
    assert [[p.name for p in wave] for wave in grouped] == [["a", "d"], ["b"], ["c"]]
    assert [[p.name for p in wave] for wave in waves(reconcile_order(projects, {"b"}))] == [["b"], ["c"]]
    assert waves([]) == []


def test_dependency_locked_elsewhere_makes_dependents_wait_not_blocked(tmp_path: Path) -> None:
    from gitops_agent.agent import AgentConfig, Reconciler
    from gitops_agent.engines import PlanOnlyEngine
    from gitops_agent.source import CommitInfo

    agent = Reconciler(
        AgentConfig(repo="unused", engine="plan-only", state_dir=tmp_path), PlanOnlyEngine(), gate=object()
    )
    b = Project(name="b", path=Path("stacks/b"), depends_on=["a"])
    commit = CommitInfo(sha="f" * 40, author="A <a@x>", subject="s")
    assert agent.held_back(b, commit, {}) is None
    waiting = agent.held_back(b, commit, {"a": "skipped"})
    assert waiting is not None and waiting.action is None and "waiting for a" in waiting.message
    assert agent.journal.get("b", "dev") is None and agent.journal.history() == []
    blocked = agent.held_back(b, commit, {"a": "failed"})
    assert blocked is not None and blocked.action == "blocked"
    state = agent.journal.get("b", "dev")
    assert (
        state is not None
        and state.status == "blocked"
        and state.message == "dependency not applied: a is failed"
    )


def test_url_sources_are_mirrored_too(repo: git.Repo, tmp_path: Path) -> None:
    url = Path(repo.working_dir).resolve().as_uri()  # file://..., fetched like https/ssh remotes
    mirror = source.sync_mirror(url, tmp_path / "cache")
    assert source.resolve_branch(mirror, "main").sha == repo.head.commit.hexsha
    assert source.mirror_dir(tmp_path / "cache", url) == Path(mirror.git_dir)
