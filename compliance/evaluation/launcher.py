"""Start one program the one way: its own interpreter, confined, talking to the gate's monitor.

For each project: the bootstrap (compliance/evaluation/bootstrap.py) runs under the interpreter of
the project's own environment (compliance.environments.project_interpreter; the gate's own
otherwise), wrapped by compliance.sandbox.confine, with an allow-listed environment
(compliance.evaluation.starter.start_program). The process is started first, or was started before
the gate knew the program (starter.early_start), and imports its SDK; the gate sends it the request
(program, config, monitor address), then imports the monitor (compliance.evaluation.monitor: gRPC
and the Pulumi protocol) and listens on a unix socket in a directory of the process's private
temporary directory that the program can read but not write. The program does not wait for it to
start: the bootstrap answers the SDK's feature queries from the request, and the program's first
real monitor call waits for the socket. The graph is what the program registered; its exit status
and its own error complete it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.discovery import Project, git_toplevel, load_config, load_project_file, topological_order
from compliance.environments import missing_environment, project_interpreter
from compliance.errors import ConfigError, SandboxUnavailable
from compliance.evaluation.config import apply_overrides, config_position, config_values, relative
from compliance.evaluation.features import MONITOR_FEATURES
from compliance.evaluation.lookups import load_lookup_pins
from compliance.evaluation.program import Program
from compliance.evaluation.starter import BOOTSTRAP, EarlyStart, StartFailed, start_program
from compliance.model import StackGraph
from compliance.sandbox import SandboxMode, grant, probe_bubblewrap

__all__ = [
    "BOOTSTRAP",
    "evaluate_many",
    "evaluate_project",
    "git_toplevel",
    "library_paths",
    "outputs_by_reference",
]


def _program(project_dir: Path, settings: Mapping[str, Any], pulumi_yaml: Path) -> tuple[Path, Path]:
    """(path passed to runpy, directory put on sys.path) for the project's `main:`."""
    main = settings.get("main")
    target = (project_dir / str(main)) if main else project_dir
    if target.is_dir():
        if not (target / "__main__.py").is_file():
            raise ConfigError(f"{pulumi_yaml}: no __main__.py in {target}")
        return target, target
    if target.is_file():
        return target, target.parent
    raise ConfigError(f"{pulumi_yaml}: main {main!r} does not exist")


def library_paths(project_dir: Path, root: Path | None) -> list[str]:
    """Directories searched before installed packages: the project's parent, inside the repository.

    Shared component packages that live beside the projects (stacks/platform_components) then come
    from the same checkout as the program, so evaluating an old or new commit uses that commit's
    components, not whatever copy is installed.
    """
    parent = project_dir.resolve().parent
    if root is None or not parent.is_relative_to(root.resolve()):
        return []
    return [str(parent)]


def program_site_packages(interpreter: Path | str | None) -> tuple[str, ...] | None:
    """site-packages of a project's own virtualenv (None: the gate's interpreter and its SDKs)."""
    if interpreter is None:
        return None
    venv = Path(interpreter).parent.parent
    found = sorted(str(p) for p in venv.glob("lib/python3*/site-packages") if p.is_dir())
    return tuple(found) or None


