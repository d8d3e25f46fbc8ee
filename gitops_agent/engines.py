"""Engines that make a stack's live state match its desired state.

`plan-only` touches no cloud: it records the offline evaluation (dry runs, machines without the
Pulumi CLI). `pulumi` drives the Pulumi Automation API against a local file backend under the state
dir (or any backend URL), with the passphrase secrets provider.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import yaml
from pydantic import BaseModel

from compliance.model import SECRET, StackGraph
from gitops_agent.digest import plan_digest
from gitops_agent.logs import redact

if TYPE_CHECKING:
    from gitops_agent.deploy_gate import CheckedPlan


class EngineConfigError(Exception):
    """The engine cannot run at all here (missing CLI, passphrase...): usage error, exit 2."""


class EngineError(Exception):
    """An engine step failed for one stack."""


class TransientEngineError(EngineError):
    """An engine step failed for a reason worth retrying (e.g. a concurrent update)."""


class ApplyResult(BaseModel):
    """What an apply produced: the stack outputs (secrets masked) and a one-line change summary."""

    outputs: dict[str, Any]
    summary: str


class DriftResult(BaseModel):
    """Whether live (or re-evaluated) state differs from what was last applied, and what was compared."""

    drifted: bool
    compared: str
    summary: str


class Engine(Protocol):
    """The operations the agent needs from an engine."""

    name: str

    def apply(self, project_dir: Path, graph: StackGraph) -> ApplyResult:
        """Make the stack match `graph` (evaluated from `project_dir`)."""
        ...

    def drift(self, project_dir: Path, graph: StackGraph, recorded_digest: str | None) -> DriftResult:
        """Compare live state with the last applied state of the stack in `project_dir`."""
        ...

    def recover(self, project_dir: Path, project: str, env: str) -> None:
        """Make a stack left half-applied by a crash safe to reconcile again."""
        ...


class PlanOnlyEngine:
    """Records the desired state only; drift = digest of a fresh evaluation vs the recorded digest."""

    name = "plan-only"

    def apply(self, project_dir: Path, graph: StackGraph) -> ApplyResult:
        """No cloud call: the evaluated outputs become the recorded outputs."""
        count = sum(1 for r in graph.resources if r.custom)
        return ApplyResult(outputs=dict(graph.outputs), summary=f"recorded {count} resources (plan-only)")

    def drift(self, project_dir: Path, graph: StackGraph, recorded_digest: str | None) -> DriftResult:
        """Plan-only has no live state: compare the recorded digest with a re-evaluation's digest."""
        fresh = plan_digest(graph)
        compared = "recorded plan digest vs a fresh offline evaluation of the last applied revision"
        if fresh == recorded_digest:
            return DriftResult(drifted=False, compared=compared, summary="digest unchanged")
        return DriftResult(
            drifted=True,
            compared=compared,
            summary=f"digest {str(recorded_digest)[:12]} -> {fresh[:12]} (environment or tooling changed)",
        )

    def recover(self, project_dir: Path, project: str, env: str) -> None:
        """Nothing to clean up: plan-only never holds cloud locks."""


