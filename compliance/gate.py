"""The gate: discovery -> evaluation -> bridge -> Checkov -> policy levels and waivers -> Report.

Only wiring lives here; each step is its own module with a plain interface.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from compliance import check_process, coverage, mapping
from compliance.attribute_lines import MAX_PREPARSED, AttributeLines, preparse
from compliance.bridge import BridgedPlan, to_terraform_plan
from compliance.check_process import Checker
from compliance.discovery import SKIP_DIRS, Project, affected_since, find_projects
from compliance.errors import ConfigError
from compliance.evaluate import evaluate_many, evaluate_project, outputs_by_reference
from compliance.evaluation.starter import EarlyStart
from compliance.gc_pause import gc_paused
from compliance.model import Finding, Report, StackGraph, StackReport
from compliance.redact import Redactor, cap
from compliance.sandbox import SandboxMode
from compliance.scan import offline_checkov, parse_jsonpaths, preload, scan
from compliance.selection import EvaluationPlan, plan_evaluation
from compliance.source_files import python_files
from policies.config import cached_policy_config, load_policy_config
from policies.context import set_env
from policies.controls import controls_for, framework_summary
from policies.errors import PolicyConfigError
from policies.levels import Enforcement, load_enforcement
from policies.snapshot import PolicySnapshot, from_revision, from_worktree, materialize, tree_digest
from policies.waivers import Waiver, apply_waivers, load_waivers

Progress = Callable[[StackGraph], None]


def wanted_projects(
    projects: Sequence[Project], *, repo_root: Path, changed_since: str | None
) -> list[Project]:
    """The projects to report: all of them, or with `changed_since` the affected ones and their
    dependents (the stacks they depend on are still evaluated, see selection.plan_evaluation)."""
    if changed_since is None:
        return list(projects)
    affected = affected_since(repo_root, changed_since, projects)
    return [p for p in projects if p.name in affected]


@dataclass(frozen=True)
class Policies:
    """A policies/ tree, loaded: enforcement levels and waivers; its checks are registered with Checkov.

    `defaults`: the repository has no policies/: Checkov's checks, all mandatory, no framework map.
    """

    enforcement: Enforcement
    waivers: list[Waiver]
    defaults: bool = False


def read_policies(policies_dir: Path) -> Policies:
    """enforcement.yaml and waivers.yaml (and config.yaml validated when there are checks), without
    Checkov. PolicyConfigError, one line naming the file, if any of it is invalid."""
    if not policies_dir.is_dir():
        return Policies(enforcement=Enforcement(), waivers=[], defaults=True)
    enforcement = load_enforcement(policies_dir)
    waivers = load_waivers(policies_dir)
    if (policies_dir / "checks").is_dir():
        load_policy_config(policies_dir)
    return Policies(enforcement=enforcement, waivers=waivers)


def register_checks(policies_dir: Path) -> None:
    """Register `policies_dir/checks` with Checkov (replacing any other tree's checks; none when the
    directory has no checks/) and read its config.yaml once, so checks never read files later."""
    offline_checkov()  # before the loader imports Checkov, which reads its settings once
    # Our loader, not Checkov's: it replaces checks loaded from another policies/ tree and fails
    # with one line naming a check file that does not import or a bad config.yaml. Imported here:
    # it imports Checkov, which must not delay starting the evaluation subprocesses.
    from policies.loader import load_checks, unload_external_checks

    if (policies_dir / "checks").is_dir():
        load_checks(policies_dir / "checks")
        cached_policy_config(policies_dir.resolve())
    else:
        unload_external_checks()


def load_policies(policies_dir: Path) -> Policies:
    """read_policies, then register_checks."""
    policies = read_policies(policies_dir)
    register_checks(policies_dir)
    return policies


@gc_paused()  # bridging, Checkov and the findings allocate much and free little: see compliance.gc_pause
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

    `policies`: already loaded from `policies_dir` (run_check loads them after the programs ran).
    """
    if policies is None:
        policies = load_policies(policies_dir)
    enforcement, waivers = policies.enforcement, policies.waivers
    level_of = functools.cache(lambda check_id: enforcement.level(check_id, env))  # once per check id
    set_env(env)
    bridged: dict[int, BridgedPlan] = {id(g): to_terraform_plan(g) for g in graphs if g.error is None}
    # scan() keys results by (project, env); two projects may share a name, so each gets its index.
    results = scan(
        [
            (g.model_copy(update={"project": str(i)}), bridged[id(g)])
            for i, g in enumerate(graphs)
            if id(g) in bridged
        ],
        lines=AttributeLines(repo_root),
    )
    stacks: list[StackReport] = []
    redactor = Redactor.from_environment()  # an error may quote a credential the program could read
    tagged: list[tuple[str, str, Finding]] = []
    for index, graph in enumerate(graphs):
        findings: list[Finding] = []
        for finding in results.get((str(index), graph.env), []):
            level = level_of(finding.check_id)
            if level == "disabled":
                continue
            finding.level = level
            finding.controls = [] if policies.defaults else controls_for(finding.check_id)
            findings.append(finding)
            tagged.append((graph.project, graph.env, finding))
        stacks.append(
            StackReport(
                project=graph.project,
                path=graph.path,
                env=graph.env,
                resources=coverage.counted_resources(graph.resources),
                error=cap(redactor.mask(graph.error)) if graph.error else None,
                findings=findings,
                unchecked=coverage.unchecked(graph, bridged.get(id(graph))) if graph.error is None else [],
                confinement=graph.confinement,
            )
        )
    outcome = apply_waivers(tagged, waivers, today=today or date.today())
    summary = summarize(stacks, outcome_summary=outcome.summary())
    if policies.defaults:
        summary["frameworks"] = {}
    return Report(stacks=stacks, summary=summary)


