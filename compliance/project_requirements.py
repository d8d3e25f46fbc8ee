"""What `gitops install` installs into a project's environment: its requirements, read and translated.

- `requirements.txt` in the project directory, as is (toolchains pip and uv);
- else `pyproject.toml`: PEP 621 `[project].dependencies`;
- toolchain uv with a `uv.lock`: the lock, exactly (`uv sync --frozen`);
- toolchain poetry: PEP 621 `[project].dependencies` when present, else `[tool.poetry.dependencies]`
  translated to PEP 508 (caret, tilde, wildcard and comparison constraints; `extras`, `markers`,
  `python`, `git`/`path`/`url` sources), plus the non-optional groups (`[tool.poetry.group.NAME]`,
  legacy `[tool.poetry.dev-dependencies]`); `poetry.lock` versions constrain the resolution.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from compliance.errors import ConfigError

__all__ = [
    "InstallSource",
    "UnsupportedDependencyError",
    "install_source",
    "poetry_constraint",
    "poetry_requirements",
]

SourceKind = Literal["requirements", "pyproject", "poetry", "uv-lock"]


class InstallSource(BaseModel):
    """Where a project's dependencies come from and, unless a file is installed as is, what they are."""

    kind: SourceKind
    file: Path  # requirements.txt, pyproject.toml or uv.lock
    requirements: list[str] = Field(default_factory=list)  # PEP 508 lines (pyproject, poetry)
    constraints: list[str] = Field(default_factory=list)  # `name==version` pins from poetry.lock


class UnsupportedDependencyError(ConfigError):
    """A pyproject dependency `gitops install` cannot translate (the message names it)."""


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def _pep621(pyproject: Path, data: Mapping[str, Any]) -> list[str] | None:
    project = data.get("project")
    if not isinstance(project, Mapping) or "dependencies" not in project:
        return None
    deps = project["dependencies"]
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise ConfigError(f"{pyproject}: [project].dependencies must be a list of strings")
    return list(deps)


def install_source(project_dir: Path, toolchain: str) -> InstallSource | None:
    """What to install for a project of `toolchain`; None when it has no requirements at all."""
    requirements = project_dir / "requirements.txt"
    pyproject = project_dir / "pyproject.toml"
    if toolchain == "poetry":
        if not pyproject.is_file():
            raise ConfigError(f"{project_dir}: toolchain poetry but no pyproject.toml")
        data = _toml(pyproject)
        lock = project_dir / "poetry.lock"
        return InstallSource(
            kind="poetry",
            file=pyproject,
            requirements=poetry_requirements(pyproject, data),
            constraints=_poetry_lock_pins(lock) if lock.is_file() else [],
        )
    if toolchain == "uv" and (project_dir / "uv.lock").is_file() and pyproject.is_file():
        deps = _pep621(pyproject, _toml(pyproject)) or []  # used only when uv is not available
        return InstallSource(kind="uv-lock", file=project_dir / "uv.lock", requirements=deps)
    if requirements.is_file():
        return InstallSource(kind="requirements", file=requirements)
    if pyproject.is_file():
        listed = _pep621(pyproject, _toml(pyproject))
        if listed is not None:
            return InstallSource(kind="pyproject", file=pyproject, requirements=listed)
    return None


# --- Poetry ---------------------------------------------------------------------------------------

_VERSION = re.compile(r"^(\d+(?:\.\d+)*)(.*)$")
_OPERATOR = re.compile(r"^(===|==|!=|~=|>=|<=|>|<)\s*(.+)$")


def _bump(release: list[int], index: int) -> str:
    upper = [*release[:index], release[index] + 1]
    upper += [0] * (len(release) - len(upper))
    return ".".join(map(str, upper))


def _clause(text: str) -> list[str]:
    """One Poetry constraint clause -> PEP 440 specifiers (empty list: any version)."""
    text = text.strip()
    if text in ("", "*"):
        return []
    operator = _OPERATOR.match(text)
    if operator:
        return [f"{operator.group(1)}{operator.group(2).strip()}"]
    if text[0] in "^~":
        version = text[1:].strip()
        match = _VERSION.match(version)
        if not match:
            raise ValueError(text)
        release = [int(part) for part in match.group(1).split(".")]
        if text[0] == "^":
            nonzero = [i for i, part in enumerate(release) if part]
            index = nonzero[0] if nonzero else len(release) - 1
        else:
            index = 1 if len(release) >= 2 else 0
        return [f">={version}", f"<{_bump(release, index)}"]
    if _VERSION.match(text) or text.endswith(".*"):
        return [f"=={text}"]
    raise ValueError(text)


