"""Evaluate Pulumi Python programs offline: the SDK's mock runtime, in a subprocess, -> StackGraph.

The program runs in `python -m compliance._evaluate_worker` with a timeout, cwd = project dir, its
stack config in PULUMI_CONFIG and `secure:` values replaced by placeholders that are marked secret
(the real ciphertext never reaches the program). Failures become `StackGraph(error=...)`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.discovery import Project, load_config, load_project_file, topological_order
from compliance.errors import ConfigError
from compliance.model import SourcePosition, StackGraph

WORKER = "compliance._evaluate_worker"


def git_toplevel(path: Path) -> Path | None:
    """The working tree root of the git repository containing `path`, if any."""
    try:
        import git

        top = git.Repo(path, search_parent_directories=True).working_tree_dir
    except Exception:  # not a repository, or git missing: positions fall back to the project dir
        return None
    return Path(top).resolve() if top else None


def placeholder_for(key: str) -> str:
    """The stand-in value a program sees for the secure config `key` (never the ciphertext)."""
    return f"offline-secret-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _replace_secure(value: Any, placeholder: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return placeholder
        return {k: _replace_secure(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(v, placeholder) for v in value]
    return value


def config_values(config: Mapping[str, Any]) -> tuple[dict[str, str], list[str], list[str]]:
    """Stack config -> (PULUMI_CONFIG strings, secret keys, placeholders used for secrets).

    Strings stay as they are, booleans/numbers become their YAML spelling, objects and lists JSON.
    """
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    placeholders: list[str] = []
    for key, raw in config.items():
        value = raw
        if _has_secure(raw):
            placeholder = placeholder_for(key)
            value = _replace_secure(raw, placeholder)
            secret_keys.append(key)
            placeholders.append(placeholder)
        if isinstance(value, str):
            values[key] = value
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif value is None:
            values[key] = ""
        elif isinstance(value, int | float):
            values[key] = str(value)
        else:
            values[key] = json.dumps(value)
    return values, sorted(secret_keys), sorted(placeholders)


def _relative(path: Path, root: Path | None) -> str:
    resolved = path.resolve()
    if root is not None:
        with contextlib.suppress(ValueError):
            return resolved.relative_to(root).as_posix() or "."
    return str(path)


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


def build_request(
    project_dir: Path,
    env: str,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None,
    root: Path | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The worker's request and the environment variables that carry the config (ConfigError on bad files)."""
    settings = load_project_file(project_dir)
    project = settings["name"]
    config = load_config(project_dir, settings, env)
    values, secret_keys, placeholders = config_values(config)
    program, program_dir = _program(project_dir, settings, project_dir / "Pulumi.yaml")
    request = {
        "project": project,
        "path": _relative(project_dir, root),
        "env": env,
        "root": str(root or project_dir.resolve()),
        "cwd": str(project_dir.resolve()),
        "program": str(program.resolve()),
        "program_dir": str(program_dir.resolve()),
        "region": values.get("aws:region") or "us-east-1",
        "configured_region": values.get("aws:region"),
        "placeholders": placeholders,
        "stack_outputs": {k: dict(v) for k, v in (stack_outputs or {}).items()},
        "library_paths": library_paths(project_dir, root),
    }
    environ = {
        "PULUMI_CONFIG": json.dumps(values),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(secret_keys),
    }
    return request, environ


