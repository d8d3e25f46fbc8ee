"""`gitops install`: create each project's own environment and install its requirements into it.

For every Pulumi project under PATH, the environment its Pulumi.yaml names (`compliance.environments`)
is created with `uv venv` and filled with `uv pip install --compile-bytecode` (or `uv sync --frozen`
for a uv project with a `uv.lock`); without uv, `python -m venv` and pip do the same. What is
installed is decided by `compliance.project_requirements`. A project that fails is reported on one
line (which package, why) and the others still install.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from compliance.environments import EnvironmentSpec, environment_python, environment_spec
from compliance.errors import ConfigError
from compliance.project_requirements import InstallSource, install_source

__all__ = [
    "STAMP",
    "IndexOptions",
    "InstallResult",
    "find_uv",
    "install_all",
    "install_project",
    "register",
    "run",
    "uv_error_line",
]

STAMP = ".gitops-install.json"  # in the environment: per project, a digest of what was installed
COMMAND_TIMEOUT = 1800.0

Status = Literal["installed", "up-to-date", "skipped", "failed"]


class IndexOptions(BaseModel):
    """Where packages come from; passed through to uv (and pip)."""

    offline: bool = False
    no_index: bool = False
    find_links: list[str] = Field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = Field(default_factory=list)

    def uv_args(self) -> list[str]:
        """The same options, spelled for `uv pip install` / `uv sync`."""
        args = ["--offline"] if self.offline else []
        args += ["--no-index"] if self.no_index else []
        for link in self.find_links:
            args += ["--find-links", link]
        args += ["--index-url", self.index_url] if self.index_url else []
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        return args

    def pip_args(self) -> list[str]:
        """The same options for pip (which has no offline mode: `--offline` means `--no-index`)."""
        args = ["--no-index"] if self.no_index or self.offline else []
        for link in self.find_links:
            args += ["--find-links", link]
        args += ["--index-url", self.index_url] if self.index_url else []
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        return args


class InstallResult(BaseModel):
    """What happened to one project."""

    project: str  # the project directory as shown to the user
    status: Status
    detail: str
    seconds: float = 0.0

    def line(self) -> str:
        """One line for the terminal."""
        if self.status == "failed":
            return f"failed      {self.project}: {self.detail}"
        took = f" ({self.seconds:.1f} s)" if self.status == "installed" else ""
        return f"{self.status:<11} {self.project}: {self.detail}{took}"


class InstallFailedError(Exception):
    """A uv/pip/venv command failed; the message is one line."""


def find_uv() -> Path | None:
    """The uv next to this interpreter (our virtualenv), else the one on PATH."""
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("uv")
    return Path(found) if found else None


# --- uv's error messages --------------------------------------------------------------------------

_PREFIX = re.compile(r"^\s*(?:error:|cause:|\u00d7|\u2570\u2500\u25b6|\u251c\u2500\u25b6|\u2502)\s*")
_NOT_FOUND = re.compile(
    r"Because (\S+) was not found in (the package registry|the provided package locations)"
)
_NO_VERSION = re.compile(r"Because there (?:is no version|are no versions) of (\S+?)(?:[<>=!~][^ ,]*)?[ ,]")
_ONLY = re.compile(r"Because (?:only )?(\S+?)([<>=!~][^ ]*)? (?:is|are) available and you require (\S+?),")
_DEPENDS = re.compile(r"Because (?:all versions of |only )?(\S+?)(?:[<>=!~][^ ]*)? (?:depends?) on (\S+?) ")
_FAILED = re.compile(r"Failed to (?:build|download|fetch|prepare|install|read|parse|resolve)[^`]*`([^`]+)`")


def _name_of(requirement: str) -> str:
    return re.split(r"[<>=!~\[; @]", requirement, maxsplit=1)[0] or requirement


def uv_error_line(output: str) -> str:
    """uv's (or pip's) multi-line error as one line: `PACKAGE: why`, else its first error line."""
    lines = [line for line in output.splitlines() if line.strip()]
    messages: list[str] = []
    for line in lines:
        if _PREFIX.match(line):
            messages.append(_PREFIX.sub("", line).strip())
        elif messages and line[:1].isspace():  # a message continued on the next line
            messages[-1] += " " + line.strip()

    if not messages:
        errors = [line.strip() for line in lines if line.strip().startswith("ERROR:")]  # pip
        messages = errors or [line.strip() for line in lines[-1:]]
    text = " ".join(messages)
    if match := _NOT_FOUND.search(text):
        return f"{_name_of(match.group(1))}: not found in {match.group(2)}"
    if match := _NO_VERSION.search(text):
        return f"{match.group(1)}: no version matches the requirement"
    if match := _ONLY.search(text):
        name = _name_of(match.group(1))
        available = f"{match.group(1)}{match.group(2) or ''}"
        return f"{name}: only {available} is available, {match.group(3)} is required"
    if match := _DEPENDS.search(text):
        conflict = re.search(r"because you require (\S+?),", text[match.end() :])
        other = f", but {conflict.group(1)} is required" if conflict else ", which conflicts"
        return f"{_name_of(match.group(1))}: requires {match.group(2)}{other}"
    if match := _FAILED.search(text):
        name = _name_of(match.group(1).split("==")[0])
        reason = messages[-1] if len(messages) > 1 else messages[0]
        return f"{name}: {' '.join(reason.split())}"[:300]
    pip = re.search(r"No matching distribution found for (\S+)", text)
    if pip:
        return f"{_name_of(pip.group(1))}: not found (pip: no matching distribution)"
    return " ".join(text.split())[:300] or "failed without a message"


# --- one project ----------------------------------------------------------------------------------


Runner = Callable[[list[str], Path, dict[str, str]], "subprocess.CompletedProcess[str]"]


def run_command(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a uv/pip/venv command, capturing its output (the default Runner)."""
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    env.pop("VIRTUAL_ENV", None)
    return env


