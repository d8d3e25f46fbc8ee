"""The wheel installs into a clean virtualenv, outside this checkout, and gates another repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_agent.cli import version

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"
EXPORT = [
    "export",
    "--frozen",
    "--no-dev",
    "--no-emit-project",
    "--no-hashes",
    "--format",
    "requirements.txt",
    "-q",
]


def _uv(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, UV_OFFLINE="1", UV_PYTHON_DOWNLOADS="never")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([str(UV), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_the_locked_requirements_file_matches_the_lock(tmp_path: Path) -> None:
    """requirements-lock.txt is what `make requirements-lock.txt` writes from uv.lock today."""
    done = _uv(*EXPORT, "-o", str(tmp_path / "req.txt"))
    assert done.returncode == 0, done.stderr
    body = lambda text: [l for l in text.splitlines() if not l.startswith("#")]  # noqa: E731, E741
    assert body((tmp_path / "req.txt").read_text()) == body((ROOT / "requirements-lock.txt").read_text()), (
        "requirements-lock.txt is stale: run `make requirements-lock.txt`"
    )


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_virtualenv_and_checks_another_repository(tmp_path: Path) -> None:
    built = _uv("build", "--wheel", "--out-dir", str(tmp_path / "dist"))
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("gitops_iac-*.whl")
    venv = tmp_path / "venv"
    assert _uv("venv", "-q", "--python", sys.executable, str(venv)).returncode == 0
    python = str(venv / "bin" / "python")
    # From the local package cache only (UV_OFFLINE): the locked set first, then the wheel itself.
    locked = _uv("pip", "install", "-q", "--python", python, "--no-deps", "-r", "requirements-lock.txt")
    assert locked.returncode == 0, locked.stderr
    own = _uv("pip", "install", "-q", "--python", python, "--no-deps", str(wheel))
    assert own.returncode == 0, own.stderr

    gitops = str(venv / "bin" / "gitops")
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    shown = subprocess.run([gitops, "--version"], capture_output=True, text=True, env=clean_env, cwd=tmp_path)
    assert shown.stdout.strip() == f"gitops {version()}", shown.stderr

    repo = tmp_path / "other"
    (repo / "queue").mkdir(parents=True)
    (repo / "queue" / "Pulumi.yaml").write_text("name: queue\nruntime: python\n")
    (repo / "queue" / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (repo / "queue" / "__main__.py").write_text(
        "import pulumi_aws as aws\n\njobs = aws.sqs.Queue('jobs', visibility_timeout_seconds=60)\n"
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    init = subprocess.run(
        [gitops, "init", str(repo)], capture_output=True, text=True, env=clean_env, cwd=repo
    )
    assert init.returncode == 0, init.stderr
    out = tmp_path / "report.json"
    check = subprocess.run(
        [gitops, "check", "queue", "--format", "json", "--out", str(out)],
        capture_output=True,
        text=True,
        env=clean_env,
        cwd=repo,
        timeout=600,
    )
    assert check.returncode == 1, check.stderr  # an unencrypted queue fails Checkov's CKV_AWS_27
    (stack,) = json.loads(out.read_text())["stacks"]
    assert stack["project"] == "queue" and stack["resources"] == 1
    assert "CKV_AWS_27" in {f["check_id"] for f in stack["findings"] if f["result"] == "failed"}
    # The code that ran is the wheel's, not this checkout's.
    where = subprocess.run(
        [python, "-c", "import compliance; print(compliance.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(venv) in where.stdout
