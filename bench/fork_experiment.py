"""Experiment for compliance/evaluate.py: fork evaluation workers from a preloaded parent.

Today every stack is evaluated by a fresh `python -m compliance._evaluate_worker`, which pays the
import of pulumi and of the pulumi_aws service modules the program touches (about 1.5 s of CPU,
whatever the stack's size). Here one process imports them once and forks a child per stack that runs
the same `compliance._evaluate_worker.main`. Both variants evaluate the same stacks one after the
other; the graphs must be identical (but for this module's own frame), only the cost differs.

`python -m bench.fork_experiment <stacks dir>` prints JSON: seconds (wall, CPU) for each variant,
stacks evaluated, and whether every graph matched.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PRELOAD = ("pulumi", "pulumi.runtime", "pulumi.runtime.mocks", "compliance._evaluate_worker")
AWS_SERVICES = ("s3", "kms", "dynamodb", "iam", "lambda_", "cloudwatch", "sqs", "ec2", "sns")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def requests(project_dirs: Sequence[Path], root: Path, tmp: Path) -> list[tuple[Path, dict[str, str]]]:
    """One worker request file (and its environment) per project, as compliance.evaluate writes them."""
    from compliance.evaluate import build_request

    out = []
    for i, project in enumerate(project_dirs):
        request, environ = build_request(project, "dev", None, root)
        path = tmp / f"request-{i}.json"
        path.write_text(json.dumps(request))
        out.append((path, environ))
    return out


def spawn_each(reqs: Sequence[tuple[Path, dict[str, str]]], tmp: Path) -> tuple[float, float, list[str]]:
    """Today's way: one `python -m compliance._evaluate_worker` per stack."""
    wall, cpu = time.perf_counter(), _children_cpu()
    outs = []
    for i, (req, environ) in enumerate(reqs):
        out = tmp / f"spawn-{i}.json"
        cwd = json.loads(req.read_text())["cwd"]
        env = {**os.environ, **environ, "PYTHONHASHSEED": "0"}
        cmd = [sys.executable, "-m", "compliance._evaluate_worker", str(req), str(out)]
        subprocess.run(
            cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        outs.append(out.read_text())
    return time.perf_counter() - wall, _children_cpu() - cpu, outs


def fork_each(reqs: Sequence[tuple[Path, dict[str, str]]], tmp: Path) -> tuple[float, float, list[str]]:
    """The proposal: import once here, then fork one child per stack running the worker's main()."""
    wall, cpu = time.perf_counter(), _children_cpu() + _self_cpu()
    for name in PRELOAD:
        importlib.import_module(name)
    for service in AWS_SERVICES:  # pulumi_aws's service modules load on first non-dunder attribute access
        getattr(importlib.import_module(f"pulumi_aws.{service}"), "_utilities", None)
    worker = importlib.import_module("compliance._evaluate_worker")
    outs = []
    for i, (req, environ) in enumerate(reqs):
        out = tmp / f"fork-{i}.json"
        pid = os.fork()
        if pid == 0:  # child: same environment changes as compliance.evaluate, then the worker
            code = 1
            try:
                os.environ.update(environ)
                code = worker.main(["worker", str(req), str(out)])
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"forked worker failed for {req}")
        outs.append(out.read_text())
    return time.perf_counter() - wall, _children_cpu() + _self_cpu() - cpu, outs


def without_own_frame(graph_json: str) -> dict[str, Any]:
    """A graph with this module's frame removed from source positions.

    The worker records the outermost frame outside site-packages as a resource's source; in a fork
    from here that is this file, one frame above the program. A real implementation inside
    compliance/ would mark its own frames as not user code.
    """
    graph: dict[str, Any] = json.loads(graph_json)
    for res in graph.get("resources", []):
        source = res.get("source") or {}
        if str(source.get("file", "")).endswith("fork_experiment.py"):
            res["source"], res["source_inner"] = res.get("source_inner"), None
    return graph


def main(stacks_dir: Path) -> dict[str, Any]:
    """Evaluate the stacks with no StackReference both ways; compare graphs and cost."""
    from compliance.discovery import discover

    root = stacks_dir.resolve().parent
    projects = [Path(p.path) for p in discover([stacks_dir], "dev") if not p.depends_on]
    projects = [p if p.is_absolute() else root / p for p in projects]
    with tempfile.TemporaryDirectory(prefix="gitops-fork-") as tmp_name:
        tmp = Path(tmp_name)
        reqs = requests(projects, root, tmp)
        s_wall, s_cpu, s_out = spawn_each(reqs, tmp)
        f_wall, f_cpu, f_out = fork_each(reqs, tmp)
    return {
        "stacks": len(reqs),
        "spawn_wall_s": round(s_wall, 2),
        "spawn_cpu_s": round(s_cpu, 2),
        "fork_wall_s": round(f_wall, 2),
        "fork_cpu_s": round(f_cpu, 2),
        "graphs_identical": [json.loads(x) for x in s_out] == [without_own_frame(y) for y in f_out],
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
