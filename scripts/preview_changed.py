#!/usr/bin/env python3
"""`pulumi preview` every stack a PR changes (plus dependents) and write a Markdown section.

Runs the real Pulumi CLI against the real backend (PULUMI_BACKEND_URL, cloud credentials and
PULUMI_CONFIG_PASSPHRASE come from the environment; none of them is printed). The stack of a
project is named after the env, as the agent's pulumi engine names it.

    python scripts/preview_changed.py --env prod --since "$BASE_SHA" --out preview.md
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_OUTPUT_CHARS = 12000
"""Per stack: previews longer than this are cut (the full text is in the job log)."""

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SUMMARY_LINE = re.compile(r"^\s*[+~\-±]?\s*\d+ to (create|update|delete|replace)|^\s*\d+ unchanged", re.M)

Runner = Callable[[Sequence[str], Path, dict[str, str]], "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class PreviewResult:
    """One project's preview: the CLI's exit status and its (colourless) output."""

    project: str
    path: str
    returncode: int
    output: str


def _run(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd), cwd=cwd, env=env, capture_output=True, text=True, timeout=1800, check=False
    )


def preview_project(
    project: str, project_dir: Path, env_name: str, *, runner: Runner = _run, display_path: str | None = None
) -> PreviewResult:
    """Run `pulumi preview --diff` for the env's stack of one project."""
    cmd = ["pulumi", "preview", "--stack", env_name, "--diff", "--non-interactive", "--color", "never"]
    environ = dict(os.environ, PULUMI_SKIP_UPDATE_CHECK="true")
    try:
        done = runner(cmd, project_dir, environ)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return PreviewResult(project, display_path or str(project_dir), 2, f"could not run pulumi: {exc}")
    output = ANSI.sub("", (done.stdout or "") + (("\n" + done.stderr) if done.stderr else ""))
    return PreviewResult(project, display_path or str(project_dir), done.returncode, output.strip())


def _summary(result: PreviewResult) -> str:
    if result.returncode != 0:
        if "no stack named" in result.output.lower():
            return "stack not created yet (the first apply after merge creates it)"
        return "❌ preview failed"
    counts = [m.group(0).strip() for m in SUMMARY_LINE.finditer(result.output)]
    return ", ".join(counts) if counts else "no changes"


def preview_markdown(
    results: Sequence[PreviewResult], env_name: str, *, max_output: int = MAX_OUTPUT_CHARS
) -> str:
    """A Markdown section: one collapsed block per stack with the preview's diff."""
    lines = [f"### pulumi preview ({env_name}): the engine's own view, against live state", ""]
    if not results:
        lines.append("No stack is affected by this change.")
        return "\n".join(lines) + "\n"
    for r in results:
        text = r.output.replace("```", "'''")
        if len(text) > max_output:
            text = text[:max_output] + "\n… (cut; the full preview is in the job log)"
        lines += [
            f"<details><summary><b>{r.project}</b> (<code>{r.path}</code>): {_summary(r)}</summary>",
            "",
            "```diff",
            text,
            "```",
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines)


def affected_projects(
    repo_root: Path, stacks_dir: Path, env_name: str, since: str | None
) -> list[tuple[str, Path]]:
    """(name, dir) of the projects changed since `since` and their dependents, in dependency order."""
    from compliance.discovery import affected_since, discover, topological_order

    ordered = topological_order(discover([stacks_dir], env_name))
    names = {p.name for p in ordered} if since is None else affected_since(repo_root, since, ordered)
    return [(p.name, p.path) for p in ordered if p.name in names]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 all previews ran, 1 a preview failed, 2 bad input. Writes --out either way."""
    p = argparse.ArgumentParser(prog="preview_changed.py", description="pulumi preview the changed stacks")
    p.add_argument("--env", required=True, help="stack/environment name, e.g. prod")
    p.add_argument("--since", metavar="REV", help="base revision (default: every stack)")
    p.add_argument("--stacks-dir", type=Path, default=Path("stacks"))
    p.add_argument("--out", type=Path, required=True, help="Markdown file to write")
    args = p.parse_args(argv)
    repo_root = Path.cwd()
    try:
        projects = affected_projects(repo_root, args.stacks_dir, args.env, args.since)
    except Exception as exc:  # discovery/Git errors: one line naming the problem
        print(
            f"preview_changed: {args.stacks_dir}: {str(exc).splitlines()[0] if str(exc) else exc}",
            file=sys.stderr,
        )
        return 2
    results = []
    for name, path in projects:
        shown = os.path.relpath(path, repo_root) if path.is_absolute() else str(path)
        result = preview_project(name, path, args.env, display_path=shown)
        print(f"preview_changed: {name}: exit {result.returncode}")
        print(result.output)
        results.append(result)
    args.out.write_text(preview_markdown(results, args.env), encoding="utf-8")
    failed = [r for r in results if r.returncode != 0 and "no stack named" not in r.output.lower()]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
