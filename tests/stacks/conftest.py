"""Evaluate each stack program once per environment (in a subprocess, under Pulumi mocks) and
share the resulting graphs. References chain like a real deploy: database -> serverless -> edge."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
STACKS = REPO / "stacks"
RUNNER = Path(__file__).with_name("run_program.py")


@dataclass
class Graph:
    """The resources a program registered (inputs after the tag transform) and its exports."""

    project: str
    env: str
    resources: list[dict[str, Any]]
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == type_token]

    def one(self, type_token: str, name: str) -> dict[str, Any]:
        matches = [r for r in self.of_type(type_token) if r["name"] == name]
        assert len(matches) == 1, f"expected one {type_token} named {name}, got {len(matches)}"
        return matches[0]["inputs"]

    def types(self) -> set[str]:
        return {r["type"] for r in self.resources}


def evaluate(project_dir: Path, env: str, references: dict[str, Any], tmp: Path) -> Graph:
    """Run `project_dir`'s program for `env` in a fresh interpreter; fail with its stderr."""
    refs, out = tmp / f"{project_dir.name}-{env}-refs.json", tmp / f"{project_dir.name}-{env}.json"
    refs.write_text(json.dumps(references))
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(project_dir), env, str(refs), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"{project_dir.name}/{env} failed:\n{proc.stderr[-4000:]}")
    return Graph(**json.loads(out.read_text()))


@pytest.fixture(scope="session")
def stack_graph(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Graph]:
    """`stack_graph(project, env)`: the evaluated graph, computed once per session."""
    tmp = tmp_path_factory.mktemp("graphs")
    cache: dict[tuple[str, str], Graph] = {}
    # The program reads the referenced stack's name from its config (e.g. serverless:databaseStack);
    # a name other than organization/<parent>/<env> finds no outputs and fails the evaluation.
    upstream = {"serverless": "database", "edge": "serverless"}

    def get(project: str, env: str) -> Graph:
        if (project, env) not in cache:
            references: dict[str, Any] = {}
            if project in upstream:
                parent = upstream[project]
                references[f"organization/{parent}/{env}"] = get(parent, env).outputs
            cache[project, env] = evaluate(STACKS / project, env, references, tmp)
        return cache[project, env]

    return get
