"""action.yml (the gate for other repositories) and the workflow `gitops init` writes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from gitops_agent.scaffold import plan

ROOT = Path(__file__).resolve().parents[2]
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _action() -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load((ROOT / "action.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_action_is_a_composite_with_the_documented_inputs_and_outputs() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"paths", "env", "policies-from", "changed-since", "sandbox"} <= set(action["inputs"])
    assert {"verdict", "exit-code", "json", "sarif", "markdown", "preview-markdown"} <= set(action["outputs"])
    for name, output in action["outputs"].items():
        assert output["value"].startswith("${{ steps.gate.outputs."), name


def test_action_steps_are_pinned_and_take_inputs_only_through_env() -> None:
    for step in _action()["runs"]["steps"]:
        if "uses" in step:
            assert SHA_PIN.match(step["uses"]), step["uses"]
        else:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], step.get("name")  # inputs are untrusted text
    gate = next(s for s in _action()["runs"]["steps"] if s.get("id") == "gate")
    assert "check" in gate["run"] and '--policies-from "$POLICIES_FROM"' in gate["run"]
    assert gate["env"]["POLICIES_FROM"] == "${{ inputs.policies-from }}"


def test_the_workflow_init_writes_passes_actionlint(tmp_path: Path) -> None:
    workflow = next(
        p
        for p in plan(tmp_path, env="prod", action="acme/gitops-iac@v1", owners="@o")
        if "workflows" in p.path
    )
    target = tmp_path / "gitops-check.yml"
    target.write_text(workflow.content)
    actionlint = Path(sys.executable).parent / "actionlint"
    done = subprocess.run([str(actionlint), str(target)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    data = yaml.safe_load(workflow.content)
    assert data["permissions"] == {} and data["jobs"]["check"]["permissions"] == {"contents": "read"}
