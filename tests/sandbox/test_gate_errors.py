"""The gate masks credentials in a stack's evaluation error and caps its size before reporting it."""

from __future__ import annotations

from pathlib import Path

from compliance import gate
from compliance.model import StackGraph
from policies.levels import load_enforcement

REPO = Path(__file__).resolve().parents[2]


def test_a_stack_error_is_masked_and_capped(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sentinel-aws-secret-6f6f")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "sentinel-passphrase-7e7e")
    error = (
        "stacks/x/__main__.py:3: RuntimeError: "
        "creds sentinel-aws-secret-6f6f / sentinel-passphrase-7e7e " + "z" * 20_000
    )
    graph = StackGraph(project="x", path="stacks/x", env="dev", error=error, confinement="bubblewrap")
    policies = gate.Policies(enforcement=load_enforcement(REPO / "policies"), waivers=[])
    report = gate.check_graphs(
        [graph], "dev", policies_dir=REPO / "policies", repo_root=REPO, policies=policies
    )
    reported = report.stacks[0]
    assert reported.error is not None
    assert "sentinel" not in reported.error
    assert reported.error.startswith("stacks/x/__main__.py:3: RuntimeError: creds [secret] / [secret] zzz")
    assert len(reported.error) < 4200
    assert reported.error.endswith("more characters in the log)")
    assert reported.confinement == "bubblewrap"
    assert "sentinel" not in report.model_dump_json()
