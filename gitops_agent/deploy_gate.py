"""Deploys bound to what was checked: with an engine that can plan (pulumi), the agent gates the
engine's own preview of the commit and applies exactly that plan.

Sequence for one stack: the offline evaluation was gated already; then `preview` (the engine runs
the program for real, saving its JSON and an update plan), the same gate on the preview's graph,
and `up` constrained to the saved plan. A program that behaves differently under the offline
evaluation than under the engine is caught by the second gate; one that behaves differently
between preview and up is stopped by the engine (the plan does not allow it).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from compliance.model import StackGraph
from gitops_agent.engines import ApplyResult, Engine, EngineError

__all__ = ["Check", "CheckedPlan", "PlanningEngine", "PreviewBlocked", "apply_checked"]

Check = Callable[[StackGraph], list[str]]
"""Gate one graph: the reasons it must not be applied (empty: go ahead)."""


class PreviewBlocked(EngineError):
    """The engine's own preview failed the gate: nothing was applied."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("engine preview blocked: " + "; ".join(reasons))


@dataclass(frozen=True)
class CheckedPlan:
    """An engine preview: its desired-state graph, the update plan file and the change counts."""

    graph: StackGraph
    plan_file: Path
    changes: Mapping[Any, int]


@runtime_checkable
class PlanningEngine(Protocol):
    """An engine that previews into a saved plan and applies only that plan."""

    def preview_plan(self, project_dir: Path, workdir: Path, project_path: str | None = None) -> CheckedPlan:
        """Preview the stack, saving the plan and the preview JSON under `workdir` (`project_path`:
        the project's repository-relative path, for findings' file names)."""
        ...

    def apply_plan(self, project_dir: Path, plan: CheckedPlan) -> ApplyResult:
        """Apply the stack constrained to `plan`."""
        ...


def apply_checked(engine: Engine, project_dir: Path, graph: StackGraph, check: Check | None) -> ApplyResult:
    """Apply `graph`; with a planning engine and a `check`, gate the engine's preview first and apply
    that plan (PreviewBlocked when the preview fails the gate)."""
    if check is None or not isinstance(engine, PlanningEngine):
        return engine.apply(project_dir, graph)
    with tempfile.TemporaryDirectory(prefix="gitops-plan-") as tmp:
        plan = engine.preview_plan(project_dir, Path(tmp), project_path=graph.path)
        identity = {"project": graph.project, "path": graph.path, "env": graph.env}
        checked = plan.graph.model_copy(update=identity)
        reasons = check(checked)
        if reasons:
            raise PreviewBlocked(reasons)
        return engine.apply_plan(project_dir, plan)