def _digest(source: InstallSource | None, python: Path, installer: str, index: IndexOptions) -> str:
    data: dict[str, object] = {"python": str(python), "installer": installer, "index": index.model_dump()}
    if source is not None:
        data["source"] = source.model_dump(mode="json")
        files = [source.file, source.file.parent / "pyproject.toml", source.file.parent / "poetry.lock"]
        data["files"] = {
            str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in dict.fromkeys(files) if f.is_file()
        }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _stamped(stamp: Path) -> dict[str, str]:
    """project directory -> digest of what was installed for it into this environment."""
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return {}
    projects = data.get("projects") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in projects.items()} if isinstance(projects, dict) else {}


def _check(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        detail = uv_error_line(f"{done.stderr}\n{done.stdout}")
        raise InstallFailedError(f"{what}: {detail}" if what else detail)


def _create(spec: EnvironmentSpec, python: Path, uv: Path | None, runner: Runner, cwd: Path) -> None:
    env = _tool_env()
    if uv is not None:
        argv = [str(uv), "venv", str(spec.path), "--python", str(python), "--quiet"]
        if spec.path.exists():
            argv.append("--allow-existing")
        _check(runner(argv, cwd, env), "cannot create the environment")
    else:
        argv = [str(python), "-m", "venv", "--without-pip", str(spec.path)]  # our pip installs into it
        _check(runner(argv, cwd, env), "cannot create the environment")


def _install(
    spec: EnvironmentSpec,
    source: InstallSource,
    uv: Path | None,
    index: IndexOptions,
    runner: Runner,
    project_dir: Path,
) -> None:
    env = _tool_env()
    venv_python = environment_python(spec.path)
    if source.kind == "uv-lock" and uv is not None:
        env["UV_PROJECT_ENVIRONMENT"] = str(spec.path)
        argv = [str(uv), "sync", "--frozen", "--compile-bytecode", "--quiet", *index.uv_args()]
        _check(runner(argv, project_dir, env), "")
        return
    with tempfile.TemporaryDirectory(prefix="gitops-install-") as tmp:
        if source.kind == "requirements":
            files = ["-r", str(source.file)]
        else:
            requirements = source.requirements  # uv-lock without uv: [project].dependencies
            if not requirements:
                return
            listed = Path(tmp) / "requirements.txt"
            listed.write_text("\n".join(requirements) + "\n")
            files = ["-r", str(listed)]
            if source.constraints:
                pinned = Path(tmp) / "constraints.txt"
                pinned.write_text("\n".join(source.constraints) + "\n")
                files += ["-c", str(pinned)]
        if uv is not None:
            argv = [str(uv), "pip", "install", "--python", str(venv_python), "--compile-bytecode"]
            argv += ["--quiet", *files, *index.uv_args()]
        else:
            argv = [sys.executable, "-m", "pip", "--python", str(venv_python), "install", "--quiet"]
            argv += [*files, *index.pip_args()]
        _check(runner(argv, project_dir, env), "")


def _describe(source: InstallSource | None, spec: EnvironmentSpec, installer: str) -> str:
    where = _display(spec.path)
    if source is None:
        return f"environment {where}; no requirements.txt or pyproject.toml dependencies to install"
    what = {
        "requirements": "requirements.txt",
        "pyproject": "pyproject.toml [project].dependencies",
        "poetry": "pyproject.toml (poetry" + (", poetry.lock)" if source.constraints else ")"),
        "uv-lock": "uv.lock",
    }[source.kind]
    return f"{what} into {where} ({installer})"


def _display(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def install_project(
    project_dir: Path,
    *,
    python: Path | None = None,
    index: IndexOptions | None = None,
    uv: Path | None = None,
    runner: Runner = run_command,
) -> InstallResult:
    """Create the environment `project_dir`'s Pulumi.yaml names and install its requirements into it.

    `uv` None installs with `python -m venv` and pip. Never raises for a project's own problems."""
    from compliance.discovery import load_project_file

    index = index or IndexOptions()
    shown = _display(project_dir)
    started = time.monotonic()
    installer = "uv" if uv is not None else "pip"
    try:
        settings = load_project_file(project_dir)
        spec = environment_spec(project_dir, settings)
        if spec is None:
            runtime = settings.get("runtime")
            name = runtime.get("name") if isinstance(runtime, dict) else runtime
            detail = (
                f"not a Python project (runtime {name or 'not named'})"
                if name != "python"
                else "uses the gate's own environment (Pulumi.yaml names no virtualenv or toolchain)"
            )
            return InstallResult(project=shown, status="skipped", detail=detail)
        source = install_source(project_dir, spec.toolchain)
        base_python = (python or Path(sys.executable)).absolute()
        digest = _digest(source, base_python, installer, index)
        venv_python = environment_python(spec.path)
        stamp = spec.path / STAMP
        key = str(project_dir.resolve())
        if venv_python.exists() and _stamped(stamp).get(key) == digest:
            return InstallResult(
                project=shown, status="up-to-date", detail=_describe(source, spec, installer)
            )
        created = not venv_python.exists() and not spec.path.exists()
        if not venv_python.exists():
            _create(spec, base_python, uv, runner, project_dir)
        stamped = {k: v for k, v in _stamped(stamp).items() if k != key} if not created else {}
        stamp.unlink(missing_ok=True)
        try:
            if source is not None:
                _install(spec, source, uv, index, runner, project_dir)
        except BaseException:
            if created:  # never leave a half-filled environment the gate would then run with
                shutil.rmtree(spec.path, ignore_errors=True)
            raise
        stamp.write_text(json.dumps({"projects": {**stamped, key: digest}}, indent=1) + "\n")
    except (ConfigError, InstallFailedError) as exc:
        return InstallResult(project=shown, status="failed", detail=str(exc))
    except subprocess.TimeoutExpired:
        return InstallResult(project=shown, status="failed", detail=f"timed out after {COMMAND_TIMEOUT:g} s")
    except OSError as exc:
        return InstallResult(project=shown, status="failed", detail=f"{exc.strerror or exc}")
    return InstallResult(
        project=shown,
        status="installed",
        detail=_describe(source, spec, installer),
        seconds=time.monotonic() - started,
    )


def project_dirs(paths: Sequence[Path]) -> list[Path]:
    """Every Pulumi project directory under `paths`, the way discovery finds them, each once."""
    from compliance.discovery import project_dirs

    found: dict[Path, Path] = {}
    for root in paths:
        if not Path(root).exists():
            raise ConfigError(f"{root}: no such file or directory")
        for directory in project_dirs(Path(root)):
            found.setdefault(directory.resolve(), directory)
    return list(found.values())


def _environment_key(directory: Path) -> Path:
    """The environment a project installs into (its own directory when that cannot be read)."""
    from compliance.discovery import load_project_file

    try:
        spec = environment_spec(directory, load_project_file(directory))
    except ConfigError:
        return directory.resolve()
    return spec.path.resolve() if spec is not None else directory.resolve()


def install_all(
    paths: Sequence[Path],
    *,
    python: Path | None = None,
    index: IndexOptions | None = None,
    uv: Path | None = None,
    jobs: int = 2,
    on_done: Callable[[InstallResult], None] | None = None,
    runner: Runner = run_command,
) -> list[InstallResult]:
    """install_project for every project under `paths`, `jobs` at once; results in discovery order.

    Projects sharing one environment (e.g. `virtualenv: ../../.venv`) install one after the other."""
    directories = project_dirs(paths)
    locks: dict[Path, threading.Lock] = {}
    for directory in directories:
        locks.setdefault(_environment_key(directory), threading.Lock())

    def one(directory: Path) -> InstallResult:
        with locks[_environment_key(directory)]:
            result = install_project(directory, python=python, index=index, uv=uv, runner=runner)
        if on_done is not None:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, directories))


