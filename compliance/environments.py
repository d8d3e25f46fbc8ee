"""Which Python interpreter runs a project: the environment its Pulumi.yaml names.

Pulumi's Python runtime options (`runtime: {name: python, options: {...}}`):

- `virtualenv: DIR`: a virtual environment at DIR (relative to the project directory);
- `toolchain: pip` (the default): the virtualenv above, or none (the ambient interpreter);
- `toolchain: uv`: the virtualenv above, else `.venv` in the project directory;
- `toolchain: poetry`: the in-project `.venv` (what `gitops install` creates, and what Poetry uses
  when it exists), else the environment `poetry env info -p` names when Poetry is on PATH.

`runtime: python` without options names no environment: the gate's own interpreter runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from compliance.errors import ConfigError

__all__ = [
    "TOOLCHAINS",
    "EnvironmentSpec",
    "environment_python",
    "environment_spec",
    "missing_environment",
    "poetry_environment",
    "project_interpreter",
]

Toolchain = Literal["pip", "uv", "poetry"]
TOOLCHAINS: tuple[Toolchain, ...] = ("pip", "uv", "poetry")


class EnvironmentSpec(BaseModel):
    """The environment a project's Pulumi.yaml names."""

    toolchain: Toolchain
    path: Path  # the virtual environment directory (absolute)
    configured: bool  # True when `virtualenv:` names it (False: the toolchain's default location)


def _options(project_dir: Path, settings: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """(runtime name, runtime options) of a Pulumi.yaml mapping."""
    runtime = settings.get("runtime")
    where = project_dir / "Pulumi.yaml"
    if runtime is None:  # Pulumi requires one; the gate then runs it with its own interpreter
        return "", {}
    if isinstance(runtime, str):
        return runtime, {}
    if not isinstance(runtime, Mapping):
        raise ConfigError(f"{where}: 'runtime' must be a name or a mapping with 'name'")
    name = runtime.get("name")
    if not isinstance(name, str):
        raise ConfigError(f"{where}: 'runtime' has no 'name'")
    options = runtime.get("options") or {}
    if not isinstance(options, Mapping):
        raise ConfigError(f"{where}: 'runtime.options' must be a mapping")
    return name, options


def environment_spec(project_dir: Path, settings: Mapping[str, Any]) -> EnvironmentSpec | None:
    """The environment the project's Pulumi.yaml names, or None when it names none (or is not Python).

    A bad `runtime` section (unknown toolchain, non-string virtualenv) is a ConfigError naming the file.
    """
    name, options = _options(project_dir, settings)
    if name != "python":
        return None
    where = project_dir / "Pulumi.yaml"
    toolchain = options.get("toolchain", "pip")
    if toolchain not in TOOLCHAINS:
        raise ConfigError(
            f"{where}: runtime.options.toolchain {toolchain!r} is not one of {', '.join(TOOLCHAINS)}"
        )
    virtualenv = options.get("virtualenv")
    if virtualenv is not None and (not isinstance(virtualenv, str) or not virtualenv.strip()):
        raise ConfigError(f"{where}: runtime.options.virtualenv must be a directory name")
    if virtualenv:
        return EnvironmentSpec(toolchain=toolchain, path=_absolute(project_dir, virtualenv), configured=True)
    if toolchain in ("uv", "poetry"):
        return EnvironmentSpec(toolchain=toolchain, path=_absolute(project_dir, ".venv"), configured=False)
    return None


def _absolute(project_dir: Path, directory: str) -> Path:
    path = Path(os.path.expanduser(directory))
    return path if path.is_absolute() else Path(os.path.abspath(project_dir / path))


def environment_python(venv: Path) -> Path:
    """The interpreter of virtual environment `venv` (it may not exist)."""
    if os.name == "nt":  # pragma: no cover - the gate runs on POSIX
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def poetry_environment(project_dir: Path, timeout: float = 15.0) -> Path | None:
    """The virtualenv `poetry env info -p` names for the project, when Poetry is on PATH."""
    poetry = shutil.which("poetry")
    if poetry is None:
        return None
    try:
        done = subprocess.run(
            [poetry, "env", "info", "-p"],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = done.stdout.strip()
    return Path(path) if done.returncode == 0 and path else None


def project_interpreter(project_dir: Path, settings: Mapping[str, Any]) -> Path | None:
    """The python of the project's own environment (runtime.options.virtualenv / toolchain), if it
    exists; None means "use the gate's own interpreter" (no environment named, or not created yet:
    see `missing_environment`)."""
    spec = environment_spec(project_dir, settings)
    if spec is None:
        return None
    python = environment_python(spec.path)
    if python.exists():
        return python
    if spec.toolchain == "poetry" and not spec.configured:
        venv = poetry_environment(project_dir)
        if venv is not None and environment_python(venv).exists():
            return environment_python(venv)
    return None


def missing_environment(project_dir: Path, settings: Mapping[str, Any]) -> str | None:
    """What is expected and missing, as one line for the user; None when nothing is missing.

    E.g. `stacks/api/Pulumi.yaml names virtualenv venv, but stacks/api/venv/bin/python does not
    exist; run `gitops install stacks/api``. Paths are as given (pass a relative project_dir for
    relative paths in the message)."""
    spec = environment_spec(project_dir, settings)
    if spec is None or project_interpreter(project_dir, settings) is not None:
        return None
    python = environment_python(spec.path)
    shown = _shown(python, project_dir)
    named = (
        f"virtualenv {_shown(spec.path, project_dir)}"
        if spec.configured
        else f"toolchain {spec.toolchain} (environment {_shown(spec.path, project_dir)})"
    )
    return (
        f"{project_dir / 'Pulumi.yaml'} names {named}, but {shown} does not exist; "
        f"run `gitops install {project_dir}`"
    )


def _shown(path: Path, project_dir: Path) -> str:
    """`path` relative to the current directory when it is under `project_dir` given relatively."""
    if project_dir.is_absolute():
        return str(path)
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
