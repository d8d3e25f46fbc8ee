"""The gate's real evaluation worker runs under bubblewrap with only the documented mounts, and
`gitops check` stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compliance import processes
from compliance.evaluate import WORKER, build_request
from compliance.model import StackGraph
from compliance.sandbox import allowed_environment, confine, interpreter_paths

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = REPO / "tests" / "compliance" / "programs"


@pytest.mark.slow
def test_the_evaluation_worker_runs_confined(bubblewrap, scratch):
    project = PROGRAMS / "component"
    request, config_env = build_request(project, "dev", None, REPO)
    (scratch / "request.json").write_text(json.dumps(request))
    env = allowed_environment(
        {**os.environ, "AWS_SECRET_ACCESS_KEY": "sentinel-never-inside"},
        {**config_env, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"},
        home=scratch,
    )
    confined = confine(
        [sys.executable, "-m", WORKER, str(scratch / "request.json"), str(scratch / "graph.json")],
        mode="required",
        read_only=[REPO, *interpreter_paths()],
        writable=[scratch],
        env=env,
        cwd=project,
    )
    with (scratch / "log").open("wb") as log:
        process = processes.spawn(confined, cwd=project, stdout=log, stderr=log)
        try:
            process.wait(timeout=300)
        finally:
            processes.kill_tree(process)
    assert process.returncode == 0, (scratch / "log").read_text()[-2000:]
    graph = StackGraph.model_validate_json((scratch / "graph.json").read_text())
    assert graph.error is None
    assert graph.resources


def _children(pid: int) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(cmdline)
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
        while not any(WORKER in c for c in _children(check.pid)):
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
