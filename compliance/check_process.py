"""Where the check phase runs: a process forked before the programs start, or this one.

While programs evaluate, the gate answers their calls on its monitor and, to have Checkov ready
when they end, imports Checkov and loads its registries (seconds of CPU). In one process both
share one interpreter lock, so every answer to a program waits behind the import, and the
program idles. `start` forks a check process instead: it imports Checkov on its own, then runs
each job it is sent (`Checker.run`), and the gate's own process does nothing but answer programs.

The forked child inherits the gate's memory at the fork: it is started before any program,
monitor or thread of the evaluation exists. It exits when the gate closes it, when the gate's
end of the pipe closes, or with the thread that forked it (PR_SET_PDEATHSIG). Without `os.fork`
(or with Checkov already imported: a long-running agent after its first cycle) the jobs run in
this process, after warming in a thread as before.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, Protocol, TypeVar

from compliance.gc_pause import gc_paused
from compliance.processes import die_with_parent

__all__ = ["CheckProcessDied", "Checker", "Idle", "checker", "start"]

T = TypeVar("T")


class CheckProcessDied(RuntimeError):
    """The forked check process ended without answering (killed, or crashed in C code)."""


class Checker(Protocol):
    """Runs check-phase jobs: `fn(*args)` with Checkov warm; the job's exception re-raised."""

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the check process (module-level `fn`; picklable arguments and result)."""
        ...

    def close(self) -> None:
        """Let the check process end (waits for it); jobs can no longer run."""
        ...

    def kill(self) -> None:
        """End the check process without waiting for a running job."""
        ...


Idle = Callable[[], Iterable[None]]
"""Work worth doing before the first job, in small steps: abandoned as soon as a job is waiting."""


def _no_idle_work() -> Iterable[None]:
    return ()


class InProcessChecker:
    """Jobs run here; `warm` runs in a thread meanwhile and every job waits for it first."""

    def __init__(self, warm: Callable[[], None], idle: Idle = _no_idle_work) -> None:
        self._job_waiting = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gate-warmup")
        self._warm: Future[None] = self._pool.submit(self._prepare, warm, idle)

    def _prepare(self, warm: Callable[[], None], idle: Idle) -> None:
        warm()
        _idle_until(idle, self._job_waiting.is_set)

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        self._job_waiting.set()
        self._warm.result()
        return fn(*args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def kill(self) -> None:
        self._pool.shutdown(wait=False)


class ForkedChecker:
    """Jobs run in a child forked now, which runs `warm` first and then serves jobs one by one."""

    def __init__(self, warm: Callable[[], None], idle: Idle = _no_idle_work) -> None:
        self._conn, child_end = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(child_end, self._conn, warm, idle), name="gitops-checks", daemon=True
        )
        self._process.start()
        child_end.close()

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            self._conn.send((fn, args))
            ok, value = self._conn.recv()
        except (EOFError, OSError):
            self._process.join(timeout=5)
            raise CheckProcessDied(f"the check process died ({_ended(self._process.exitcode)})") from None
        if not ok:
            raise value
        result: T = value
        return result

    def close(self) -> None:
        self._conn.close()  # the child reads EOF and exits
        self._process.join(timeout=30)
        if self._process.is_alive():
            self.kill()

    def kill(self) -> None:
        """End the check process now (the gate is stopping: a job may still be running)."""
        self._process.kill()  # before closing the pipe, on which the child would exit by itself
        self._process.join()
        self._conn.close()


def _idle_until(idle: Idle, job_waiting: Callable[[], bool]) -> None:
    """Run `idle`'s steps until they end or a job is waiting; a failing step only ends them (idle
    work is optional: the job itself meets whatever went wrong)."""
    with contextlib.suppress(Exception):
        for _ in idle():
            if job_waiting():
                return


def _ended(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    return f"signal {-exitcode}" if exitcode < 0 else f"exit {exitcode}"


def _serve(conn: Connection, gate_end: Connection, warm: Callable[[], None], idle: Idle) -> None:
    """The check process: warm, idle work until a job waits, then answer (ok, result | exception)
    for each job until EOF."""
    gate_end.close()  # the fork copied the gate's end too: with it open here, EOF would never come
    for signum in (signal.SIGTERM, signal.SIGINT):  # not the gate's handlers, which kill programs
        signal.signal(signum, signal.SIG_DFL)
    die_with_parent()  # and with the gate's thread that forked it
    # What warming loads (Checkov's modules and registries, hundreds of thousands of objects) lives
    # as long as this process: loaded with the collector off, then put out of its sight, so no
    # collection walks it (the first ones after the import would, for a few tenths of a second of
    # CPU taken from the programs evaluating meanwhile), and the collections that unpickling a
    # job's graphs triggers stay short.
    gc.disable()
    warm()
    gc.freeze()
    gc.enable()
    _idle_until(idle, conn.poll)  # a job (or EOF) waiting goes first
    gc.freeze()
    while True:
        try:
            with gc_paused():
                fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            with gc_paused():
                answer: tuple[bool, Any] = (True, fn(*args))
        except BaseException as exc:  # every failure goes back to the gate, which re-raises it
            answer = (False, exc)
        try:
            conn.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # an unpicklable result
            failure = answer[1] if not answer[0] else exc
            conn.send((False, RuntimeError(f"{type(failure).__name__}: {failure}")))


def start(warm: Callable[[], None], *, idle: Idle = _no_idle_work, fork: bool | None = None) -> Checker:
    """A Checker for one run: `warm` first, then `idle`'s steps until the first job arrives.
    `fork` None: fork where possible and Checkov is not imported yet."""
    if fork is None:
        fork = hasattr(os, "fork") and "checkov.terraform" not in sys.modules
        fork = fork and threading.current_thread() is threading.main_thread()
    return ForkedChecker(warm, idle) if fork else InProcessChecker(warm, idle)


@contextlib.contextmanager
def checker(
    warm: Callable[[], None], *, idle: Idle = _no_idle_work, fork: bool | None = None
) -> Iterator[Checker]:
    """`start`, closed at the end of the block."""
    started = start(warm, idle=idle, fork=fork)
    try:
        yield started
    except BaseException:
        started.kill()
        raise
    started.close()