def poetry_constraint(text: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier: `^1.2` -> `>=1.2,<2.0`, `*` -> ``.

    ValueError for what has no PEP 440 equivalent (`||` alternatives, unparsable versions)."""
    if "||" in text or "|" in text:
        raise ValueError(text)
    text = re.sub(r"(===|==|!=|~=|>=|<=|>|<|\^|~)\s+", r"\1", text.strip())
    parts = [p for p in re.split(r"[,\s]+", text) if p]
    specifiers: list[str] = []
    for part in parts or [""]:
        specifiers.extend(_clause(part))
    return ",".join(specifiers)


def _python_marker(constraint: str) -> str:
    markers = []
    for spec in poetry_constraint(constraint).split(","):
        if not spec:
            continue
        operator = _OPERATOR.match(spec)
        if operator is None:  # pragma: no cover - poetry_constraint only emits operators
            continue
        op, version = operator.groups()
        key = "python_full_version" if version.count(".") >= 2 else "python_version"
        markers.append(f'{key} {op} "{version}"')
    return " and ".join(markers)


def _requirement(name: str, spec: Any, project_dir: Path, where: str) -> str | None:
    """One `[tool.poetry.dependencies]` entry (string or table) as a PEP 508 line; None if optional."""
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, Mapping):
        raise UnsupportedDependencyError(f"{where}: dependency {name!r}: expected a string or a table")
    if spec.get("optional"):
        return None
    extras = spec.get("extras") or []
    head = f"{name}[{','.join(extras)}]" if extras else name
    markers = [f"({spec['markers']})"] if spec.get("markers") else []
    if spec.get("python"):
        try:
            markers.append(_python_marker(str(spec["python"])))
        except ValueError:
            raise UnsupportedDependencyError(
                f"{where}: dependency {name!r}: python constraint {spec['python']!r} is not supported"
            ) from None
    marker = f" ; {' and '.join(m for m in markers if m)}" if any(markers) else ""
    if "git" in spec:
        ref = spec.get("rev") or spec.get("tag") or spec.get("branch")
        url = f"git+{spec['git']}" + (f"@{ref}" if ref else "")
        if spec.get("subdirectory"):
            url += f"#subdirectory={spec['subdirectory']}"
        return f"{head} @ {url}{marker}"
    if "path" in spec:
        target = (project_dir / str(spec["path"])).resolve()
        if spec.get("develop"):
            return f"-e {target}"
        return f"{head} @ {target.as_uri()}{marker}"
    if "url" in spec:
        return f"{head} @ {spec['url']}{marker}"
    version = spec.get("version", "*")
    try:
        specifier = poetry_constraint(str(version))
    except ValueError:
        raise UnsupportedDependencyError(
            f"{where}: dependency {name!r}: version constraint {version!r} is not supported"
        ) from None
    return f"{head}{specifier}{marker}"


def _table_requirements(table: Any, project_dir: Path, where: str) -> list[str]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: must be a table")
    lines: list[str] = []
    for name, spec in table.items():
        if name == "python":
            continue
        entries = spec if isinstance(spec, list) else [spec]
        for entry in entries:
            line = _requirement(name, entry, project_dir, where)
            if line is not None:
                lines.append(line)
    return lines


def poetry_requirements(pyproject: Path, data: Mapping[str, Any]) -> list[str]:
    """PEP 508 lines for a Poetry project: main dependencies plus its non-optional groups."""
    poetry = (data.get("tool") or {}).get("poetry") or {}
    project_dir = pyproject.parent
    lines = _pep621(pyproject, data)
    if lines is None:
        lines = _table_requirements(
            poetry.get("dependencies") or {}, project_dir, f"{pyproject} [tool.poetry.dependencies]"
        )
    groups = poetry.get("group") or {}
    for group, body in groups.items() if isinstance(groups, Mapping) else ():
        if not isinstance(body, Mapping) or body.get("optional"):
            continue
        where = f"{pyproject} [tool.poetry.group.{group}.dependencies]"
        lines += _table_requirements(body.get("dependencies") or {}, project_dir, where)
    if "dev-dependencies" in poetry:
        lines += _table_requirements(
            poetry["dev-dependencies"], project_dir, f"{pyproject} [tool.poetry.dev-dependencies]"
        )
    return lines


def _poetry_lock_pins(lock: Path) -> list[str]:
    """`name==version` for every registry package of poetry.lock (git/path/url ones are left free)."""
    pins = []
    for package in _toml(lock).get("package") or []:
        if not isinstance(package, Mapping):
            continue
        source = package.get("source") or {}
        if isinstance(source, Mapping) and source.get("type") in ("git", "directory", "file", "url"):
            continue
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str):
            pins.append(f"{name}=={version}")
    return pins