def bytecode_cache_env() -> dict[str, str]:
    """Environment for the worker: a fixed hash seed and a bytecode cache outside the repository.

    Importing pulumi_aws from source costs seconds per evaluation, so bytecode is cached under
    $XDG_CACHE_HOME/gitops-iac/pycache even when PYTHONDONTWRITEBYTECODE is set (it is usually set
    to keep trees clean; the prefix keeps them clean too). GITOPS_EVAL_PYCACHE=0 turns this off.
    """
    env = {"PYTHONHASHSEED": "0"}
    if os.environ.get("GITOPS_EVAL_PYCACHE", "1") == "0" or os.environ.get("PYTHONPYCACHEPREFIX"):
        return env
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    env["PYTHONPYCACHEPREFIX"] = str(cache_home / "gitops-iac" / "pycache")
    env["PYTHONDONTWRITEBYTECODE"] = ""
    return env


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def evaluate_project(
    project_dir: Path,
    env: str,
    *,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    timeout: float = 120.0,
    repo_root: Path | None = None,
) -> StackGraph:
    """Run the Pulumi project at `project_dir` for stack `env` under mocks and return its graph.

    Never raises for a broken program or config: the graph carries a one-line `error` instead.
    """
    project_dir = Path(project_dir)
    root = Path(repo_root).resolve() if repo_root is not None else git_toplevel(project_dir)
    fallback = StackGraph(project=project_dir.name, path=_relative(project_dir, root), env=env)
    try:
        request, environ = build_request(project_dir, env, stack_outputs, root)
    except ConfigError as exc:
        return fallback.model_copy(update={"error": str(exc)})
    fallback.project = request["project"]
    with tempfile.TemporaryDirectory(prefix="gitops-eval-") as tmp:
        request_file, out_file, log_file = (Path(tmp) / n for n in ("request.json", "graph.json", "log"))
        request_file.write_text(json.dumps(request))
        env_vars = {**os.environ, **environ, **bytecode_cache_env()}
        with log_file.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", WORKER, str(request_file), str(out_file)],
                cwd=request["cwd"],
                env=env_vars,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(process)
                return fallback.model_copy(
                    update={"error": f"{request['path']}: evaluation timed out after {timeout:g}s"}
                )
        if not out_file.is_file():
            detail = _last_line(log_file.read_text(errors="replace"))
            for placeholder in request["placeholders"]:
                detail = detail.replace(placeholder, "[secret]")
            return fallback.model_copy(
                update={"error": f"evaluation crashed (exit {process.returncode}): {detail}"}
            )
        try:
            graph = StackGraph.model_validate_json(out_file.read_text())
        except ValidationError as exc:
            return fallback.model_copy(
                update={"error": f"invalid evaluation result: {exc.errors()[0]['msg']}"}
            )
    region = request["configured_region"]
    if isinstance(region, str) and region:
        graph.default_provider = {"region": region}
        graph.default_provider_source = config_position(project_dir, env, "aws:region", root)
    return graph


def config_position(project_dir: Path, env: str, key: str, root: Path | None) -> SourcePosition | None:
    """The line that sets config `key`: in Pulumi.<env>.yaml, else in Pulumi.yaml's config defaults."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*:")
    for name in (f"Pulumi.{env}.yaml", "Pulumi.yaml"):
        path = project_dir / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.match(line):
                return SourcePosition(file=_relative(path, root), line=number)
    return None


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
) -> list[StackGraph]:
    """Evaluate projects in dependency order (independent ones concurrently, up to `jobs`).

    Each project sees its dependencies' outputs through its StackReferences; a project whose
    dependency failed is not run and gets an error naming that dependency. Results are in
    topological order.
    """
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
            project.path, env, stack_outputs=upstream(project), timeout=timeout, repo_root=repo_root
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
                    finish(_failed_dependency(project, env, failed[0], repo_root))
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
                except Exception as exc:  # evaluate_project reports program errors itself
                    graph = _failed(project, env, f"evaluation failed: {exc}", repo_root)
                finish(graph)
    return [results[p.name] for p in ordered]


def _failed(project: Project, env: str, error: str, repo_root: Path | None) -> StackGraph:
    root = Path(repo_root).resolve() if repo_root is not None else git_toplevel(project.path)
    return StackGraph(project=project.name, path=_relative(project.path, root), env=env, error=error)


def _failed_dependency(project: Project, env: str, dependency: str, repo_root: Path | None) -> StackGraph:
    return _failed(project, env, f"dependency {dependency} failed to evaluate", repo_root)
