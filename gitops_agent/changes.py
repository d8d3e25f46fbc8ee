"""Which stacks a new revision affects: own files, shared components or policies changed (+ dependents)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SHARED_PATHS = ("stacks/platform_components", "policies")
"""Changes under these paths affect every stack (shared components, and the gate's policies)."""


def under(path: str, prefix: str) -> bool:
    """True when repository-relative `path` is `prefix` or inside it."""
    prefix = prefix.strip("/")
    return prefix in ("", ".") or path == prefix or path.startswith(prefix + "/")


def touches(changed: Iterable[str], project_dir: str, shared: Sequence[str] = SHARED_PATHS) -> bool:
    """True when any changed path is in the project's directory or a shared path."""
    return any(under(p, prefix) for p in changed for prefix in (project_dir, *shared))


def directly_affected(
    project_dirs: Mapping[str, str],
    changed: Mapping[str, list[str] | None],
    shared: Sequence[str] = SHARED_PATHS,
    upstream: Mapping[str, Iterable[str]] | None = None,
) -> set[str]:
    """Projects whose files (or shared paths, or an upstream project's files) changed since their base.

    `changed[name]` is the list of paths changed since that project's base revision, or None when it
    has no usable base (never applied, failed, or its base is no longer in history): then it is
    affected. Counting upstream projects' directories (`upstream[name]`: the projects `name`
    depends on, transitively) makes a dependent catch up even when the cycle that applied its
    dependency was interrupted before reaching it.
    """
    out: set[str] = set()
    for name, directory in project_dirs.items():
        paths = changed.get(name)
        ups = [project_dirs[u] for u in (upstream or {}).get(name, ()) if u in project_dirs]
        if paths is None or any(touches(paths, d, shared) for d in (directory, *ups)):
            out.add(name)
    return out


def _names(items: Iterable[Any]) -> set[str]:
    return {item if isinstance(item, str) else item.name for item in items}


def reconcile_order(projects: Sequence[Any], affected: set[str]) -> list[Any]:
    """Affected projects and all their dependents, in topological order (dependencies first)."""
    from compliance.discovery import dependents, topological_order

    selected = set(affected) | _names(dependents(projects, sorted(affected))) if affected else set()
    return [p for p in topological_order(projects) if p.name in selected]


def waves(order: Sequence[Any]) -> list[list[Any]]:
    """Split a topologically ordered selection into waves: no project depends on one in its own wave
    or a later one, so a wave's projects can be evaluated at the same time."""
    selected = {p.name for p in order}
    depth: dict[str, int] = {}
    for project in order:
        depth[project.name] = 1 + max((depth[d] for d in project.depends_on if d in selected), default=-1)
    grouped: list[list[Any]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for project in order:
        grouped[depth[project.name]].append(project)
    return grouped


def upstream_of(projects: Sequence[Any], name: str) -> set[str]:
    """All projects `name` depends on, directly or transitively."""
    by_name = {p.name: p for p in projects}
    seen: set[str] = set()
    todo = list(by_name[name].depends_on) if name in by_name else []
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(by_name[dep].depends_on if dep in by_name else [])
    return seen
