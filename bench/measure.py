"""Run a command and measure it: wall time, CPU time and peak memory of its whole process tree."""

from __future__ import annotations

import math
import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

PAGE = os.sysconf("SC_PAGE_SIZE")


class Run(BaseModel):
    """One execution of a command."""

    wall_s: float
    cpu_s: float = 0.0
    max_rss_mb: float = 0.0
    """Largest single process in the tree (kernel ru_maxrss of the child and its reaped descendants)."""
    tree_rss_mb: float | None = None
    """Peak of the summed PSS of all live processes in the tree, sampled (memory runs only). PSS
    splits shared pages between the processes sharing them, so forked workers are not counted twice."""
    exit_code: int
    stderr_tail: str = ""
    error: str | None = None
    """Set by the scenario when the run gave no usable result (e.g. exit 1 from a crash, no report)."""

    @property
    def ok(self) -> bool:
        """A verdict was produced: exit 0 (clean) or 1 (findings) and no error noted."""
        return self.exit_code in (0, 1) and self.error is None


def bench_env(pycache: Path, *, cached: bool, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for gate and Checkov runs: no Bridgecrew API key, no SCA package scan.

    Bytecode lives in `pycache` (PYTHONPYCACHEPREFIX), never in the shared virtualenv. `cached`: .pyc
    files are written there and reused, like any installed environment after its first run; not
    cached: `pycache` must be an empty directory and nothing is written, so every import compiles
    from source (what happens on this machine by default: PYTHONDONTWRITEBYTECODE=1, no .pyc in
    .venv because `uv sync` does not compile bytecode).
    """
    env = dict(os.environ if base is None else base)
    env.pop("BC_API_KEY", None)
    env["CHECKOV_RUN_SCA_PACKAGE_SCAN_V2"] = "false"
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    if cached:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _children() -> dict[int, list[int]]:
    """ppid -> child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _pss_bytes(pid: int) -> int:
    """Proportional set size of one process (RSS when smaps_rollup is unavailable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except OSError:
        return 0


def tree_rss_bytes(root: int) -> int:
    """Summed proportional resident memory (PSS) of `root` and all its descendants right now."""
    tree = _children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        total += _pss_bytes(pid)
    return total


class TreeSampler:
    """Background thread that records the peak summed RSS of a process tree."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(
    cmd: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    sample_memory: bool = False,
    stdout: Path | None = None,
    stderr: Path | None = None,
    timeout: float = 1800.0,
) -> Run:
    """Run `cmd` to completion; stdout goes to `stdout` (or nowhere), stderr to `stderr` (if given) and
    its last lines into the result."""
    out = stdout.open("wb") if stdout else None
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=out or subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    sampler = TreeSampler(proc.pid) if sample_memory else None
    if sampler:
        sampler.__enter__()
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read() if proc.stderr else b""))
    reader.start()
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
        time.sleep(0.01)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if sampler:
        sampler.__exit__()
    reader.join()
    if out:
        out.close()
    text = b"".join(stderr_chunks).decode(errors="replace")
    if stderr is not None:
        stderr.write_text(text)
    tail = text.strip().splitlines()[-5:]
    return Run(
        wall_s=round(wall, 3),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        max_rss_mb=round(usage.ru_maxrss / 1024, 1),
        tree_rss_mb=round(sampler.peak / 2**20, 1) if sampler else None,
        exit_code=proc.returncode,
        stderr_tail="\n".join(tail),
        error="python traceback" if "Traceback (most recent call last)" in text else None,
    )


def best_of(n: int, once: Callable[[], Run], ok: Callable[[Run], bool] = lambda r: True) -> list[Run]:
    """Run `once` n times, stopping early on a failed run (returned last); callers take the minimum."""
    runs: list[Run] = []
    for _ in range(n):
        runs.append(once())
        if not ok(runs[-1]):
            break
    return runs


def growth_exponent(sizes: Sequence[float], times: Sequence[float]) -> float | None:
    """Least-squares slope of log(time) over log(size): 1.0 is linear growth, 2.0 quadratic."""
    pts = [(math.log(s), math.log(t)) for s, t in zip(sizes, times, strict=True) if s > 0 and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def linear_fit(sizes: Sequence[float], times: Sequence[float]) -> tuple[float, float] | None:
    """Least-squares time = fixed + per_item * size; returns (fixed, per_item)."""
    if len(sizes) < 2:
        return None
    mx, my = sum(sizes) / len(sizes), sum(times) / len(times)
    sxx = sum((x - mx) ** 2 for x in sizes)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(sizes, times, strict=True)) / sxx
    return my - slope * mx, slope
