"""Start and stop the processes that run programs: a confined command, and its whole tree.

Every process started by `spawn` gets its own session (its own process group), is killed when the
thread that started it dies (PR_SET_PDEATHSIG; bubblewrap's --die-with-parent when confined by it)
and is recorded until `kill_tree` reaps it, so `kill_all` — called on SIGTERM/SIGINT through
`stop_on_signals` — can kill every live evaluation at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import IO

from compliance.sandbox import RUN_MARKER, Confined

__all__ = ["Stopped", "die_with_parent", "kill_all", "kill_tree", "live", "spawn", "stop_on_signals"]

_PR_SET_PDEATHSIG = 1


class Stopped(BaseException):  # a control-flow signal like KeyboardInterrupt, not an error
    """Raised in the main thread when a signal stopped the run (after every live tree was killed)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.status = 128 + signum
        super().__init__(f"stopped by {self.name}")


_lock = threading.RLock()
_live: dict[int, tuple[subprocess.Popen[bytes], Confined]] = {}
_stopped: list[int] = []  # the signal that stopped this process, once one did


@functools.cache
def _setpriv() -> str | None:
    """util-linux's setpriv, if it has --pdeathsig (2.33 and later)."""
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin")
    if setpriv is None:
        return None
    try:
        usage = subprocess.run([setpriv, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return setpriv if "--pdeathsig" in usage else None


@functools.cache
def _prctl() -> Callable[..., int]:
    prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    return prctl


def die_with_parent() -> None:
    """In a forked child: SIGKILL it when the thread that forked it dies (Linux; elsewhere a no-op).

    Also the preexec_fn of `spawn` when setpriv is missing.
    """
    if sys.platform == "linux":
        _prctl()(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _command(confined: Confined) -> tuple[list[str], Callable[[], None] | None]:
    """argv plus the preexec function that make the program die with its parent."""
    if confined.confinement == "bubblewrap":
        return confined.argv, None  # --die-with-parent, and its PID namespace takes every child along
    setpriv = _setpriv()
    if setpriv is None:
        _prctl()  # resolved here, not in the forked child
        return confined.argv, die_with_parent
    # setpriv runs after the uid change (which would clear the death signal) and execs the program.
    return [setpriv, "--pdeathsig", "KILL", "--no-new-privs", "--", *confined.argv], None


def spawn(
    confined: Confined,
    *,
    cwd: Path,
    stdout: IO[bytes] | int | None,
    stderr: IO[bytes] | int | None,
    stdin: int = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """Start `confined` in its own session, as its dedicated uid if any; always end it with kill_tree.

    Raises Stopped once a signal has stopped this process (no program starts after kill_all).
    """
    argv, preexec = _command(confined)
    user = confined.user
    with _lock:
        if _stopped:
            raise Stopped(_stopped[0])
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=confined.env,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=preexec,
            user=user,
            group=user,
            extra_groups=[] if user is not None else None,
        )
        _live[process.pid] = (process, confined)
    return process


def _kill(process: subprocess.Popen[bytes], confined: Confined | None) -> None:
    """SIGKILL the process group, every process of a dedicated uid and every process carrying the
    run's marker in its environment (daemons that left the group). No wait."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if confined is not None and confined.user is not None:
        _kill_user(confined.user)
    if confined is not None and confined.run_id is not None:
        _kill_marked(f"{RUN_MARKER}={confined.run_id}".encode())


def _kill_marked(marker: bytes) -> None:
    """Kill every process (that we may signal) started with `marker` in its environment."""
    me = os.getpid()
    for _ in range(100):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == me:
                continue
            try:
                environ = Path("/proc", entry, "environ").read_bytes()
            except OSError:  # gone, or not ours to read
                continue
            if marker in environ.split(b"\0"):
                found = True
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(entry), signal.SIGKILL)
        if not found:
            return


def _kill_user(user: int) -> None:
    """Kill every process running as `user` (a dedicated uid: nothing else runs as it)."""
    kill = shutil.which("kill", path="/usr/bin:/bin")
    if kill is not None:  # kill(-1) as that uid: atomic, so a forking program cannot slip through
        subprocess.run(
            [kill, "-KILL", "-1"],
            user=user,
            group=user,
            extra_groups=[],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    for _ in range(100):  # and whatever is left, from /proc
        pids = _pids_of(user)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _pids_of(user: int) -> list[int]:
    pids: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path("/proc", entry, "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:"):
                if int(line.split()[1]) == user and "State:\tZ" not in status:
                    pids.append(int(entry))
                break
    return pids


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill the process and everything it started, then reap it. Safe after it exited on its own."""
    with _lock:
        entry = _live.pop(process.pid, None)
    _kill(process, entry[1] if entry else None)
    process.wait()


def live() -> list[subprocess.Popen[bytes]]:
    """The processes started by spawn and not yet ended by kill_tree."""
    with _lock:
        return [process for process, _ in _live.values()]


def kill_all(signum: int = signal.SIGTERM) -> None:
    """Kill every live process tree and refuse new ones (spawn raises Stopped from now on)."""
    with _lock:
        if not _stopped:
            _stopped.append(signum)
        entries = list(_live.values())
    for process, confined in entries:
        _kill(process, confined)


def _reset() -> None:
    """Accept new processes again (tests only: a stopped CLI exits)."""
    with _lock:
        _stopped.clear()


@contextlib.contextmanager
def stop_on_signals(signums: Sequence[int] = (signal.SIGTERM, signal.SIGINT)) -> Iterator[None]:
    """While active: SIGTERM/SIGINT kill every live tree and raise Stopped in the main thread.

    Does nothing outside the main thread (Python delivers signals only there).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        del frame
        kill_all(signum)
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, handler) for signum in signums}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
