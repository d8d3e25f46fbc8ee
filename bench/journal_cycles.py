"""Agent cycles per journal backend: `gitops agent --once` on SQLite (one agent, the state directory's
file) beside PostgreSQL with three replicas started together on one journal (a throwaway local
cluster, as in the tests). A fleet cycle's time is that of its slowest replica."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bench.generate import commit_stack_change, write_multistack_repo
from bench.measure import Run, run
from bench.scenarios import REPO, Env, Log, agent_events, gitops_bin, stamp


class FleetCycle(BaseModel):
    """One cycle of every replica (started together)."""

    runs: list[Run]
    events: dict[str, int] = Field(default_factory=dict, description="stack.* log events, all replicas")

    @property
    def ok(self) -> bool:
        """Every replica exited 0 or 1 with no traceback."""
        return all(r.ok for r in self.runs)

    @property
    def wall_s(self) -> float:
        """The slowest replica's wall time."""
        return max(r.wall_s for r in self.runs)


class BackendCycles(BaseModel):
    """Warm-up, idle and one-change cycles of one backend."""

    backend: str
    replicas: int
    warmup: FleetCycle | None = None
    idle: list[FleetCycle] = Field(default_factory=list)
    changed: list[FleetCycle] = Field(default_factory=list)
    idle_best_s: float | None = None
    changed_best_s: float | None = None
    error: str | None = None


class JournalResult(BaseModel):
    """Both backends on the same kind of repository."""

    stacks: int
    changed: str
    backends: list[BackendCycles]
    stamp: dict[str, Any] = Field(default_factory=dict)


def _fleet(cmds: list[list[str]], tmp: Path, env: Env, kind: str) -> FleetCycle:
    logs = [tmp / f"{kind}-{i}.log" for i in range(len(cmds))]
    with ThreadPoolExecutor(max_workers=len(cmds)) as pool:
        runs = list(
            pool.map(lambda c: run(c[0], cwd=tmp, env=env, stderr=c[1]), zip(cmds, logs, strict=True))
        )
    events: Counter[str] = Counter()
    for path in logs:
        events.update(agent_events(path))
    return FleetCycle(runs=runs, events=dict(events))


def backend_cycles(
    tmp: Path,
    backend: str,
    url: str | None,
    replicas: int,
    repeats: int,
    env: Env,
    log: Log,
    *,
    stacks: int,
    changed: str,
) -> BackendCycles:
    """Warm-up, `repeats` idle fleet cycles, `repeats` fleet cycles each after a one-stack commit."""
    repo = write_multistack_repo(tmp / f"{backend}-repo", stacks=stacks, policies=REPO / "policies")
    cmds = []
    for i in range(replicas):
        cmd = [gitops_bin(), "agent", "--repo", str(repo.root), "--engine", "plan-only", "--once"]
        cmd += ["--state-dir", str(tmp / f"{backend}-state-{i}")]
        cmds.append(cmd + (["--journal", url] if url else []))
    result = BackendCycles(backend=backend, replicas=replicas)
    log(f"journal {backend}: warm-up sync, {replicas} agent(s)")
    result.warmup = _fleet(cmds, tmp, env, f"{backend}-warmup")
    if not result.warmup.ok:
        return result
    for i in range(repeats):
        log(f"journal {backend}: idle cycle {i + 1}/{repeats}")
        result.idle.append(_fleet(cmds, tmp, env, f"{backend}-idle"))
    for i in range(repeats):
        log(f"journal {backend}: cycle after a commit to {changed}, {i + 1}/{repeats}")
        commit_stack_change(repo, changed, revision=i + 1)
        result.changed.append(_fleet(cmds, tmp, env, f"{backend}-changed"))
    good_idle = [c.wall_s for c in result.idle if c.ok]
    good_changed = [c.wall_s for c in result.changed if c.ok]
    result.idle_best_s = min(good_idle) if good_idle else None
    result.changed_best_s = min(good_changed) if good_changed else None
    return result


def journal_cycles(
    tmp: Path, repeats: int, env: Env, log: Log, *, stacks: int = 20, changed: str = "svc-01"
) -> JournalResult:
    """SQLite with one agent, then PostgreSQL with three replicas (skipped with a reason when no
    PostgreSQL server binaries are installed)."""
    started = stamp()
    common: dict[str, Any] = {"stacks": stacks, "changed": changed}
    backends = [backend_cycles(tmp, "sqlite", None, 1, repeats, env, log, **common)]
    from tests.journal.pg_cluster import PgCluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        backends.append(
            BackendCycles(backend="postgresql", replicas=3, error="no PostgreSQL server binaries")
        )
    else:
        cluster = PgCluster(bindir)
        try:
            cluster.init()
            backends.append(
                backend_cycles(tmp, "postgresql", cluster.database(), 3, repeats, env, log, **common)
            )
        finally:
            cluster.destroy()
    return JournalResult(stacks=stacks, changed=changed, backends=backends, stamp=started)
