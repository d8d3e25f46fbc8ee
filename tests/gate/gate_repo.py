"""A throwaway Git repository with small Pulumi projects and a minimal policies/ directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import git

ROOT = Path(__file__).resolve().parents[2]
GITOPS = [sys.executable, "-m", "gitops_agent.cli"]

QUEUE_PROGRAM = """\
import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
encrypted = cfg.get_bool("encrypted") or False
queue = aws.sqs.Queue(
    "orders",
    kms_master_key_id="alias/orders" if encrypted else None,
    sqs_managed_sse_enabled=False,
)
pulumi.export("queue_arn", queue.arn)
"""

# Only the SQS encryption check is mandatory, so exit codes depend on one known thing.
ENFORCEMENT = """\
default: disabled
checks:
  CKV_AWS_27: mandatory
  CKV_AWS_26: advisory
"""


def write_project(root: Path, name: str, program: str, config: dict[str, object] | None = None) -> Path:
    """A Pulumi Python project `name` under root/stacks with a Pulumi.dev.yaml."""
    path = root / "stacks" / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (path / "__main__.py").write_text(textwrap.dedent(program))
    cfg = {"aws:region": "eu-west-1", **{f"{name}:{k}": v for k, v in (config or {}).items()}}
    (path / "Pulumi.dev.yaml").write_text(json.dumps({"config": cfg}, indent=2))
    return path


class GateRepo:
    """A git repository on disk with helpers to write, commit and run `gitops check` in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = git.Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as cw:
            cw.set_value("user", "name", "Test")
            cw.set_value("user", "email", "test@example.com")
        policies = root / "policies"
        policies.mkdir()
        (policies / "enforcement.yaml").write_text(ENFORCEMENT)
        (policies / "waivers.yaml").write_text("waivers: []\n")

    def write(self, relpath: str, text: str) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def commit(self, message: str) -> str:
        self.repo.git.add(A=True)
        self.repo.index.commit(message)
        return self.repo.head.commit.hexsha

    def check(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            [*GITOPS, "check", *args], cwd=self.root, capture_output=True, text=True, env=env, timeout=600
        )

    def check_json(self, *args: str) -> tuple[int, dict[str, object]]:
        out = self.root / "report.json"
        proc = self.check(*args, "--format", "json", "--out", str(out))
        assert out.exists(), proc.stderr
        return proc.returncode, json.loads(out.read_text())
