"""Start and stop the processes that run programs: a confined command, and its whole tree (interface)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import IO

from compliance.sandbox import Confined


def spawn(
    confined: Confined, *, cwd: Path, stdout: IO[bytes] | int | None, stderr: IO[bytes] | int | None
) -> subprocess.Popen[bytes]:
    """Start `confined` in its own session (so its whole process group can be killed)."""
    return subprocess.Popen(
        confined.argv,
        cwd=cwd,
        env=confined.env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill the process and everything it started, then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
