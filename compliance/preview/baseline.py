"""The gate's report at a base revision, for `gitops check --changed-since REV`'s grouping of
findings into new / fixed / already there: the same stacks, evaluated from an export of REV."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from compliance.discovery import discover
from compliance.evaluate import evaluate_many
from compliance.gate import check_with_snapshot, freeze_policies
from compliance.model import Report
from compliance.preview.findings import group_report
from compliance.preview.grouping import grouping_section, insert_section
from compliance.preview.revision import export_revision
from compliance.preview.run import base_paths, needed_at

__all__ = ["baseline_report", "group_markdown"]


def baseline_report(
    paths: Sequence[Path],
    env: str,
    *,
    repo_root: Path,
    rev: str,
    projects: set[str],
    policies_from: str | None = None,
    jobs: int = 2,
    timeout: float = 120.0,
    today: date | None = None,
) -> Report:
    """Check `projects` (and evaluate what they reference) as they are at `rev`, with the policies
    the working tree's check used (`policies_from`, else the working tree's policies/)."""
    repo_root = repo_root.resolve()
    snapshot = freeze_policies(repo_root, policies_from)  # before any program runs
    with tempfile.TemporaryDirectory(prefix="gitops-baseline-") as tmp:
        base_root = export_revision(repo_root, rev, Path(tmp) / "base")
        found = discover(base_paths(paths, repo_root, base_root), env)
        graphs = evaluate_many(
            needed_at(found, projects), env, jobs=jobs, timeout=timeout, repo_root=base_root
        )
        graphs = [g for g in graphs if g.project in projects]
        return check_with_snapshot(graphs, env, snapshot=snapshot, repo_root=base_root, today=today)


def group_markdown(markdown: str, report: Report, base_report: Report, base: str) -> str:
    """The gate's Markdown with the new / fixed / already-there section inserted."""
    return insert_section(markdown, grouping_section(report, group_report(base_report, report), base))
