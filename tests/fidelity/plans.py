"""Bridged plan files of fidelity programs, written as the gate writes them (for tests that run
Checkov's plan runner on them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from compliance.bridge import to_terraform_plan
from compliance.evaluate import evaluate_project

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = REPO / "tests" / "fidelity" / "programs"


def plan_files(cases: Sequence[str], out: Path) -> list[str]:
    """Evaluate each fidelity program in `cases` and write its bridged plan to out/<case>/tfplan.json."""
    files = []
    for case in cases:
        graph = evaluate_project(PROGRAMS / case, "dev", repo_root=REPO)
        assert graph.error is None, graph.error
        path = out / case / "tfplan.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(to_terraform_plan(graph).plan))
        files.append(str(path))
    return files
