"""The gate's real evaluation runs under bubblewrap with only the documented mounts, and
`gitops check` stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compliance.evaluate import evaluate_project
from compliance.evaluation.launcher import BOOTSTRAP

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = REPO / "tests" / "compliance" / "programs"


@pytest.mark.slow
def test_the_evaluation_runs_confined(bubblewrap, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sentinel-never-inside")
    graph = evaluate_project(PROGRAMS / "component", "dev", repo_root=REPO, sandbox="required")
    assert graph.error is None
    assert graph.resources
    assert graph.confinement == "bubblewrap"
    assert "sentinel-never-inside" not in graph.model_dump_json()


def _descendants(pid: int) -> list[str]:
    """Command lines of every process below `pid` (bubblewrap puts the program a few levels down)."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append((int(entry), cmdline))
    found, todo = [], [pid]
    while todo:
        for child, cmdline in parents.get(todo.pop(), []):
            found.append(cmdline)
            todo.append(child)
    return found


@pytest.mark.slow
def test_sigterm_stops_gitops_check_without_a_traceback(tmp_path):
    gitops = Path(sys.executable).with_name("gitops")
    check = subprocess.Popen(
        [str(gitops), "check", str(PROGRAMS / "infinite_loop"), "--format", "json", "--timeout", "8"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(str(BOOTSTRAP) in c for c in _descendants(check.pid)):
            assert check.poll() is None and time.monotonic() < deadline, "the evaluation never started"
            time.sleep(0.1)
        check.send_signal(signal.SIGTERM)
        _, err = check.communicate(timeout=120)
    finally:
        if check.poll() is None:
            check.kill()
            check.wait()
    assert check.returncode == 128 + signal.SIGTERM
    assert "gitops check: stopped by SIGTERM" in err
    assert "Traceback" not in err
