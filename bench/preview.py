"""Bench section `preview`: a 700-resource stack with one change, `gitops preview` vs one `gitops check`.

The preview evaluates the stack twice (base revision and working tree, concurrently) and checks
both; the goal is under twice the time of one check of the working tree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from bench.generate import copy_policies, git, write_program
from bench.measure import Run
from bench.scenarios import REPO, Env, Log, best, gitops_bin, stamp, timed

GOAL_RATIO = 2.0


class PreviewResult(BaseModel):
    """Best wall times of `gitops check` and `gitops preview --base HEAD` after one changed resource."""

    resources: int
    check_runs: list[Run]
    preview_runs: list[Run]
    check_best_s: float | None = None
    preview_best_s: float | None = None
    ratio: float | None = None
    goal_ratio: float = GOAL_RATIO
    summary: dict[str, Any] = Field(default_factory=dict)
    stamp: dict[str, Any] = Field(default_factory=dict)


def change_one_resource(program: Path) -> None:
    """Raise the memory of the first function only (an update of one resource)."""
    text = program.read_text()
    if "memory_size=256," not in text:
        raise ValueError(f"{program}: no function to change")
    program.write_text(text.replace("memory_size=256,", "memory_size=512,", 1))


def preview_summary(path: Path) -> dict[str, Any]:
    """The preview's per-stack counts, to show the run previewed the one change."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {s["project"]: s["summary"] | {"error": s["error"]} for s in data["stacks"]}


def preview_vs_check(tmp: Path, repeats: int, env: Env, log: Log, *, resources: int = 700) -> PreviewResult:
    """A Git repository with one stack; commit; change one resource; time check and preview, interleaved."""
    root = tmp / "preview-repo"
    program_dir = write_program(root / "stacks" / f"bench-{resources}", resources)
    copy_policies(REPO / "policies", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"one stack of {resources} resources")
    change_one_resource(program_dir / "__main__.py")
    check_out, preview_out = tmp / "pv-check.json", tmp / "pv-preview.json"
    stack = str(program_dir.relative_to(root))
    check_cmd = [gitops_bin(), "check", stack, "--format", "json", "--out", str(check_out)]
    preview_cmd = [
        gitops_bin(),
        "preview",
        stack,
        "--base",
        "HEAD",
        "--format",
        "json",
        "--out",
        str(preview_out),
    ]
    checks: list[Run] = []
    previews: list[Run] = []
    started = stamp()
    for i in range(repeats):
        log(f"preview vs check: run {i + 1}/{repeats}")
        checks.append(timed(check_cmd, root, env, check_out, "report"))
        previews.append(timed(preview_cmd, root, env, preview_out, "preview"))
        if not checks[-1].ok or not previews[-1].ok:
            break
    c, p = best(checks), best(previews)
    ratio = round(p.wall_s / c.wall_s, 2) if c and p and c.wall_s else None
    return PreviewResult(
        resources=resources,
        check_runs=checks,
        preview_runs=previews,
        check_best_s=c.wall_s if c else None,
        preview_best_s=p.wall_s if p else None,
        ratio=ratio,
        summary=preview_summary(preview_out),
        stamp=started,
    )


def render(result: dict[str, Any], console: Console) -> None:
    """The section's table."""
    t = Table(title=f"{result['resources']}-resource stack with one change: preview vs one gitops check")
    for col in ("run", "best s"):
        t.add_column(col, justify="right")
    t.add_row("gitops check", f"{result['check_best_s']}")
    t.add_row("gitops preview --base HEAD", f"{result['preview_best_s']}")
    console.print(t)
    console.print(
        f"preview / check: {result['ratio']} (goal < {result['goal_ratio']}); counts: {result['summary']}"
    )
