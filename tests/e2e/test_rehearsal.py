"""The end-to-end scenario offline (`--engine plan-only`), runnable anywhere: the copied stacks with the
community knobs pass the real gate, the change moves the plan digest, `gitops rollback` + a sync
bring it back, and history shows the revert applied with the earlier digest. Only the Pulumi apply
and the AWS API checks are left to the LocalStack test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.scenario import run_scenario
from tests.e2e.support import COMMUNITY_KNOBS, COMMUNITY_STACKS, DEFAULT_ENDPOINT


@pytest.mark.slow
def test_scenario_with_the_plan_only_engine(tmp_path: Path) -> None:
    calls: list[tuple[str, Any]] = []
    run = run_scenario(
        tmp_path,
        COMMUNITY_STACKS,
        engine="plan-only",
        endpoint=DEFAULT_ENDPOINT,
        knobs=COMMUNITY_KNOBS,
        check=lambda step, value: calls.append((step, value)),
    )
    assert calls == [("sync", 30), ("change", 60), ("revert", 30)]
    assert run.target == "serverless"
    # database was not touched by the change: never re-applied after the first sync
    database_rows = [r for r in run.history if r["project"] == "database"]
    assert [r["action"] for r in database_rows if r["action"] == "applied"] == ["applied"]
    serverless = [r for r in run.history if r["project"] == "serverless" and r["action"] == "applied"]
    assert [r["revision"] for r in serverless][1:] == [run.change_sha, run.revert_sha]
