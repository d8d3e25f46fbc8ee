"""No inherited credential reaches the journal, `gitops status` or `gitops history`, whatever an
engine (or the program behind it) puts in its error or its outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from compliance.model import SECRET, StackGraph
from gitops_agent.agent import Reconciler
from gitops_agent.cli import main
from gitops_agent.engines import ApplyResult, EngineError, PlanOnlyEngine

SENTINEL = "sentinel-AKIA-7f3c9e21d4b8a6"


class LeakyEngine(PlanOnlyEngine):
    """Fails stack `a` with the credential in the message; puts it in `b`'s outputs."""

    def apply(self, project_dir: Path, graph: StackGraph) -> ApplyResult:
        import os

        leaked = os.environ["AWS_SECRET_ACCESS_KEY"]
        if graph.project == "a":
            raise EngineError(f"{graph.project}: update failed: provider said key={leaked} is invalid")
        result = super().apply(project_dir, graph)
        return result.model_copy(update={"outputs": {"endpoint": f"https://x:{leaked}@db.example"}})


def test_credentials_are_masked_in_the_journal_status_and_history(
    repo: git.Repo,
    make_reconciler: Callable[..., Reconciler],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SENTINEL)
    agent = make_reconciler(Path(repo.working_dir), engine=LeakyEngine())
    agent.cycle()
    capsys.readouterr()
    state_dir = str(tmp_path / "state")
    assert main(["status", "--state-dir", state_dir, "--format", "json"]) in (0, 1)
    assert main(["history", "--state-dir", state_dir]) in (0, 1)
    printed = capsys.readouterr().out
    assert SENTINEL not in printed
    assert SECRET in printed  # the failure and the outputs are there, masked
    raw = b"".join(p.read_bytes() for p in (tmp_path / "state").rglob("journal*") if p.is_file())
    assert SENTINEL.encode() not in raw
    states = {s["project"]: s for s in json.loads(printed[: printed.rindex("]") + 1])}
    assert states["a"]["status"] == "failed" and SECRET in states["a"]["message"]
