"""Run a test program confined, the way the gate starts an evaluation: confine() then spawn()."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance import processes
from compliance.sandbox import (
    BubblewrapProbe,
    Confined,
    SandboxMode,
    allowed_environment,
    confine,
    interpreter_paths,
    probe_bubblewrap,
)

PROGRAMS = Path(__file__).parent / "programs"


@dataclass
class Run:
    confined: Confined
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout.strip().splitlines()[-1])


def confined_command(
    program: str,
    args: Sequence[str],
    *,
    mode: SandboxMode,
    writable: Path,
    read_only: Sequence[Path] = (),
    environ: Mapping[str, str] | None = None,
    python: str = sys.executable,
    probe: BubblewrapProbe | None = None,
    cwd: Path | None = None,
) -> Confined:
    env = allowed_environment(environ or {}, {"PYTHONDONTWRITEBYTECODE": "1"}, home=writable)
    return confine(
        [python, str(PROGRAMS / program), *args],
        mode=mode,
        read_only=[PROGRAMS, *read_only, *interpreter_paths(python)],
        writable=[writable],
        env=env,
        cwd=cwd,
        probe=(lambda: probe) if probe is not None else probe_bubblewrap,
    )


def run_confined(
    program: str,
    args: Sequence[str],
    *,
    writable: Path,
    cwd: Path | None = None,
    timeout: float = 60,
    **kw: Any,
) -> Run:
    """Start, wait (killing the tree on timeout), always end with kill_tree; the program's output."""
    confined = confined_command(program, args, writable=writable, cwd=cwd, **kw)
    out, err = writable / "stdout", writable / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = processes.spawn(confined, cwd=cwd or writable, stdout=stdout, stderr=stderr)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        finally:
            processes.kill_tree(process)
    return Run(confined, process.returncode, out.read_text(), err.read_text())


def wait_for(path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never appeared")
        time.sleep(0.05)


def assert_no_survivor(heartbeat: Path) -> None:
    """Nothing keeps appending to `heartbeat`: the daemon that wrote it is dead."""
    time.sleep(0.5)
    before = heartbeat.stat().st_size if heartbeat.exists() else 0
    time.sleep(1.0)
    after = heartbeat.stat().st_size if heartbeat.exists() else 0
    assert after == before, "a process of the run is still writing after it ended"


def assert_run_leaves_no_survivor(confined: Confined, scratch: Path) -> None:
    """Run `confined` (a program that starts a heartbeat writer) to its end; nothing of it survives."""
    process = processes.spawn(confined, cwd=scratch, stdout=None, stderr=None)
    try:
        process.wait(timeout=30)
        wait_for(scratch / "heartbeat")
    finally:
        processes.kill_tree(process)
    assert_no_survivor(scratch / "heartbeat")


def assert_reaches_socket(confined: Confined, path: Path, scratch: Path) -> None:
    """`confined` (unix_client.py) connects to a unix socket the test listens on at `path`, created
    after confine() and handed over with grant(), and says hello."""
    import socket

    from compliance.sandbox import grant

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        grant(confined, path)
        server.listen()
        server.settimeout(30)
        process = processes.spawn(confined, cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            conn, _ = server.accept()
            with conn:
                assert conn.recv(100) == b"hello from the sandbox\n"
            process.wait(timeout=30)
        finally:
            processes.kill_tree(process)
    assert process.returncode == 0
