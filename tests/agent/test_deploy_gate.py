"""Deploys bound to what was checked (pulumi engine on a fake Automation API): the engine's own preview
is gated like `gitops check --from-preview`, and `up` applies the saved plan of that preview only.

What the fake cannot show (needs the real CLI): that `pulumi preview --save-plan` writes a plan the
installed CLI accepts with `up --plan`, and that the CLI stops an update that strays from the plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import git
import pytest

from compliance.model import StackGraph
from gitops_agent.agent import Reconciler
from gitops_agent.deploy_gate import PlanningEngine, PreviewBlocked, apply_checked
from gitops_agent.engines import EngineError, PulumiEngine
from tests.agent.test_pulumi_engine import ENV, FakeStack, fake_automation

STACK_URN = "urn:pulumi:dev::d::pulumi:pulumi:Stack::d-dev"
QUEUE_URN = "urn:pulumi:dev::d::aws:sqs/queue:Queue::d-queue"


def preview_json(*, encrypted: bool) -> str:
    """`pulumi preview --json` of stack d: one SQS queue, encrypted or not."""
    queue = {
        "urn": QUEUE_URN,
        "custom": True,
        "type": "aws:sqs/queue:Queue",
        "parent": STACK_URN,
        "inputs": {"name": "d-queue-1", "sqsManagedSseEnabled": encrypted},
        "outputs": {},
        "sourcePosition": "project:///__main__.py#9,1",
    }
    stack = {"urn": STACK_URN, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {}}
    steps = [
        {"op": "same", "urn": STACK_URN, "newState": stack},
        {"op": "create", "urn": QUEUE_URN, "newState": queue},
    ]
    return json.dumps({"steps": steps, "changeSummary": {"create": 1}})


class PlanningStack(FakeStack):
    """A fake stack whose preview honours json= and plan= like pulumi.automation.Stack.preview."""

    def __init__(self, preview_stdout: str, *, save_plan: bool = True, **kw: Any) -> None:
        super().__init__(**kw)
        self.preview_stdout = preview_stdout
        self.save_plan = save_plan
        self.plans: dict[str, str | None] = {}

    def preview(self, json: bool = False, plan: str | None = None) -> Any:  # type: ignore[override]
        self._call("preview")
        assert json, "the agent must ask for the JSON preview"
        self.plans["preview"] = plan
        if plan and self.save_plan:
            Path(plan).write_text('{"resourcePlans": {}}')
        return SimpleNamespace(stdout=self.preview_stdout, change_summary={"create": 1})

    def up(self, plan: str | None = None) -> Any:  # type: ignore[override]
        self.plans["up"] = plan
        if plan is not None:
            assert Path(plan).is_file(), "up must run while the saved plan exists"
        return super().up()


GRAPH = StackGraph(project="d", path="stacks/d", env="dev")


def test_the_pulumi_engine_is_a_planning_engine(tmp_path: Path) -> None:
    engine = PulumiEngine(tmp_path, "dev", automation=fake_automation(FakeStack()), environ=ENV)
    assert isinstance(engine, PlanningEngine)


def test_apply_checked_previews_gates_then_applies_that_plan(tmp_path: Path) -> None:
    stack = PlanningStack(preview_json(encrypted=True))
    engine = PulumiEngine(tmp_path, "dev", refresh=True, automation=fake_automation(stack), environ=ENV)
    seen: list[StackGraph] = []

    def check(graph: StackGraph) -> list[str]:
        seen.append(graph)
        return []

    result = apply_checked(engine, tmp_path / "stacks" / "d", GRAPH, check)
    assert stack.calls == ["refresh", "preview", "up"]
    assert stack.plans["preview"] is not None and stack.plans["up"] == stack.plans["preview"]
    assert not Path(stack.plans["up"]).exists()  # the plan lived in a temporary directory
    [graph] = seen
    assert (graph.project, graph.path, graph.env) == ("d", "stacks/d", "dev")
    assert [(r.type, r.inputs.get("sqsManagedSseEnabled")) for r in graph.resources] == [
        ("aws:sqs/queue:Queue", True)
    ]
    assert graph.resources[0].source is not None and graph.resources[0].source.file == "stacks/d/__main__.py"
    assert result.summary == "create=1"


def test_a_failing_preview_is_never_applied(tmp_path: Path) -> None:
    stack = PlanningStack(preview_json(encrypted=False))
    engine = PulumiEngine(tmp_path, "dev", automation=fake_automation(stack), environ=ENV)
    with pytest.raises(PreviewBlocked, match="CKV_AWS_27"):
        apply_checked(engine, tmp_path / "d", GRAPH, lambda g: ["CKV_AWS_27 failed on d-queue"])
    assert stack.calls == ["preview"]


def test_unusable_preview_or_missing_plan_is_an_engine_error(tmp_path: Path) -> None:
    for stack, message in (
        (PlanningStack("not json"), "preview --json output unusable"),
        (PlanningStack(preview_json(encrypted=True), save_plan=False), "saved no update plan"),
    ):
        engine = PulumiEngine(tmp_path, "dev", automation=fake_automation(stack), environ=ENV)
        with pytest.raises(EngineError, match=message):
            apply_checked(engine, tmp_path / "d", GRAPH, lambda g: [])
        assert "up" not in stack.calls


def test_without_a_check_the_engine_applies_as_before(tmp_path: Path) -> None:
    stack = FakeStack()
    engine = PulumiEngine(tmp_path, "dev", automation=fake_automation(stack), environ=ENV)
    apply_checked(engine, tmp_path / "d", GRAPH, None)
    assert stack.calls == ["preview", "up"]  # plain preview + up (the drift remediation path)


@pytest.mark.slow
def test_agent_blocks_a_stack_whose_engine_preview_fails_the_gate(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler], tmp_path: Path
) -> None:
    """Stack d is compliant under the offline evaluation; its engine preview (a program that behaves
    differently under the engine) has an unencrypted queue, which the fixture policies block."""
    stack = PlanningStack(preview_json(encrypted=False))
    engine = PulumiEngine(tmp_path / "state", "dev", automation=fake_automation(stack), environ=ENV)
    agent = make_reconciler(Path(repo.working_dir), engine=engine, stacks_dir="stacks/d")
    result = agent.cycle()
    assert [(o.project, o.action) for o in result.outcomes] == [("d", "blocked")]
    assert (
        "engine preview blocked" in result.outcomes[0].message and "CKV_AWS_27" in result.outcomes[0].message
    )
    assert stack.calls == ["preview"]  # never `up`
    state = agent.journal.get("d", "dev")
    assert state is not None and state.status == "blocked"
    assert agent.metrics.policy_failures.labels(stack="d")._value.get() == 1


@pytest.mark.slow
def test_agent_applies_the_checked_plan_when_the_preview_passes(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler], tmp_path: Path
) -> None:
    stack = PlanningStack(preview_json(encrypted=True))
    engine = PulumiEngine(tmp_path / "state", "dev", automation=fake_automation(stack), environ=ENV)
    agent = make_reconciler(Path(repo.working_dir), engine=engine, stacks_dir="stacks/d")
    result = agent.cycle()
    assert [(o.project, o.action) for o in result.outcomes] == [("d", "applied")]
    assert stack.calls == ["preview", "up"] and stack.plans["up"] == stack.plans["preview"]
