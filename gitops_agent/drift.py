"""Drift: compare each applied stack's live state with what was last applied; optionally remediate."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from compliance.model import StackGraph
from gitops_agent import source
from gitops_agent.checkouts import project_dir_of
from gitops_agent.digest import plan_digest
from gitops_agent.engines import Engine, EngineError
from gitops_agent.journal import Journal
from gitops_agent.logs import log
from gitops_agent.metrics import AgentMetrics


class DriftHost(Protocol):
    """What drift detection needs of the reconciler (gitops_agent.agent.Reconciler provides it)."""

    cfg: Any
    journal: Journal
    engine: Engine
    metrics: AgentMetrics

    def fetch(self) -> Any: ...
    def checkout(self, mirror: Any, revision: str) -> Path: ...
    def projects_at(self, checkout: Path) -> list[Any]: ...
    def evaluate_stack(
        self, project: Any, checkout: Path, outputs: dict[str, dict[str, Any]]
    ) -> StackGraph: ...
    def record(self, *args: Any, **kwargs: Any) -> Any: ...
    def apply_stack(self, *args: Any, **kwargs: Any) -> Any: ...


class DriftOutcome(BaseModel):
    """The drift verdict for one stack at its last applied revision."""

    project: str
    env: str
    revision: str
    drifted: bool
    compared: str = ""
    summary: str = ""
    remediated: bool = False
    error: str | None = None


def check_drift(reconciler: DriftHost, *, remediate: bool = False) -> list[DriftOutcome]:
    """Check every applied (or already drifted) stack of the env; record `drifted` / `remediated`.

    Drifted stacks are re-applied at their last applied revision only when `remediate` is set.
    """
    cfg, journal = reconciler.cfg, reconciler.journal
    mirror = reconciler.fetch()
    states = [s for s in journal.states() if s.env == cfg.env]
    outputs = {s.project: s.outputs for s in states}
    results: list[DriftOutcome] = []
    for state in states:
        if state.status not in ("applied", "drifted") or not state.revision:
            continue
        base = DriftOutcome(project=state.project, env=state.env, revision=state.revision, drifted=False)
        try:
            checkout = reconciler.checkout(mirror, state.revision)
            project = next((p for p in reconciler.projects_at(checkout) if p.name == state.project), None)
            if project is None:
                raise EngineError(f"{state.project}: not found at {state.revision[:12]}")
            project_dir = project_dir_of(project, checkout)
            graph = reconciler.evaluate_stack(project, checkout, outputs)
            verdict = reconciler.engine.drift(project_dir, graph, state.plan_digest)
        except (EngineError, source.SourceError) as exc:
            log("drift.error", "error", project=state.project, error=str(exc))
            results.append(base.model_copy(update={"error": str(exc)}))
            continue
        outcome = base.model_copy(
            update={"drifted": verdict.drifted, "compared": verdict.compared, "summary": verdict.summary}
        )
        commit = source.commit_info(mirror, state.revision)
        if verdict.drifted:
            message = f"drift: {verdict.summary} (compared {verdict.compared})"
            reconciler.record(state.project, "drifted", "drifted", commit, message, digest=plan_digest(graph))
            if remediate:
                done = reconciler.apply_stack(state.project, project_dir, graph, commit, action="remediated")
                outcome.remediated = done.action == "remediated"
        elif state.status == "drifted":
            reconciler.record(state.project, "applied", None, commit, "no drift any more")
        results.append(outcome)
    reconciler.metrics.drifted.set(sum(1 for r in results if r.drifted and not r.remediated))
    return results
