"""The reference stacks pass their own gate, with the levels and waivers policies/ ships."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_stacks_pass_the_gate(env: str, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gitops_agent.cli",
            "check",
            "stacks",
            "--env",
            env,
            "--format",
            "json",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = json.loads(out.read_text())
    failed = [
        (s["project"], f["check_id"], f["resource"])
        for s in report["stacks"]
        for f in s["findings"]
        if f["result"] == "failed" and f["level"] == "mandatory"
    ]
    assert proc.returncode == 0, (failed, proc.stderr)
    assert {s["project"] for s in report["stacks"]} == {"database", "serverless", "edge"}
    assert all(s["error"] is None and s["resources"] > 20 for s in report["stacks"])
    waivers = report["summary"]["waivers"]
    # Every shipped waiver is used (none stale) and in force; our own policies ran.
    assert waivers["stale"] == [] and waivers["expired"] == []
    assert waivers["applied"], "the edge log-bucket waiver should apply"
    ours = {
        f["check_id"] for s in report["stacks"] for f in s["findings"] if f["check_id"].startswith("CKV_ORG_")
    }
    assert len(ours) >= 10