def summarize(stacks: Sequence[StackReport], *, outcome_summary: dict[str, Any]) -> dict[str, Any]:
    """Counts per result and level, errors, unchecked resources, frameworks and waiver warnings."""
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
        "unchecked": sum(len(s.unchecked) for s in stacks),
        "frameworks": {k: v.model_dump() for k, v in framework_summary(all_findings).items()},
        "waivers": outcome_summary,
    }


def freeze_policies(repo_root: Path, policies_from: str | None) -> PolicySnapshot:
    """Every policy file, read into memory now: from the working tree or from Git revision REV.

    A repository (or revision) without policies/ gives the DEFAULTS snapshot.
    """
    if not policies_from:
        return from_worktree(repo_root / "policies")
    from policies.source import policies_differ  # GitPython: only with --policies-from

    snapshot = from_revision(repo_root, policies_from)
    if snapshot.defaults:
        return snapshot
    return PolicySnapshot(
        source=snapshot.source, files=snapshot.files, differs=policies_differ(repo_root, policies_from)
    )


@contextmanager
def frozen_policies(snapshot: PolicySnapshot) -> Iterator[Path]:
    """A private copy of the snapshot to load from (a path that does not exist for DEFAULTS)."""
    if snapshot.defaults:
        with tempfile.TemporaryDirectory(prefix="gitops-policies-") as tmp:
            yield Path(tmp) / "policies"  # absent: read_policies gives the defaults
        return
    with materialize(snapshot) as policies_dir:
        yield policies_dir