# --- the command ----------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `install` subcommand."""
    p = sub.add_parser(
        "install",
        help="create each project's own environment (as Pulumi.yaml names it) and install its requirements",
        description="Exit 0: every project installed or up to date; 2: a project failed or bad usage.",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="project dir or dir of projects")
    p.add_argument(
        "--python", type=Path, metavar="PATH", help="interpreter for new environments (default: this one)"
    )
    p.add_argument("--offline", action="store_true", help="use only cached packages (uv --offline)")
    p.add_argument("--no-index", action="store_true", help="ignore the package index (use --find-links)")
    p.add_argument(
        "--find-links", action="append", default=[], metavar="DIR|URL", help="extra wheel locations"
    )
    p.add_argument("--index-url", metavar="URL", help="package index instead of PyPI")
    p.add_argument("--extra-index-url", action="append", default=[], metavar="URL", help="additional index")
    p.add_argument("--no-uv", action="store_true", help="use python -m venv and pip instead of uv")
    p.add_argument("--jobs", type=int, default=2, help="projects installed at once (default 2)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle `gitops install`; returns the exit status."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    err = Console(file=sys.stderr, soft_wrap=True, highlight=False)
    out = Console(file=sys.stdout, soft_wrap=True, highlight=False)
    index = IndexOptions(
        offline=args.offline,
        no_index=args.no_index,
        find_links=args.find_links,
        index_url=args.index_url,
        extra_index_urls=args.extra_index_url,
    )
    if args.python is not None and not args.python.exists():
        err.print(f"error: --python {args.python}: no such interpreter", markup=False, highlight=False)
        return 2
    uv = None if args.no_uv else find_uv()
    try:
        directories = project_dirs(args.paths or [Path("stacks")])
    except ConfigError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        return 2
    if not directories:
        shown = " ".join(str(p) for p in args.paths or [Path("stacks")])
        err.print(f"error: no Pulumi projects under {shown}", markup=False, highlight=False)
        return 2
    with Progress(
        SpinnerColumn(),
        TextColumn("installing project environments"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=len(directories))

        def done(result: InstallResult) -> None:
            progress.update(task, advance=1, description=f"{result.project}: {result.status}")

        results = install_all(
            directories, python=args.python, index=index, uv=uv, jobs=args.jobs, on_done=done
        )
    for result in results:
        out.print(result.line(), markup=False)
    counts = {
        status: sum(r.status == status for r in results)
        for status in ("installed", "up-to-date", "skipped", "failed")
    }
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    out.print(f"{len(results)} project{'s' if len(results) != 1 else ''}: {summary}", markup=False)
    return 2 if counts["failed"] else 0
