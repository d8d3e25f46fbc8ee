"""One stack's broken project file is that stack's error: the agent still applies the others and
journals the broken one (#14.2, agent side)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import git

from gitops_agent.agent import Reconciler
from tests.agent.fixture_repo import commit_all


def test_malformed_pulumi_yaml_fails_its_stack_only(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    root = Path(repo.working_dir)
    (root / "stacks" / "d" / "Pulumi.yaml").write_text("name: d\nruntime: [python\n")  # broken YAML
    (root / "stacks" / "a" / "Pulumi.dev.yaml").write_text("config: [\n")  # broken stack config
    commit_all(repo, "two broken project files")
    agent = make_reconciler(root)
    agent.cycle()
    states = {s.project: s for s in agent.journal.states()}
    assert (
        states["a"].status == "blocked" and "stacks/a/Pulumi.dev.yaml:2: invalid YAML" in states["a"].message
    )
    assert states["d"].status == "blocked" and "stacks/d/Pulumi.yaml:3: invalid YAML" in states["d"].message
    assert states["b"].message == "dependency not applied: a is blocked"  # dependents wait, as always
    assert {h.project for h in agent.journal.history()} == {"a", "b", "c", "d"}

    (root / "stacks" / "d" / "Pulumi.yaml").write_text("name: d\nruntime: python\n")
    commit_all(repo, "d fixed")
    agent.cycle()
    states = {s.project: s for s in agent.journal.states()}
    assert states["d"].status == "applied" and states["a"].status == "blocked"