class Launch:
    """Everything decided before a program starts (ConfigError on bad project or stack files)."""

    def __init__(
        self,
        project_dir: Path,
        env: str,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None,
        root: Path | None,
        overrides: Mapping[str, str] | None,
    ) -> None:
        settings = load_project_file(project_dir)
        self.settings = settings
        project = str(settings["name"])
        config = apply_overrides(load_config(project_dir, settings, env), overrides or {}, project)
        values, secret_keys, placeholders = config_values(config)
        program, program_dir = _program(project_dir, settings, project_dir / "Pulumi.yaml")
        self.root = (root or project_dir).resolve()
        self.cwd = project_dir.resolve()
        self.configured_region = values.get("aws:region")
        config_file = project_dir / f"Pulumi.{env}.yaml"
        self.program = Program(
            project=project,
            path=relative(project_dir, root),
            env=env,
            root=self.root,
            cwd=self.cwd,
            region=self.configured_region or "us-east-1",
            placeholders=frozenset(placeholders),
            stack_outputs={k: dict(v) for k, v in (stack_outputs or {}).items()},
            pins=load_lookup_pins(project_dir),
        )
        self.libraries = library_paths(project_dir, root)
        self.request: dict[str, Any] = {
            "project": project,
            "stack": env,
            "organization": "organization",
            "root": str(self.root),
            "cwd": str(self.cwd),
            "program": str(program.resolve()),
            "program_dir": str(program_dir.resolve()),
            "library_paths": self.libraries,
            "config_file": relative(config_file, root),
            "config_exists": config_file.is_file(),
            "features": MONITOR_FEATURES,
            # put in the program's os.environ by the bootstrap, as the Pulumi CLI's environment would
            "environment": {
                "PULUMI_CONFIG": json.dumps(values),
                "PULUMI_CONFIG_SECRET_KEYS": json.dumps(secret_keys),
            },
        }

    def missing_environment(self) -> str | None:
        """`run gitops install` advice when Pulumi.yaml names an environment that does not exist."""
        return missing_environment(self.cwd, self.settings)

    def interpreter(self) -> Path:
        """The project's own python, else the gate's."""
        found = project_interpreter(self.cwd, self.settings)
        return Path(found) if found is not None else Path(sys.executable)

    def read_only(self) -> list[Path]:
        """What the program may read besides its interpreter and the bootstrap: the repository, the
        project and the shared libraries beside it."""
        paths = [self.root, self.cwd, *(Path(p) for p in self.libraries)]
        return list(dict.fromkeys(p.resolve() for p in paths))


LOG_TAIL_BYTES = 64 * 1024


def _last_line(log: Path) -> str:
    """The last non-blank line of the program's output (read from its end: the log may be huge)."""
    with log.open("rb") as handle:
        handle.seek(max(0, log.stat().st_size - LOG_TAIL_BYTES))
        text = handle.read(LOG_TAIL_BYTES).decode("utf-8", errors="replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def evaluate_project(
    project_dir: Path,
    env: str,
    *,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    timeout: float = 120.0,
    repo_root: Path | None = None,
    sandbox: SandboxMode = "auto",
    config_overrides: Mapping[str, str] | None = None,
    early: EarlyStart | None = None,
) -> StackGraph:
    """Run the Pulumi project at `project_dir` for stack `env` against the gate's monitor; its graph.

    `early`: a process started ahead of time, used when it fits this program.
    Never raises for a broken program or config: the graph carries a one-line `error` instead.
    Raises SandboxUnavailable (a ConfigError) for `sandbox="required"` where bubblewrap cannot run.
    """
    project_dir = Path(project_dir)
    root = Path(repo_root).resolve() if repo_root is not None else git_toplevel(project_dir)
    fallback = StackGraph(project=project_dir.name, path=relative(project_dir, root), env=env)
    try:
        launch = Launch(project_dir, env, stack_outputs, root, config_overrides)
    except ConfigError as exc:
        return fallback.model_copy(update={"error": str(exc)})
    fallback.project = launch.program.project
    interpreter = launch.interpreter()
    if not os.access(interpreter, os.X_OK):
        error = f"{launch.program.path}: cannot start {interpreter}: the project's interpreter does not exist"
        return fallback.model_copy(update={"error": error})
    own_sdks = program_site_packages(interpreter) if interpreter != Path(sys.executable) else None
    read_only = launch.read_only()
    started = early.take(interpreter, sandbox, read_only) if early is not None else None
    if started is None:
        try:  # SandboxUnavailable (--sandbox required where it cannot run) stops the whole command
            started = start_program(interpreter, read_only=read_only, mode=sandbox, cwd=launch.cwd)
        except StartFailed as exc:
            return fallback.model_copy(update={"error": f"{launch.program.path}: {exc}"})
    confined = started.confined
    fallback.confinement = confined.confinement
    try:
        started.send({**launch.request, "monitor": f"unix:{started.socket_dir / 'monitor.sock'}"})
        # Imported once the program runs: it imports its own SDK meanwhile, on the other core.
        from compliance.evaluation.monitor import MonitorServer, Recorder

        recorder = Recorder(replace(launch.program, sdk_path=own_sdks))
        with MonitorServer(recorder, started.socket_dir) as server:
            grant(confined, server.path)
            try:
                started.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                error = f"{launch.program.path}: evaluation timed out after {timeout:g}s"
                return fallback.model_copy(update={"error": error})
        data = recorder.graph()
        if data["error"] is None and started.process.returncode != 0:
            detail = recorder.mask(_last_line(started.log_path))
            data["error"] = f"evaluation crashed (exit {started.process.returncode}): {detail}"
    finally:
        started.close()  # children that outlive the program die with it
    advice = launch.missing_environment()
    if advice and data["error"] and "ModuleNotFoundError" in data["error"]:
        data["error"] = f"{data['error']} ({advice})"
    try:
        graph = StackGraph.model_validate({**data, "confinement": confined.confinement})
    except ValidationError as exc:
        return fallback.model_copy(update={"error": f"invalid evaluation result: {exc.errors()[0]['msg']}"})
    region = launch.configured_region
    if isinstance(region, str) and region:
        graph.default_provider = {"region": region}
        graph.default_provider_source = config_position(project_dir, env, "aws:region", root)
    return graph