def masked_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Automation API OutputValues -> plain values, secrets replaced by the SECRET placeholder."""
    return {k: SECRET if getattr(v, "secret", False) else getattr(v, "value", v) for k, v in outputs.items()}


def change_summary(changes: Mapping[Any, int] | None) -> str:
    """{'create': 2, 'same': 3} -> 'create=2 same=3' (sorted, zero counts dropped)."""
    items = {str(getattr(k, "value", k)): n for k, n in (changes or {}).items() if n}
    return " ".join(f"{k}={v}" for k, v in sorted(items.items())) or "no changes"


def _has_changes(changes: Mapping[Any, int] | None) -> bool:
    return any(n for k, n in (changes or {}).items() if str(getattr(k, "value", k)) != "same")


def pin_virtualenv(project_dir: Path, venv: Path) -> None:
    """Point a checkout's Pulumi.yaml at the agent's own virtualenv.

    A committed `runtime.options.virtualenv` is relative to the repository (e.g. ../../.venv), which
    does not exist inside the agent's export of a commit; the agent's environment is the one that has
    pulumi, pulumi-aws and the project installed. Only ever called on the agent's own export.
    """
    path = project_dir / "Pulumi.yaml"
    if not path.is_file():  # not a project: Pulumi itself reports that, with the path
        return
    settings = yaml.safe_load(path.read_text()) or {}
    runtime = settings.get("runtime")
    if isinstance(runtime, str):
        runtime = {"name": runtime}
    if not isinstance(runtime, dict) or runtime.get("name") != "python":
        return
    runtime.setdefault("options", {})["virtualenv"] = str(venv)
    settings["runtime"] = runtime
    path.write_text(yaml.safe_dump(settings, sort_keys=False))


class PulumiEngine:
    """Pulumi Automation API: LocalWorkspace on the checkout's project dir, stack named after the env."""

    name = "pulumi"

    def __init__(
        self,
        state_dir: Path,
        env: str,
        *,
        backend_url: str | None = None,
        refresh: bool = False,
        automation: ModuleType | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if environ is None else environ
        if automation is None:
            if shutil.which("pulumi") is None:
                raise EngineConfigError(
                    "engine pulumi: the Pulumi CLI is not on PATH (use --engine plan-only)"
                )
            from pulumi import automation as auto

            automation = auto
        if not (environ.get("PULUMI_CONFIG_PASSPHRASE") or environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")):
            raise EngineConfigError(
                "engine pulumi: PULUMI_CONFIG_PASSPHRASE (or _FILE) is not set for the passphrase provider"
            )
        self.auto = automation
        self.env = env
        self.refresh = refresh
        self.backend_url = backend_url or f"file://{(state_dir / 'backend').resolve()}"
        if self.backend_url.startswith("file://"):
            Path(self.backend_url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)

    def workspace_env(self, project_dir: Path) -> dict[str, str]:
        """Extra environment for the Pulumi CLI (the passphrase is inherited, never copied here).

        PYTHONPATH puts the checkout's own stacks directory first, so shared component packages
        (stacks/platform_components) come from the commit being applied, not from wherever the
        agent's environment was installed.
        """
        return {
            "PULUMI_BACKEND_URL": self.backend_url,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PYTHONPATH": str(project_dir.resolve().parent),
        }

    def stack(self, project_dir: Path) -> Any:
        """create_or_select the env's stack with config from `project_dir`/Pulumi.<env>.yaml."""
        pin_virtualenv(project_dir, Path(sys.prefix))
        opts = self.auto.LocalWorkspaceOptions(
            work_dir=str(project_dir), env_vars=self.workspace_env(project_dir), secrets_provider="passphrase"
        )
        try:
            return self.auto.create_or_select_stack(stack_name=self.env, work_dir=str(project_dir), opts=opts)
        except Exception as exc:
            raise self._error(project_dir, "select stack", exc) from exc

    def _error(self, project_dir: Path, step: str, exc: Exception) -> EngineError:
        lines = [line for line in redact(str(exc)).splitlines() if line.strip()]
        detail = next((line.strip() for line in reversed(lines) if "error" in line.lower()), None)
        detail = detail or (lines[-1].strip() if lines else type(exc).__name__)
        kind = TransientEngineError if type(exc).__name__ == "ConcurrentUpdateError" else EngineError
        return kind(f"{project_dir.name}: pulumi {step} failed: {detail}")

    def apply(self, project_dir: Path, graph: StackGraph) -> ApplyResult:
        """Optional refresh, preview, up; returns the stack outputs with secrets masked."""
        stack = self.stack(project_dir)
        step = "refresh"
        try:
            if self.refresh:
                stack.refresh()
            step = "preview"
            preview = stack.preview()
            step = "up"
            result = stack.up()
        except Exception as exc:
            raise self._error(project_dir, step, exc) from exc
        changes = getattr(result.summary, "resource_changes", None) or preview.change_summary
        return ApplyResult(outputs=masked_outputs(result.outputs), summary=change_summary(changes))

    def preview_plan(self, project_dir: Path, workdir: Path, project_path: str | None = None) -> CheckedPlan:
        """Optional refresh, then `pulumi preview --json --save-plan`: the preview's graph (as
        `gitops check --from-preview` reads it) and the saved update plan, for deploy_gate."""
        from compliance.errors import ConfigError
        from compliance.imports import graph_from_preview
        from gitops_agent.deploy_gate import CheckedPlan

        stack = self.stack(project_dir)
        plan_file, preview_file = workdir / "plan.json", workdir / "preview.json"
        step = "refresh"
        try:
            if self.refresh:
                stack.refresh()
            step = "preview"
            preview = stack.preview(json=True, plan=str(plan_file))
        except Exception as exc:
            raise self._error(project_dir, step, exc) from exc
        preview_file.write_text(preview.stdout or "", encoding="utf-8")
        try:
            graph = graph_from_preview(preview_file, project_path=project_path)
        except ConfigError as exc:
            raise EngineError(f"{project_dir.name}: pulumi preview --json output unusable: {exc}") from None
        if not plan_file.is_file():
            raise EngineError(f"{project_dir.name}: pulumi preview saved no update plan ({plan_file.name})")
        return CheckedPlan(graph=graph, plan_file=plan_file, changes=preview.change_summary or {})

    def apply_plan(self, project_dir: Path, plan: CheckedPlan) -> ApplyResult:
        """`pulumi up --plan`: the update may do only what the checked preview planned."""
        stack = self.stack(project_dir)
        try:
            result = stack.up(plan=str(plan.plan_file))
        except Exception as exc:
            raise self._error(project_dir, "up --plan", exc) from exc
        changes = getattr(result.summary, "resource_changes", None) or plan.changes
        return ApplyResult(outputs=masked_outputs(result.outputs), summary=change_summary(changes))

    def drift(self, project_dir: Path, graph: StackGraph, recorded_digest: str | None) -> DriftResult:
        """A preview-only refresh: any change other than `same` means live state drifted."""
        stack = self.stack(project_dir)
        try:
            preview = stack.preview_refresh()
        except Exception as exc:
            raise self._error(project_dir, "refresh --preview-only", exc) from exc
        changes = preview.change_summary
        return DriftResult(
            drifted=_has_changes(changes),
            compared="live cloud state (pulumi refresh --preview-only) vs the last applied state",
            summary=change_summary(changes),
        )

    def recover(self, project_dir: Path, project: str, env: str) -> None:
        """Cancel a stale update lock left by a crash, then refresh state from the cloud."""
        stack = self.stack(project_dir)
        with contextlib.suppress(Exception):
            stack.cancel()
        try:
            stack.refresh()
        except Exception as exc:
            raise self._error(project_dir, "refresh", exc) from exc


def make_engine(
    name: str, state_dir: Path, env: str, *, backend_url: str | None = None, refresh: bool = False
) -> Engine:
    """The engine called `name` (`pulumi` or `plan-only`); EngineConfigError when it cannot run."""
    if name == "plan-only":
        return PlanOnlyEngine()
    if name == "pulumi":
        return PulumiEngine(state_dir, env, backend_url=backend_url, refresh=refresh)
    raise EngineConfigError(f"unknown engine {name!r} (pulumi or plan-only)")
