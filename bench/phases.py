"""Time each step of the gate pipeline in one process, without profiler overhead.

`python -m bench.phases <repo root> <project dir> [--overlap]` prints JSON seconds per phase. Bridge
and scan run twice: the first call pays the lazy imports (pulumi_aws args classes, Checkov), the
second is the work itself, so the difference is what the imports cost.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any


def warm_checkov() -> None:
    """Part of what run_check does while programs evaluate: import Checkov, load its registries."""
    from compliance.mapping import known_tf_types

    known_tf_types()
    from checkov.terraform.plan_runner import Runner  # noqa: F401


def phases(repo_root: Path, project_dir: Path, env: str = "dev", *, overlap: bool = False) -> dict[str, Any]:
    """Seconds spent in discovery, evaluation, bridge (first/again), Checkov scan (first/again), policies.

    `overlap`: warm Checkov in a thread during evaluation, as `compliance.gate.run_check` does.
    """
    out: dict[str, Any] = {"overlap": overlap}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        out[name] = round(now - t, 3)
        t = now

    from compliance.bridge import to_terraform_plan
    from compliance.discovery import discover
    from compliance.evaluate import evaluate_many
    from compliance.gate import check_graphs
    from compliance.scan import scan

    lap("import compliance")
    projects = discover([project_dir], env)
    lap("discover")
    warm = threading.Thread(target=warm_checkov) if overlap else None
    if warm:
        warm.start()
    graphs = evaluate_many(projects, env, jobs=2, timeout=900, repo_root=repo_root)
    lap("evaluate (subprocess)")
    if warm:
        warm.join()
        lap("wait for the Checkov warm-up")
    if any(g.error for g in graphs):
        raise SystemExit(f"bench.phases: {graphs[0].project}: {graphs[0].error}")
    plans = [(g, to_terraform_plan(g)) for g in graphs]
    lap("bridge, first call")
    plans = [(g, to_terraform_plan(g)) for g in graphs]
    lap("bridge, again")
    checks = repo_root / "policies" / "checks"
    scan(plans, external_checks_dirs=[checks] if checks.is_dir() else [])
    lap("checkov scan, first call")
    results = scan(plans, external_checks_dirs=[checks] if checks.is_dir() else [])
    lap("checkov scan, again")
    check_graphs(graphs, env, policies_dir=repo_root / "policies", repo_root=repo_root)
    lap("check_graphs (bridge + scan + levels + waivers), again")
    out["resources"] = sum(len(g.resources) for g in graphs)
    out["findings"] = sum(len(v) for v in results.values())
    return out


if __name__ == "__main__":
    overlap = "--overlap" in sys.argv[3:]
    print(json.dumps(phases(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), overlap=overlap)))
