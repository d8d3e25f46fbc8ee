"""A throwaway Git repository with Pulumi projects, a shared component package and policies/."""

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

ENFORCEMENT = """\
default: disabled
checks:
  CKV_AWS_27: mandatory
  CKV_AWS_26: advisory
"""


class PreviewRepo:
    """A git repository on disk: write files, commit, run `gitops` in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = git.Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as cw:
            cw.set_value("user", "name", "Test")
            cw.set_value("user", "email", "test@example.com")
        self.write("policies/enforcement.yaml", ENFORCEMENT)
        self.write("policies/waivers.yaml", "waivers: []\n")

    def write(self, relpath: str, text: str) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def project(self, name: str, program: str, config: dict[str, object] | None = None) -> None:
        """stacks/<name>: Pulumi.yaml, __main__.py and Pulumi.dev.yaml."""
        self.write(f"stacks/{name}/Pulumi.yaml", f"name: {name}\nruntime: python\n")
        self.write(f"stacks/{name}/__main__.py", program)
        cfg = {"aws:region": "eu-west-1", **{f"{name}:{k}": v for k, v in (config or {}).items()}}
        self.write(f"stacks/{name}/Pulumi.dev.yaml", json.dumps({"config": cfg}, indent=2))

    def commit(self, message: str) -> str:
        self.repo.git.add(A=True)
        self.repo.index.commit(message)
        return self.repo.head.commit.hexsha

    def gitops(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            [*GITOPS, *args], cwd=self.root, capture_output=True, text=True, env=env, timeout=900
        )

    def preview_json(self, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
        out = self.root.parent / "preview.json"
        proc = self.gitops("preview", *args, "--format", "json", "--out", str(out))
        assert out.exists(), proc.stderr
        return proc, json.loads(out.read_text())
