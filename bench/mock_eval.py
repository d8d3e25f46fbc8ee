"""Run a Pulumi program under the SDK mock runtime with the thinnest possible mocks; print type counts.

`python -m bench.mock_eval <project dir>` prints {"resources": n, "types": {...}} as JSON. It is the
floor under the gate's evaluation step (no graph capture, no subprocess protocol) and lets the smoke
test prove that generated programs are valid Pulumi code.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await


class CountingMocks(pulumi.runtime.Mocks):
    """Echo inputs back as outputs (plus an arn), give StackReferences a keyArn, count types."""

    def __init__(self) -> None:
        self.types: Counter[str] = Counter()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        """Record one resource registration."""
        self.types[args.typ] += 1
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {"name": args.name, "outputs": {"keyArn": f"arn:aws:kms:::{args.name}"}}
        return f"{args.name}-id", {**args.inputs, "arn": f"arn:aws:mock:::{args.name}"}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        """No provider functions are used by the generated programs."""
        return {}, None


def evaluate(project_dir: Path, env: str = "dev") -> dict[str, Any]:
    """Run `project_dir/__main__.py` under mocks with its stack config; returns resource counts."""
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
    stack_file = project_dir / f"Pulumi.{env}.yaml"
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config", {}) if stack_file.exists() else {}
    os.environ["PULUMI_CONFIG"] = json.dumps({k: str(v) for k, v in config.items()})
    mocks = CountingMocks()
    pulumi.runtime.set_mocks(mocks, project=project, stack=env, preview=False)
    cwd = Path.cwd()
    os.chdir(project_dir)
    try:
        runpy.run_path("__main__.py", run_name="__main__")
        _sync_await(wait_for_rpcs())
    finally:
        os.chdir(cwd)
    return {"project": project, "resources": sum(mocks.types.values()), "types": dict(mocks.types)}


if __name__ == "__main__":
    print(json.dumps(evaluate(Path(sys.argv[1]))))
