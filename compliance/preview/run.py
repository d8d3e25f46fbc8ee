"""`gitops preview`: evaluate the affected stacks at a base revision and in the working tree, check
both with the same policies, and diff them. Only wiring; the diff and the findings delta are pure."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from compliance.discovery import Project, discover
from compliance.errors import ConfigError
from compliance.evaluate import evaluate_many
from compliance.gate import check_with_snapshot, freeze_policies, wanted_projects, warm_up
from compliance.model import Report, StackGraph, StackReport
from compliance.preview.diff import diff_graphs
from compliance.preview.findings import findings_delta
from compliance.preview.model import Preview, StackPreview
from compliance.preview.revision import export_revision

__all__ = ["base_paths", "needed_at", "preview_stack", "run_preview"]

Progress = Callable[[StackGraph], None]


def base_paths(paths: Sequence[Path], repo_root: Path, base_root: Path) -> list[Path]:
    """The same PATHs inside the export of the base revision (those that exist there)."""
    out = []
    for path in paths:
        try:
            relative = path.resolve().relative_to(repo_root.resolve())
        except ValueError:
            raise ConfigError(f"{path}: not inside the repository {repo_root}") from None
        if (base_root / relative).exists():
            out.append(base_root / relative)
    return out


def needed_at(projects: Sequence[Project], names: set[str]) -> list[Project]:
    """`names` that exist among `projects`, plus the projects they depend on (for StackReferences)."""
    by_name = {p.name: p for p in projects}
    needed: set[str] = set()
    todo = [n for n in names if n in by_name]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(d for d in by_name[name].depends_on if d in by_name)
    return [p for p in projects if p.name in needed]


def preview_stack(
    base: StackGraph | None,
    head: StackGraph | None,
    base_report: Report | None,
    head_report: Report | None,
    *,
    base_label: str,
) -> StackPreview:
    """One stack's preview from its graphs and gate reports at both revisions (None: absent there)."""
    some = head or base
    if some is None:
        raise ValueError("preview_stack needs at least one graph")
    if base is not None and base.error:
        return StackPreview(
            project=some.project,
            path=some.path,
            env=some.env,
            error=f"at {base_label}: {base.error}",
            status="error",
        )
    if head is not None and head.error:
        return StackPreview(
            project=some.project,
            path=some.path,
            env=some.env,
            error=f"in the working tree: {head.error}",
            status="error",
        )
    result = diff_graphs(base, head)

    def stack_of(report: Report | None) -> StackReport | None:
        if report is None:
            return None
        return next((s for s in report.stacks if s.project == some.project and s.env == some.env), None)

    result.findings = findings_delta(stack_of(base_report), stack_of(head_report))
    return result


def run_preview(
    paths: Sequence[Path],
    env: str,
    *,
    repo_root: Path,
    base: str,
    policies_from: str | None = None,
    jobs: int = 2,
    timeout: float = 120.0,
    today: date | None = None,
    on_evaluated: Progress | None = None,
) -> Preview:
    """Preview the stacks under `paths` affected since `base` (dependents included).

    Findings at both revisions are judged by the policies of `policies_from` (default: `base`), so
    a change cannot hide a finding by changing the policy. ConfigError/PolicyConfigError on bad
    input (unknown revision, no project, bad policies).
    """
    repo_root = repo_root.resolve()
    head_projects = discover(paths, env)
    with tempfile.TemporaryDirectory(prefix="gitops-preview-") as tmp:
        base_root = export_revision(repo_root, base, Path(tmp) / "base")
        base_projects = discover(base_paths(paths, repo_root, base_root), env)
        if not head_projects and not base_projects:
            raise ConfigError(f"{', '.join(str(p) for p in paths)}: no Pulumi project found")
        reported = {p.name for p in wanted_projects(head_projects, repo_root=repo_root, changed_since=base)}
        head_eval = needed_at(head_projects, reported)
        head_names = {p.name for p in head_projects}
        reported |= {p.name for p in base_projects if p.name not in head_names}  # removed projects
        base_eval = needed_at(base_projects, reported)
        # Policies are read into memory before any program runs (see gate.run_check).
        snapshot = freeze_policies(repo_root, policies_from or base)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="preview") as pool:
            warm = pool.submit(warm_up)
            at_base = pool.submit(
                evaluate_many,
                base_eval,
                env,
                jobs=jobs,
                timeout=timeout,
                repo_root=base_root,
                on_done=on_evaluated,
            )
            head_graphs = evaluate_many(
                head_eval, env, jobs=jobs, timeout=timeout, repo_root=repo_root, on_done=on_evaluated
            )
            base_graphs = at_base.result()
            warm.result()
        head_graphs = [g for g in head_graphs if g.project in reported]
        base_graphs = [g for g in base_graphs if g.project in reported]
        head_report = check_with_snapshot(
            head_graphs, env, snapshot=snapshot, repo_root=repo_root, today=today
        )
        base_report = check_with_snapshot(
            base_graphs, env, snapshot=snapshot, repo_root=base_root, today=today
        )
    old = {g.project: g for g in base_graphs}
    new = {g.project: g for g in head_graphs}
    order = [*new, *(name for name in old if name not in new)]
    stacks = [
        preview_stack(old.get(name), new.get(name), base_report, head_report, base_label=base)
        for name in order
    ]
    return Preview(base=base, stacks=stacks, policies=policies_from or base)
