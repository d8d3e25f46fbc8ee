"""The gate: discovery -> evaluation -> bridge -> Checkov -> policy levels and waivers -> Report.

Only wiring lives here; each step is its own module with a plain interface.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from compliance import mapping
from compliance.bridge import to_terraform_plan
from compliance.discovery import Project, affected_since, discover, topological_order
from compliance.evaluate import evaluate_many
from compliance.model import Finding, Report, StackGraph, StackReport
from compliance.redact import Redactor, cap
from compliance.sandbox import SandboxMode
from compliance.scan import offline_checkov, preload, scan
from policies.context import set_env
from policies.controls import controls_for, framework_summary
from policies.levels import Enforcement, load_enforcement
from policies.source import materialize_policies, policies_differ
from policies.waivers import Waiver, apply_waivers, load_waivers

Progress = Callable[[StackGraph], None]


def select_projects(
    projects: Sequence[Project], *, repo_root: Path, changed_since: str | None
) -> tuple[list[Project], set[str]]:
    """Projects to evaluate (in dependency order) and the names to report.

    With `changed_since`, only affected stacks and their dependents are reported; the stacks they
    depend on are still evaluated, because their outputs feed the StackReferences.
    """
    ordered = topological_order(projects)
    if changed_since is None:
        return ordered, {p.name for p in ordered}
    report = affected_since(repo_root, changed_since, ordered)
    by_name = {p.name: p for p in ordered}
    needed: set[str] = set()
    stack = list(report)
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        needed.add(name)
        stack.extend(by_name[name].depends_on if name in by_name else [])
    return [p for p in ordered if p.name in needed], set(report)


@dataclass(frozen=True)
class Policies:
    """A policies/ tree, loaded: enforcement levels and waivers; its checks are registered with Checkov."""

    enforcement: Enforcement
    waivers: list[Waiver]


def load_policies(policies_dir: Path) -> Policies:
    """Load enforcement.yaml and waivers.yaml and register checks/ with Checkov (replacing any other
    tree's checks). PolicyConfigError, one line naming the file, if any of it is invalid."""
    enforcement = load_enforcement(policies_dir)
    waivers = load_waivers(policies_dir)
    offline_checkov()  # before the loader imports Checkov, which reads its settings once
    # Our loader, not Checkov's: it replaces checks loaded from another policies/ tree and fails
    # with one line naming a check file that does not import or a bad config.yaml. Imported here:
    # it imports Checkov, which must not delay starting the evaluation subprocesses.
    from policies.loader import load_checks, unload_external_checks

    if (policies_dir / "checks").is_dir():
        load_checks(policies_dir / "checks")
    else:
        unload_external_checks()
    return Policies(enforcement=enforcement, waivers=waivers)


def check_graphs(
    graphs: Sequence[StackGraph],
    env: str,
    *,
    policies_dir: Path,
    repo_root: Path,
    today: date | None = None,
    policies: Policies | None = None,
) -> Report:
    """Run Checkov and our policies over evaluated graphs and apply enforcement levels and waivers.

    `policies`: already loaded from `policies_dir` (run_check loads them while programs evaluate).
    """
    if policies is None:
        policies = load_policies(policies_dir)
    enforcement, waivers = policies.enforcement, policies.waivers
    level_of = functools.cache(lambda check_id: enforcement.level(check_id, env))  # once per check id
    set_env(env)
    good = [g for g in graphs if g.error is None]
    results = scan([(g, to_terraform_plan(g)) for g in good])
    stacks: list[StackReport] = []
    redactor = Redactor.from_environment()  # an error may quote a credential the program could read
    tagged: list[tuple[str, str, Finding]] = []
    for graph in graphs:
        findings: list[Finding] = []
        for finding in results.get((graph.project, graph.env), []):
            level = level_of(finding.check_id)
            if level == "disabled":
                continue
            finding.level = level
            finding.controls = controls_for(finding.check_id)
            findings.append(finding)
            tagged.append((graph.project, graph.env, finding))
        stacks.append(
            StackReport(
                project=graph.project,
                path=graph.path,
                env=graph.env,
                resources=sum(1 for r in graph.resources if r.custom),
                error=cap(redactor.mask(graph.error)) if graph.error else None,
                findings=findings,
                confinement=graph.confinement,
            )
        )
    outcome = apply_waivers(tagged, waivers, today=today or date.today())
    return Report(stacks=stacks, summary=summarize(stacks, outcome_summary=outcome.summary()))


def summarize(stacks: Sequence[StackReport], *, outcome_summary: dict[str, Any]) -> dict[str, Any]:
    """Counts per result and level, errors, frameworks and waiver warnings."""
    counts: Counter[str] = Counter()
    for stack in stacks:
        for f in stack.findings:
            key = "advisory_failed" if f.result == "failed" and f.level == "advisory" else f.result
            counts[key] += 1
    all_findings = [f for s in stacks for f in s.findings]
    return {
        "stacks": len(stacks),
        "resources": sum(s.resources for s in stacks),
        "passed": counts["passed"],
        "failed": counts["failed"],
        "advisory_failed": counts["advisory_failed"],
        "waived": counts["waived"],
        "skipped": counts["skipped"],
        "errors": sum(1 for s in stacks if s.error),
        "frameworks": {k: v.model_dump() for k, v in framework_summary(all_findings).items()},
        "waivers": outcome_summary,
    }


@contextmanager
def policies_source(repo_root: Path, policies_from: str | None) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The policies/ directory to use (working tree, or a temporary copy of REV) and its summary."""
    if not policies_from:
        yield repo_root / "policies", {"source": "worktree", "differs": []}
        return
    with tempfile.TemporaryDirectory(prefix="gitops-policies-") as tmp:
        policies_dir = materialize_policies(repo_root, policies_from, Path(tmp))
        yield policies_dir, {"source": policies_from, "differs": policies_differ(repo_root, policies_from)}


def check_with_policies(
    graphs: Sequence[StackGraph],
    env: str,
    *,
    repo_root: Path,
    policies_from: str | None = None,
    today: date | None = None,
) -> Report:
    """check_graphs with policies from the working tree or from Git revision `policies_from`."""
    with policies_source(repo_root, policies_from) as (policies_dir, source):
        report = check_graphs(graphs, env, policies_dir=policies_dir, repo_root=repo_root, today=today)
    report.summary["policies"] = source
    return report


def warm_up(policies_dir: Path) -> Policies:
    """Import Checkov and the bridge's schema, then load the policies (run_check runs this in a
    thread while the programs evaluate: seconds of CPU that would otherwise precede the scan)."""
    # Failures to import Checkov are ignored here: scan() loads it again and reports properly.
    with contextlib.suppress(Exception):
        preload()
        mapping.preload()
    return load_policies(policies_dir)


def run_check(
    paths: Sequence[Path],
    env: str,
    *,
    repo_root: Path,
    changed_since: str | None = None,
    policies_from: str | None = None,
    jobs: int = 2,
    timeout: float = 120.0,
    today: date | None = None,
    on_evaluated: Progress | None = None,
    sandbox: SandboxMode = "auto",
    config_overrides: Mapping[str, str] | None = None,
) -> Report:
    """`gitops check` over project paths: the whole pipeline, returning the Report."""
    projects = discover(paths, env)
    to_evaluate, reported = select_projects(projects, repo_root=repo_root, changed_since=changed_since)
    with (
        policies_source(repo_root, policies_from) as (policies_dir, source),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="gate-warmup") as warmup,
    ):
        warm = warmup.submit(warm_up, policies_dir)
        graphs = evaluate_many(
            to_evaluate,
            env,
            jobs=jobs,
            timeout=timeout,
            repo_root=repo_root,
            on_done=on_evaluated,
            sandbox=sandbox,
            config_overrides=config_overrides,
        )
        policies = warm.result()  # a policy file that does not load is raised here
        graphs = [g for g in graphs if g.project in reported]
        report = check_graphs(
            graphs, env, policies_dir=policies_dir, repo_root=repo_root, today=today, policies=policies
        )
    report.summary["policies"] = source
    if changed_since is not None:
        report.summary["changed_since"] = changed_since
    return report


def exit_code(report: Report) -> int:
    """0 no failed mandatory finding; 1 failed findings or expired waivers; 2 an evaluation error."""
    if any(s.error for s in report.stacks):
        return 2
    if any(s.blocking() for s in report.stacks) or report.summary.get("waivers", {}).get("expired"):
        return 1
    return 0
