"""Shared fixtures of the agent tests: a real Git repo of four stacks and reconcilers on it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import git
import pytest

from compliance.model import Report, StackGraph, StackReport
from gitops_agent.agent import AgentConfig, Reconciler
from gitops_agent.engines import Engine, PlanOnlyEngine
from tests.agent.fixture_repo import make_repo


def allow_all_gate(graphs: Sequence[StackGraph], env: str, **_: Any) -> Report:
    """A gate with no policies: reports evaluation errors only (for tests about agent mechanics)."""
    return Report(
        stacks=[
            StackReport(project=g.project, path=g.path, env=env, resources=len(g.resources), error=g.error)
            for g in graphs
        ]
    )


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    """The fixture repository (a -> b -> c, d) with one commit on main."""
    return make_repo(tmp_path / "repo")


@pytest.fixture
def make_reconciler(tmp_path: Path) -> Callable[..., Reconciler]:
    """Build a plan-only Reconciler on a repo (real evaluation and gate unless replaced); keyword args
    override AgentConfig fields."""

    def build(
        repo_path: Path,
        *,
        engine: Engine | None = None,
        gate: Any = None,
        evaluate: Any = None,
        stop: threading.Event | None = None,
        **cfg: Any,
    ) -> Reconciler:
        settings: dict[str, Any] = {"engine": "plan-only", "state_dir": tmp_path / "state", "once": True}
        config = AgentConfig(repo=str(repo_path), **{**settings, **cfg})
        return Reconciler(config, engine or PlanOnlyEngine(), gate=gate, evaluate=evaluate, stop=stop)

    return build
