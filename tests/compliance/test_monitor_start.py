"""A program process starts before its request and before the gate's monitor listens: it takes its
request from one line on stdin, then runs until its first monitor call."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from compliance.evaluation.launcher import BOOTSTRAP, Launch
from compliance.evaluation.monitor import MonitorServer, Recorder
from compliance.evaluation.starter import program_environment

PROGRAM = """\
import pathlib

import pulumi
import pulumi_aws as aws

pathlib.Path(pulumi.Config().require("marker")).write_text("ran before the monitor listened")
aws.s3.Bucket("logs", bucket="late-monitor-logs")
"""


def test_program_runs_before_the_monitor_listens_and_its_calls_wait_for_it(tmp_path: Path) -> None:
    project = tmp_path / "late"
    project.mkdir()
    marker = tmp_path / "marker"
    (project / "Pulumi.yaml").write_text("name: late\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text(f"config:\n  late:marker: {marker}\n")
    (project / "__main__.py").write_text(PROGRAM)
    launch = Launch(project, "dev", None, tmp_path, None)
    home, socket_dir = tmp_path / "home", tmp_path / "monitor"
    home.mkdir()
    socket_dir.mkdir()
    request = {**launch.request, "monitor": f"unix:{socket_dir / 'monitor.sock'}"}
    interpreter = Path(sys.executable)
    process = subprocess.Popen(
        [str(interpreter), "-s", "-B", str(BOOTSTRAP)],
        cwd=tmp_path,  # not the project's: the request says where the program runs
        env=program_environment(interpreter, home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdin is not None
    try:
        time.sleep(0.5)
        assert process.poll() is None and not marker.exists()  # waiting for its request
        # One line, and the pipe stays open: the gate's forked children may hold its end.
        process.stdin.write(json.dumps(request).encode() + b"\n")
        process.stdin.flush()
        deadline = time.monotonic() + 60
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.read_text() == "ran before the monitor listened"
        assert process.poll() is None  # still waiting for the monitor, not failed
        recorder = Recorder(launch.program)
        with MonitorServer(recorder, socket_dir):
            process.wait(timeout=60)
    finally:
        process.kill()
        process.stdin.close()
    output = process.stdout.read() if process.stdout else b""
    assert process.returncode == 0, output.decode()
    graph = recorder.graph()
    assert graph["error"] is None
    buckets = [r for r in graph["resources"] if r["type"] == "aws:s3/bucket:Bucket"]
    assert [b["inputs"]["bucket"] for b in buckets] == ["late-monitor-logs"]