def outputs_by_reference(graph: StackGraph) -> dict[str, dict[str, Any]]:
    """A graph's outputs under the keys a StackReference may use (`<project>/<env>`, `<project>`)."""
    return {f"{graph.project}/{graph.env}": graph.outputs, graph.project: graph.outputs}


def evaluate_many(
    projects: Sequence[Project],
    env: str,
    *,
    jobs: int = 2,
    timeout: float = 120.0,
    repo_root: Path | None = None,
    on_done: Callable[[StackGraph], None] | None = None,
    sandbox: SandboxMode = "auto",
    config_overrides: Mapping[str, str] | None = None,
    early: EarlyStart | None = None,
) -> list[StackGraph]:
    """Evaluate projects in dependency order (independent ones concurrently, up to `jobs`).

    Each project sees its dependencies' outputs through its StackReferences; a project whose
    dependency failed is not run and gets an error naming that dependency. Results are in
    topological order. `early`: a process started ahead of time, for the first program it fits.
    """
    if sandbox == "required":  # stop before any program starts, not once per stack
        found = probe_bubblewrap()
        if found.path is None:
            raise SandboxUnavailable(f"--sandbox required, but {found.reason}")
    ordered = topological_order(projects)
    names = {p.name for p in ordered}
    results: dict[str, StackGraph] = {}
    lock = threading.Lock()

    def finish(graph: StackGraph) -> None:
        with lock:
            results[graph.project] = graph
        if on_done is not None:
            on_done(graph)

    def upstream(project: Project) -> dict[str, dict[str, Any]]:
        outputs: dict[str, dict[str, Any]] = {}
        for dep in project.depends_on:
            if dep in results:
                outputs.update(outputs_by_reference(results[dep]))
        return outputs

    def run(project: Project) -> StackGraph:
        graph = evaluate_project(
            project.path,
            env,
            stack_outputs=upstream(project),
            timeout=timeout,
            repo_root=repo_root,
            sandbox=sandbox,
            config_overrides=config_overrides,
            early=early,
        )
        # The project name comes from Pulumi.yaml; keep discovery's name for scheduling.
        return graph if graph.project == project.name else graph.model_copy(update={"project": project.name})

    pending = list(ordered)
    running: dict[Future[StackGraph], Project] = {}
    slots = max(1, jobs)
    with ThreadPoolExecutor(max_workers=slots) as pool:
        while pending or running:
            progressed = False
            for project in list(pending):
                if len(running) >= slots:
                    break
                deps = [d for d in project.depends_on if d in names]
                if any(d not in results for d in deps):
                    continue
                pending.remove(project)
                progressed = True
                failed = [d for d in deps if results[d].error]
                if failed:
                    finish(_failed(project, env, f"dependency {failed[0]} failed to evaluate", repo_root))
                else:
                    running[pool.submit(run, project)] = project
            if not running:
                if not progressed:  # cannot happen after topological_order; never spin
                    raise RuntimeError(f"cannot schedule {[p.name for p in pending]}")
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                project = running.pop(future)
                try:
                    graph = future.result()
                except SandboxUnavailable:
                    raise
                except Exception as exc:  # evaluate_project reports program errors itself
                    graph = _failed(project, env, f"evaluation failed: {exc}", repo_root)
                finish(graph)
    return [results[p.name] for p in ordered]


def _failed(project: Project, env: str, error: str, repo_root: Path | None) -> StackGraph:
    root = Path(repo_root).resolve() if repo_root is not None else git_toplevel(project.path)
    return StackGraph(project=project.name, path=relative(project.path, root), env=env, error=error)
