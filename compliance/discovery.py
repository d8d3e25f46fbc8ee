"""Find Pulumi projects, their StackReference dependencies, dependency order and changed stacks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from compliance.errors import ConfigError
from compliance.worktree import git_toplevel as git_toplevel  # re-exported

SKIP_DIRS = frozenset({".venv", "venv", "node_modules", "__pycache__"})
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class Project(BaseModel):
    """One Pulumi project directory and the projects its stacks reference."""

    name: str
    path: Path
    depends_on: list[str] = Field(default_factory=list)
    error: str | None = Field(
        default=None, description="why its Pulumi.yaml / Pulumi.<env>.yaml cannot be read (one line)"
    )


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(
            f"{where}: invalid YAML ({getattr(exc, 'problem', None) or 'parse error'})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def load_project_file(project_dir: Path) -> dict[str, Any]:
    """Pulumi.yaml (or Pulumi.yml) of `project_dir` as a dict with at least a string `name`."""
    path = project_dir / "Pulumi.yaml"
    if not path.is_file() and (project_dir / "Pulumi.yml").is_file():
        path = project_dir / "Pulumi.yml"
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'name'")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: missing project 'name'")
    return data


def load_stack_config(project_dir: Path, project: str, env: str) -> dict[str, Any]:
    """`config:` of Pulumi.<env>.yaml with every key namespaced (`key` -> `<project>:key`).

    A missing stack file is an empty config (the program decides whether keys are required).
    """
    path = project_dir / f"Pulumi.{env}.yaml"
    if not path.is_file():
        return {}
    data = _read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping")
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: 'config' must be a mapping")
    return {(key if ":" in str(key) else f"{project}:{key}"): value for key, value in config.items()}


CONFIG_SPEC_KEYS = frozenset({"type", "default", "value", "description", "secret", "items"})


def project_config_defaults(settings: dict[str, Any], project: str, path: Path) -> dict[str, Any]:
    """Project-level `config:` of Pulumi.yaml: `key: value` or `key: {default|value: ...}`, namespaced."""
    raw = settings.get("config") or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: 'config' must be a mapping")
    defaults: dict[str, Any] = {}
    for key, spec in raw.items():
        name = key if ":" in str(key) else f"{project}:{key}"
        if isinstance(spec, dict) and CONFIG_SPEC_KEYS.intersection(spec):
            if "value" in spec:
                defaults[name] = spec["value"]
            elif "default" in spec:
                defaults[name] = spec["default"]
        else:
            defaults[name] = spec
    return defaults


def load_config(project_dir: Path, settings: dict[str, Any], env: str) -> dict[str, Any]:
    """Effective config of stack `env`: Pulumi.yaml defaults overridden by Pulumi.<env>.yaml."""
    project = settings["name"]
    defaults = project_config_defaults(settings, project, project_dir / "Pulumi.yaml")
    return {**defaults, **load_stack_config(project_dir, project, env)}


def stack_references(config: dict[str, Any]) -> list[str]:
    """Values `<org>/<project>/<env>` of config keys ending in `Stack`."""
    found = []
    for key, value in config.items():
        if str(key).endswith("Stack") and isinstance(value, str) and STACK_NAME.match(value):
            found.append(value)
    return found


def project_dirs(root: Path) -> Iterable[Path]:
    """Directories holding a Pulumi.yaml under `root` (not below a project, nor in hidden or
    virtualenv directories)."""
    if (root / "Pulumi.yaml").is_file() or (root / "Pulumi.yml").is_file():
        yield root
        return
    if not root.is_dir():
        return
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and child.name not in SKIP_DIRS:
            yield from project_dirs(child)


def find_projects(paths: Sequence[Path], env: str) -> list[Project]:
    """Projects under `paths` (project dirs or dirs of projects), sorted by name then path.

    Never raises for one project's files: a malformed Pulumi.yaml or Pulumi.<env>.yaml gives a
    Project named after its directory with `error` set, so the other projects are still checked.
    Two projects may share a name (see `ambiguous_references`).
    """
    projects: dict[Path, Project] = {}
    for root in paths:
        for project_dir in project_dirs(Path(root)):
            resolved = project_dir.resolve()
            if resolved in projects:
                continue
            try:
                settings = load_project_file(project_dir)
            except ConfigError as exc:
                projects[resolved] = Project(name=project_dir.name, path=project_dir, error=str(exc))
                continue
            name = settings["name"]
            try:
                config = load_config(project_dir, settings, env)
            except ConfigError as exc:
                projects[resolved] = Project(name=name, path=project_dir, error=str(exc))
                continue
            deps = sorted({ref.split("/")[1] for ref in stack_references(config)} - {name})
            projects[resolved] = Project(name=name, path=project_dir, depends_on=deps)
    return sorted(projects.values(), key=lambda p: (p.name, str(p.path)))


def discover(paths: Sequence[Path], env: str) -> list[Project]:
    """`find_projects`, where two projects with the same name are a ConfigError naming both."""
    result = find_projects(paths, env)
    seen: dict[str, Path] = {}
    for project in result:
        if project.name in seen:
            raise ConfigError(
                f"{project.path / 'Pulumi.yaml'}: project name {project.name!r} "
                f"also used by {seen[project.name]}"
            )
        seen[project.name] = project.path
    return result


def topological_order(projects: Sequence[Project]) -> list[Project]:
    """Projects with every dependency before its dependents (ties by name); a cycle is a ConfigError.

    Dependencies on projects not in `projects` are ignored here (evaluation reports them).
    """
    by_name = {p.name: p for p in projects}
    ordered: list[Project] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = [*trail[trail.index(name) :], name]
            raise ConfigError(f"stack dependency cycle: {' -> '.join(cycle)}")
        state[name] = "visiting"
        for dep in sorted(by_name[name].depends_on):
            if dep in by_name:
                visit(dep, [*trail, name])
        state[name] = "done"
        ordered.append(by_name[name])

    for name in sorted(by_name):
        visit(name, [])
    return ordered


def dependents(projects: Sequence[Project], names: Iterable[str]) -> set[str]:
    """`names` plus every project that depends on them, directly or transitively."""
    result = set(names)
    changed = True
    while changed:
        changed = False
        for project in projects:
            if project.name not in result and result.intersection(project.depends_on):
                result.add(project.name)
                changed = True
    return result


def _repo(repo_root: Path) -> Any:
    import git

    try:
        return git.Repo(repo_root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ConfigError(f"{repo_root}: not a git repository") from None


def changed_files(repo_root: Path, rev: str) -> set[str]:
    """Paths (relative to the repo root) changed in `rev..HEAD` plus uncommitted and untracked changes."""
    import git

    repo = _repo(repo_root)
    try:
        base = repo.commit(rev)
    except (git.BadName, ValueError, git.GitCommandError):
        raise ConfigError(f"{rev}: unknown git revision in {repo_root}") from None
    files: set[str] = set()
    for diff in base.diff(repo.head.commit):
        files.update(p for p in (diff.a_path, diff.b_path) if p)
    for diff in repo.head.commit.diff(None):
        files.update(p for p in (diff.a_path, diff.b_path) if p)
    files.update(repo.untracked_files)
    return files


def affected_since(
    repo_root: Path,
    rev: str,
    projects: Sequence[Project],
    *,
    shared_paths: Sequence[str] = ("stacks/platform_components", "policies"),
) -> set[str]:
    """Projects with files changed since `rev` (all of them if a shared path changed), plus dependents."""
    top = Path(_repo(repo_root).working_tree_dir or repo_root).resolve()
    files = changed_files(repo_root, rev)
    shared = [s.strip("/") for s in shared_paths]
    if any(f == s or f.startswith(s + "/") for f in files for s in shared):
        return {p.name for p in projects}
    touched: set[str] = set()
    for project in projects:
        try:
            prefix = project.path.resolve().relative_to(top).as_posix()
        except ValueError:
            continue
        if prefix == "." or any(f == prefix or f.startswith(prefix + "/") for f in files):
            touched.add(project.name)
    return dependents(projects, touched)
