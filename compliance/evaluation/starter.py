"""Start a program's interpreter, confined, before the gate says which program it runs.

`start_program` is the one way a program process starts: its interpreter runs the bootstrap
(compliance/evaluation/bootstrap.py) wrapped by compliance.sandbox.confine, in a private temporary
directory of the gate (`home/`: its HOME and TMPDIR, its only writable place; `monitor/`: where
the gate's monitor will listen; `log`: its output). The bootstrap imports its Pulumi SDK at once
and then waits for the request, which `ProgramProcess.send` writes to its stdin.

`early_start` uses that to gain time in `gitops check`: where bubblewrap confines programs, it
starts one process with the gate's own interpreter before the gate has even imported its models,
and the first program that fits it (same interpreter and sandbox mode, everything it must read
inside the repository) takes it in `compliance.evaluation.launcher.evaluate_project`. No code of a
program runs before its request is sent, which happens exactly when a freshly started process
would have started. A process that no program took is killed when the command ends.

This module imports only the standard library and the sandbox (no pydantic): it runs first.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from compliance.processes import kill_tree, spawn
from compliance.sandbox import (
    Confined,
    Probe,
    SandboxMode,
    allowed_environment,
    confine,
    interpreter_paths,
    others_can_read,
    probe_bubblewrap,
)

__all__ = [
    "BOOTSTRAP",
    "EarlyStart",
    "ProgramProcess",
    "StartFailed",
    "early_start",
    "program_environment",
    "start_program",
]

BOOTSTRAP = Path(__file__).resolve().parent / "bootstrap.py"


class StartFailed(Exception):
    """The program's process could not be confined or started; the message says which and why."""


def program_environment(interpreter: Path, home: Path) -> dict[str, str]:
    """The whole environment a program starts with: the sandbox's allow-list plus the evaluation's
    own (its config arrives later, with the request)."""
    return allowed_environment(
        os.environ,
        {
            "PATH": os.pathsep.join([str(interpreter.parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "GRPC_VERBOSITY": "ERROR",
        },
        home=home,
    )


@dataclass
class ProgramProcess:
    """A started bootstrap waiting for its request, and the private directory it lives in."""

    process: subprocess.Popen[bytes]
    confined: Confined
    interpreter: Path
    mode: SandboxMode
    read_only: tuple[Path, ...]
    tmp: Path
    log: IO[bytes] = field(repr=False)
    sent: bool = False

    @property
    def socket_dir(self) -> Path:
        """Where the gate's monitor listens (readable, not writable, by the program)."""
        return self.tmp / "monitor"

    @property
    def log_path(self) -> Path:
        """The program's stdout and stderr."""
        return self.tmp / "log"

    def send(self, request: Mapping[str, Any]) -> None:
        """Hand the program its request (one line of JSON); the bootstrap then runs it."""
        stdin = self.process.stdin
        assert stdin is not None, "started by start_program: stdin is a pipe"
        try:
            stdin.write(json.dumps(request).encode() + b"\n")
            stdin.close()
        except OSError:
            pass  # it died already: its exit status and log tell why
        self.sent = True

    def covers(self, interpreter: Path, mode: SandboxMode, read_only: Sequence[Path]) -> bool:
        """Whether this process can run a program that needs `interpreter`, `mode` and `read_only`
        exactly as a process started for it would."""
        if self.sent or self.process.poll() is not None:
            return False
        if interpreter != self.interpreter or mode != self.mode:
            return False
        inside = all(any(Path(p).is_relative_to(r) for r in self.read_only) for p in read_only)
        # As root without bubblewrap the program runs as a dedicated uid only when it can read
        # everything it needs; a process started for this program would have checked its paths.
        return inside and (self.confined.user is None or all(others_can_read(Path(p)) for p in read_only))

    def close(self) -> None:
        """Kill it (and anything it started) and remove its private directory."""
        try:
            kill_tree(self.process)
        finally:
            if self.process.stdin is not None:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()
            self.log.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


def _private_directory() -> Path:
    # A unix socket path must stay under ~100 bytes: avoid a long $TMPDIR.
    short = "/tmp" if len(tempfile.gettempdir()) > 60 and os.path.isdir("/tmp") else None
    tmp = Path(tempfile.mkdtemp(prefix="gitops-eval-", dir=short)).resolve()
    tmp.chmod(0o711)  # a dedicated uid (process confinement as root) reaches home/ and monitor/
    (tmp / "home").mkdir(mode=0o700)
    (tmp / "monitor").mkdir(mode=0o755)
    return tmp


def start_program(
    interpreter: Path, *, read_only: Sequence[Path], mode: SandboxMode, cwd: Path
) -> ProgramProcess:
    """Start the bootstrap under `interpreter`, confined to reading `read_only` (plus its interpreter
    and the bootstrap), in a new private directory. Raises StartFailed, or SandboxUnavailable for
    `mode="required"` where bubblewrap cannot run; nothing is left behind then."""
    tmp = _private_directory()
    try:
        home = tmp / "home"
        try:
            readable = [*read_only, BOOTSTRAP.parent, *interpreter_paths(interpreter)]
            paths = tuple(dict.fromkeys(Path(p).resolve() for p in readable))
            confined = confine(
                [str(interpreter), "-s", "-B", str(BOOTSTRAP)],
                mode=mode,
                read_only=[*paths, tmp / "monitor"],
                writable=[home],
                env=program_environment(interpreter, home),
                cwd=cwd,
            )
        except (OSError, ValueError) as exc:
            raise StartFailed(f"cannot confine the program: {exc}") from exc
        log = (tmp / "log").open("wb")
        try:
            process = spawn(confined, cwd=cwd, stdin=subprocess.PIPE, stdout=log, stderr=log)
        except OSError as exc:  # the interpreter is gone or not executable
            log.close()
            raise StartFailed(f"cannot start {interpreter}: {exc.strerror or exc}") from exc
        except BaseException:
            log.close()
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ProgramProcess(process, confined, interpreter, mode, paths, tmp, log)


class EarlyStart:
    """At most one process started ahead of time; `take` hands it to the first program it fits."""

    def __init__(self, started: ProgramProcess | None = None) -> None:
        self._started = started
        self._lock = threading.Lock()

    @property
    def waiting(self) -> ProgramProcess | None:
        """The process still waiting for a program, if any."""
        return self._started

    def take(self, interpreter: Path, mode: SandboxMode, read_only: Sequence[Path]) -> ProgramProcess | None:
        """The waiting process if it fits the program (it is then the caller's to close), else None."""
        with self._lock:
            started = self._started
            if started is None or not started.covers(interpreter, mode, read_only):
                return None
            self._started = None
            return started

    def close(self) -> None:
        """Kill the process no program took."""
        with self._lock:
            started, self._started = self._started, None
        if started is not None:
            started.close()


@contextlib.contextmanager
def early_start(
    root: Path | None, mode: SandboxMode, probe: Probe = probe_bubblewrap
) -> Iterator[EarlyStart]:
    """A process started now with the gate's interpreter, able to run any program under `root`.

    Only under bubblewrap: this process exists before the policies are frozen, and only there can
    nothing it might run before its request (nothing but the SDK's own imports, unless the gate's
    interpreter finds modules in the repository) write outside its home. Empty otherwise, or when
    it cannot start: programs then start the usual way (and meet the error there).
    """
    started = None
    if root is not None and mode != "off" and probe().path is not None:
        with contextlib.suppress(Exception):
            started = start_program(Path(sys.executable), read_only=[root], mode=mode, cwd=root)
    early = EarlyStart(started)
    try:
        yield early
    finally:
        early.close()
