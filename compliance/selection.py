"""Which projects one `gitops check` evaluates, which it reports, and which fail before evaluation.

Projects are found under PATH (`discovery.find_projects`). A project's StackReferences name other
projects; each name is resolved among the projects under PATH first, then among all projects of the
repository (a sibling evaluated only so its outputs feed the reference, never reported). A name
that resolves to two projects is an error for the referencing stack only; two projects sharing a
name that nothing references are both checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance.discovery import Project

__all__ = ["EvaluationPlan", "plan_evaluation"]


def _key(project: Project) -> Path:
    return project.path.resolve()


@dataclass
class EvaluationPlan:
    """The outcome of `plan_evaluation`.

    `evaluate`: projects with unique names, for `evaluate_many` (their dependencies included);
    `extra`: further projects whose name is already in `evaluate` (nothing references them), evaluated
    on their own; `failed`: projects not evaluated, with their one-line error; `reported`: resolved
    paths of the projects the report shows; `referenced_only`: evaluated for a StackReference only.
    """

    evaluate: list[Project] = field(default_factory=list)
    extra: list[Project] = field(default_factory=list)
    failed: list[tuple[Project, str]] = field(default_factory=list)
    reported: set[Path] = field(default_factory=set)
    referenced_only: list[Project] = field(default_factory=list)


def _pulumi_yaml(project: Project) -> str:
    return str(project.path / "Pulumi.yaml")


def plan_evaluation(
    found: Sequence[Project],
    wanted: Sequence[Project],
    *,
    siblings: Callable[[], Sequence[Project]],
) -> EvaluationPlan:
    """Plan a run over `wanted` (a subset of `found`, the projects under PATH).

    `siblings()` lists every project of the repository; it is called only when a StackReference
    names a project that is not under PATH.
    """
    by_name: dict[str, list[Project]] = {}
    for project in found:
        by_name.setdefault(project.name, []).append(project)
    repository: dict[str, list[Project]] | None = None

    def candidates(name: str) -> list[Project]:
        nonlocal repository
        if by_name.get(name):
            return by_name[name]
        if repository is None:
            repository = {}
            for project in siblings():
                repository.setdefault(project.name, []).append(project)
        return repository.get(name, [])

    plan = EvaluationPlan(reported={_key(p) for p in wanted})
    errors: dict[Path, str] = {}
    needed: dict[Path, Project] = {}
    resolved: dict[Path, list[Project]] = {}  # project -> the projects its references resolve to
    stack = list(wanted)
    while stack:
        project = stack.pop()
        key = _key(project)
        if key in needed:
            continue
        needed[key] = project
        if project.error is not None:
            errors[key] = project.error
            continue
        deps: list[Project] = []
        for name in project.depends_on:
            found_for = candidates(name)
            if len(found_for) > 1:
                paths = " and ".join(_pulumi_yaml(p) for p in found_for[:2])
                errors.setdefault(
                    key, f"StackReference to project {name!r} is ambiguous: both {paths} are named {name!r}"
                )
            elif found_for:
                deps.append(found_for[0])
                stack.append(found_for[0])
        resolved[key] = deps

    # A project whose dependency cannot be evaluated is not evaluated either (as evaluate_many does).
    changed = True
    while changed:
        changed = False
        for key, deps in resolved.items():
            if key in errors:
                continue
            broken = next((d for d in deps if _key(d) in errors), None)
            if broken is not None:
                errors[key] = f"dependency {broken.name} failed to evaluate"
                changed = True

    names: set[str] = set()
    for key, project in sorted(needed.items(), key=lambda item: (item[1].name, str(item[0]))):
        if key in errors:
            if key in plan.reported:
                plan.failed.append((project, errors[key]))
            continue
        if project.name in names:
            plan.extra.append(project)
        else:
            names.add(project.name)
            plan.evaluate.append(project)
        if key not in plan.reported:
            plan.referenced_only.append(project)
    return plan