def _verify(policies_dir: Path, snapshot: PolicySnapshot) -> None:
    """PolicyConfigError unless the private copy still holds exactly the snapshot's bytes."""
    if snapshot.defaults:
        return
    files = {
        p.relative_to(policies_dir).as_posix(): p.read_bytes()
        for p in policies_dir.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    if tree_digest(files) != snapshot.digest:
        raise PolicyConfigError(f"{policies_dir}: policy files changed while they were loaded")


def check_with_policies(
    graphs: Sequence[StackGraph],
    env: str,
    *,
    repo_root: Path,
    policies_from: str | None = None,
    today: date | None = None,
) -> Report:
    """check_graphs with policies from the working tree or from Git revision `policies_from`."""
    snapshot = freeze_policies(repo_root, policies_from)
    return check_with_snapshot(graphs, env, snapshot=snapshot, repo_root=repo_root, today=today)


def check_with_snapshot(
    graphs: Sequence[StackGraph],
    env: str,
    *,
    snapshot: PolicySnapshot,
    repo_root: Path,
    today: date | None = None,
) -> Report:
    """check_graphs with policies frozen earlier (freeze_policies), loaded from a fresh private copy;
    `repo_root` is the checkout the graphs were evaluated in (their file paths are relative to it)."""
    with frozen_policies(snapshot) as policies_dir:
        policies = read_policies(policies_dir)
        report = checks_from_snapshot(graphs, env, policies_dir, snapshot, policies, repo_root, today)
    report.summary["policies"] = snapshot.summary()
    return report


def checks_from_snapshot(
    graphs: Sequence[StackGraph],
    env: str,
    policies_dir: Path,
    snapshot: PolicySnapshot,
    policies: Policies,
    repo_root: Path,
    today: date | None,
) -> Report:
    """The check phase with `policies` already read: our checks registered from the private copy
    `policies_dir`, verified against `snapshot`, then check_graphs (run_check sends this to its
    check process)."""
    register_checks(policies_dir)
    _verify(policies_dir, snapshot)
    return check_graphs(
        graphs, env, policies_dir=policies_dir, repo_root=repo_root, today=today, policies=policies
    )


def as_json(job: Callable[..., Report], *args: Any) -> str:
    """`job(*args)`'s Report as JSON: how run_check's check process sends it back (a Report of
    thousands of findings crosses the pipe faster as JSON than pickled)."""
    return job(*args).model_dump_json()


def warm_up() -> None:
    """Import Checkov and the bridge's schema (run_check runs this in a thread while the programs
    evaluate: seconds of CPU that would otherwise precede the scan). No policy is read here."""
    # Failures to import Checkov are ignored here: scan() loads it again and reports properly.
    with contextlib.suppress(Exception):
        preload()
        mapping.preload()


def idle_work(paths: Sequence[Path] = (), repo_root: Path | None = None) -> check_process.Idle:
    """What the check process does in steps while it waits for its first job (check_process.Idle):
    parse the graph checks' JSONPath expressions, then the largest Python files under `paths` (for
    finding lines; used only if unchanged by then). Failures are left to the check phase."""

    def steps() -> Iterator[None]:
        with contextlib.suppress(Exception):
            yield from parse_jsonpaths()
        if repo_root is not None:
            with contextlib.suppress(Exception):
                yield from preparse(repo_root, python_files(paths, SKIP_DIRS, MAX_PREPARSED))

    return steps


def _relative(path: Path, repo_root: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(repo_root).as_posix() if resolved.is_relative_to(repo_root) else str(path)


def evaluate_plan(
    plan: EvaluationPlan,
    env: str,
    *,
    repo_root: Path,
    jobs: int,
    timeout: float,
    on_evaluated: Progress | None = None,
    sandbox: SandboxMode = "auto",
    config_overrides: Mapping[str, str] | None = None,
    early: EarlyStart | None = None,
) -> list[tuple[Project, StackGraph]]:
    """Evaluate a plan: `evaluate` together, then each `extra` with the outputs it references.
    `early`: a program process started ahead of time (compliance.evaluation.starter)."""
    graphs = evaluate_many(
        plan.evaluate,
        env,
        jobs=jobs,
        timeout=timeout,
        repo_root=repo_root,
        on_done=on_evaluated,
        sandbox=sandbox,
        config_overrides=config_overrides,
        early=early,
    )
    by_name = {g.project: g for g in graphs}
    done = [(next(p for p in plan.evaluate if p.name == g.project), g) for g in graphs]
    for project in plan.extra:
        outputs: dict[str, dict[str, Any]] = {}
        for dep in project.depends_on:
            if dep in by_name:
                outputs.update(outputs_by_reference(by_name[dep]))
        graph = evaluate_project(
            project.path,
            env,
            stack_outputs=outputs,
            timeout=timeout,
            repo_root=repo_root,
            sandbox=sandbox,
            config_overrides=config_overrides,
        )
        if on_evaluated is not None:
            on_evaluated(graph)
        done.append((project, graph))
    for project, error in plan.failed:
        graph = StackGraph(
            project=project.name, path=_relative(project.path, repo_root), env=env, error=error
        )
        done.append((project, graph))
    return done


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
    checker: Checker | None = None,
    early: EarlyStart | None = None,
) -> Report:
    """`gitops check` over project paths: the whole pipeline, returning the Report.

    Every policy file is read into memory before the first program starts; checks are loaded from a
    fresh private copy of those bytes after the programs ran, so no program can change a verdict.
    `checker`: where the check phase runs (compliance.check_process; started here when None).
    `early`: a program process started ahead of time, for the first program it fits.
    """
    found = find_projects(paths, env)
    if not found:
        raise ConfigError(f"no Pulumi project under {', '.join(str(p) for p in paths)}")
    wanted = wanted_projects(found, repo_root=repo_root, changed_since=changed_since)
    plan = plan_evaluation(found, wanted, siblings=lambda: find_projects([repo_root], env))
    snapshot = freeze_policies(repo_root, policies_from)
    with frozen_policies(snapshot) as policies_dir:
        policies = read_policies(policies_dir)  # a bad policy file fails before any program runs
    with contextlib.ExitStack() as stack:
        if checker is None:
            checker = stack.enter_context(check_process.checker(warm_up, idle=idle_work(paths, repo_root)))
        evaluated = evaluate_plan(
            plan,
            env,
            repo_root=repo_root,
            jobs=jobs,
            timeout=timeout,
            on_evaluated=on_evaluated,
            sandbox=sandbox,
            config_overrides=config_overrides,
            early=early,
        )
        graphs = [g for p, g in evaluated if p.path.resolve() in plan.reported]
        with frozen_policies(snapshot) as policies_dir:
            job = (checks_from_snapshot, graphs, env, policies_dir, snapshot, policies, repo_root, today)
            report = Report.model_validate_json(checker.run(as_json, *job))
    report.summary["policies"] = snapshot.summary()
    if plan.referenced_only:
        report.summary["evaluated_for_references"] = [
            {"project": p.name, "path": _relative(p.path, repo_root)} for p in plan.referenced_only
        ]
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
