"""The end-to-end scenario, shared by the LocalStack test (pulumi engine) and its offline rehearsal
(plan-only engine): sync, check, commit a visible change, check, `gitops rollback`, sync, check.

Every step goes through the `gitops` CLI in a subprocess, like an operator would run it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.support import (
    CHANGED_KEY,
    applied_digests,
    build_repo,
    commit_paths,
    get_config,
    run_gitops,
    set_config,
    statuses,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "e2e-only-passphrase-4f1c"  # a test value for the local file backend, never a real secret

Check = Callable[[str, Any], None]
"""check(step, expected_retention): called after each sync ("sync", "change", "revert")."""


@dataclass
class Scenario:
    """One run of the scenario: where things are and what the agent recorded at each step."""

    repo_dir: Path
    state_dir: Path
    stacks: Sequence[str]
    target: str
    original: Any
    changed: Any
    change_sha: str = ""
    revert_sha: str = ""
    digests: dict[str, dict[str, str]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)


def changed_value(original: Any) -> int:
    """A different valid CloudWatch retention than `original` (60, or 90 when it already is 60)."""
    return 90 if original == 60 else 60


def run_scenario(
    tmp: Path,
    stacks: Sequence[str],
    *,
    engine: str,
    endpoint: str,
    knobs: Mapping[str, Mapping[str, Any]],
    check: Check,
    timeout: float = 1800,
) -> Scenario:
    """Build the repo, then sync / change / rollback with `gitops agent --once`, asserting exit codes,
    statuses and secrets on the way; `check` verifies the live (or recorded) state after each sync."""
    repo = build_repo(REPO_ROOT, tmp / "repo", stacks, endpoint=endpoint, knobs=knobs)
    repo_dir = Path(str(repo.working_dir))
    target = stacks[-1]  # the last in dependency order: nothing downstream re-applies
    original = get_config(repo_dir / "stacks" / target, "dev", CHANGED_KEY)
    run = Scenario(repo_dir, tmp / "state", stacks, target, original, changed_value(original))
    env = {"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    agent = [
        *("agent", "--repo", str(repo_dir), "--branch", "main", "--env", "dev"),
        *("--engine", engine, "--once", "--state-dir", str(run.state_dir)),
    ]

    def sync(step: str) -> None:
        proc = run_gitops(agent, env=env, timeout=timeout)
        output = proc.stdout + proc.stderr
        assert PASSPHRASE not in output, f"{step}: the passphrase reached the agent's output"
        assert proc.returncode == 0, f"{step}: gitops agent exited {proc.returncode}:\n{output[-8000:]}"
        status = run_gitops(["status", "--state-dir", str(run.state_dir), "--format", "json"], env=env)
        assert status.returncode == 0, status.stderr
        assert statuses(status.stdout) == dict.fromkeys(stacks, "applied"), status.stdout
        run.digests[step] = {row["project"]: row["plan_digest"] for row in json.loads(status.stdout)}

    sync("sync")
    check("sync", original)

    set_config(repo_dir / "stacks" / target, "dev", {CHANGED_KEY: run.changed})
    run.change_sha = commit_paths(repo, f"{target}: log retention {run.changed} days")
    sync("change")
    assert run.digests["change"][target] != run.digests["sync"][target], "the change kept the digest"
    check("change", run.changed)

    rollback = run_gitops(["rollback", run.change_sha, "--repo", str(repo_dir)], env=env)
    assert rollback.returncode == 0, rollback.stderr
    run.revert_sha = repo.head.commit.hexsha
    assert run.revert_sha != run.change_sha and repo.head.commit.parents[0].hexsha == run.change_sha
    assert get_config(repo_dir / "stacks" / target, "dev", CHANGED_KEY) == original
    sync("revert")
    check("revert", original)

    history = run_gitops(["history", "--state-dir", str(run.state_dir), "--format", "json"], env=env)
    assert history.returncode == 0, history.stderr
    run.history = json.loads(history.stdout)
    assert applied_digests(history.stdout, target, run.revert_sha) == [run.digests["sync"][target]], (
        "history does not show the revert applied with the digest from before the change"
    )
    assert run.digests["revert"] == run.digests["sync"]
    return run
