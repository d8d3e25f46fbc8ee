"""Profile the gate on one generated program: cProfile of `gitops check` (its resource monitor included),
and `-X importtime` of the command. Text reports go to bench/out/profile-*.txt.
"""

from __future__ import annotations

import io
import json
import pstats
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.measure import run
from bench.scenarios import REPO, Env, Log, prepare, stamp

OUT = Path(__file__).resolve().parent / "out"
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def top_functions(
    prof_file: Path, limit: int = 20, sort: str = "cumulative"
) -> tuple[str, list[dict[str, Any]]]:
    """pstats text of the top `limit` functions, and the same as data (function, calls, tottime, cumtime)."""
    buf = io.StringIO()
    stats = pstats.Stats(str(prof_file), stream=buf)
    stats.sort_stats(sort).print_stats(limit)
    rows: list[dict[str, Any]] = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    key = {"cumulative": 3, "tottime": 2}[sort]
    for func, (_cc, nc, tt, ct, _callers) in sorted(raw.items(), key=lambda kv: -kv[1][key])[:limit]:
        rows.append(
            {
                "function": f"{Path(func[0]).name}:{func[1]}({func[2]})",
                "calls": nc,
                "tottime": round(tt, 3),
                "cumtime": round(ct, 3),
            }
        )
    return buf.getvalue(), rows


def import_times(stderr_text: str, limit: int = 15) -> list[dict[str, Any]]:
    """Top-level packages by cumulative import time (ms) from `python -X importtime` output."""
    tops: dict[str, int] = {}
    for match in IMPORT_LINE.finditer(stderr_text):
        _self_us, cumulative_us, indent, name = match.groups()
        if len(indent) <= 1:
            root = name.split(".")[0]
            tops[root] = tops.get(root, 0) + int(cumulative_us)
    ranked = sorted(tops.items(), key=lambda kv: -kv[1])[:limit]
    return [{"package": k, "ms": round(v / 1000)} for k, v in ranked]


def profile_gate(tmp: Path, resources: int, env: Env, log: Log) -> dict[str, Any]:
    """Profile `gitops check` (parent process) and the evaluation worker at `resources` resources."""
    OUT.mkdir(parents=True, exist_ok=True)
    if not (tmp / f"ws-{resources}").is_dir():
        prepare(tmp, resources)
    root = tmp / f"ws-{resources}"
    program = root / "stacks" / f"bench-{resources}"
    started = stamp()
    parent_prof = tmp / "parent.prof"
    log(f"profile: gitops check under cProfile, {resources} resources")
    parent = run(
        [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(parent_prof),
            "-m",
            "gitops_agent.cli",
            "check",
            str(program.relative_to(root)),
            "--format",
            "json",
            "--out",
            str(tmp / "prof-report.json"),
            "--timeout",
            "900",
        ],
        cwd=root,
        env=env,
    )
    log("profile: -X importtime")
    modules = "compliance.gate, compliance.scan, compliance.bridge, compliance.evaluate, compliance.report"

    def importtime(imports: str) -> str:
        command = [sys.executable, "-X", "importtime", "-c", f"import {imports}"]
        return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False).stderr

    parent_imports = importtime(modules)
    worker_imports = importtime("pulumi, pulumi_aws")
    phase_runs: dict[str, Any] = {}
    for label, extra in (("sequential", []), ("checkov warmed during evaluation", ["--overlap"])):
        log(f"profile: pipeline phases, {label}")
        done = subprocess.run(
            [sys.executable, "-m", "bench.phases", str(root), str(program), *extra],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = done.stdout.strip().splitlines()
        phase_runs[label] = (
            json.loads(lines[-1]) if done.returncode == 0 and lines else {"error": done.stderr[-500:]}
        )
    result: dict[str, Any] = {
        "phases_s": phase_runs,
        "resources": resources,
        "stamp": started,
        "parent_run": parent.model_dump(),
        "imports_parent_ms": import_times(parent_imports),
        "imports_worker_ms": import_times(worker_imports),
    }
    text = []
    for name, prof in (("gitops check (parent, with the resource monitor)", parent_prof),):
        if not prof.is_file():
            continue
        cum_text, cum = top_functions(prof, 30, "cumulative")
        tot_text, tot = top_functions(prof, 30, "tottime")
        result[f"{name} cumulative"] = cum
        result[f"{name} tottime"] = tot
        text += [
            f"===== {name}: by cumulative time =====",
            cum_text,
            f"===== {name}: by own time =====",
            tot_text,
        ]
    (OUT / f"profile-gate-{resources}.txt").write_text("\n".join(text))
    return result
