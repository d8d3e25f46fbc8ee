"""A replica agent for the fleet tests: the real Reconciler and loop on a shared journal, with a fake
evaluation (one resource per stack, from its version.txt), no policies and an engine that records every
apply in a file (one line each, appended atomically). Run as `python -m tests.journal.replica ...`."""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import git

from compliance.model import Report, Resource, StackGraph, StackReport
from gitops_agent.agent import AgentConfig, Reconciler, run
from gitops_agent.engines import ApplyResult, DriftResult


def allow_all_gate(graphs: Sequence[StackGraph], env: str, **_: Any) -> Report:
    """No policies: every evaluated stack passes."""
    return Report(
        stacks=[
            StackReport(project=g.project, path=g.path, env=env, resources=len(g.resources), error=g.error)
            for g in graphs
        ]
    )


def make_fleet_repo(path: Path, stacks: int) -> git.Repo:
    """A repository of `stacks` independent projects s00, s01, ... with one commit on main."""
    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Fleet Test")
        cfg.set_value("user", "email", "fleet@example.com")
    for i in range(stacks):
        d = path / "stacks" / f"s{i:02d}"
        d.mkdir(parents=True)
        (d / "Pulumi.yaml").write_text(f"name: s{i:02d}\nruntime: python\n")
        (d / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
        (d / "__main__.py").write_text("import pulumi\n")
        (d / "version.txt").write_text("0\n")
    repo.git.add(A=True)
    repo.index.commit("fleet: initial")
    return repo


def bump_all(repo: git.Repo, version: int) -> str:
    """Change every stack's version.txt in one commit; its sha."""
    for d in sorted((Path(repo.working_dir) / "stacks").iterdir()):
        (d / "version.txt").write_text(f"{version}\n")
    repo.git.add(A=True)
    return repo.index.commit(f"fleet: version {version}").hexsha


def fake_evaluate(project_dir: Path, env: str, **_: Any) -> StackGraph:
    """One resource whose input is the stack's version.txt (so each commit changes the plan)."""
    name = project_dir.name
    version = (project_dir / "version.txt").read_text().strip()
    resource = Resource(
        urn=f"urn:pulumi:{env}::{name}::test:index:Thing::thing",
        type="test:index:Thing",
        name="thing",
        inputs={"version": version},
    )
    return StackGraph(project=name, path=str(project_dir), env=env, resources=[resource])


class RecordingEngine:
    """Records `project<TAB>version<TAB>owner` per apply in `log`, after `delay` seconds."""

    name = "recording"

    def __init__(self, log: Path, owner: str, delay: float = 0.0) -> None:
        self.log, self.owner, self.delay = log, owner, delay

    def apply(self, project_dir: Path, graph: StackGraph) -> ApplyResult:
        time.sleep(self.delay)
        version = graph.resources[0].inputs["version"]
        line = f"{graph.project}\t{version}\t{self.owner}\n".encode()
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return ApplyResult(outputs={"version": version}, summary=f"applied by {self.owner}")

    def drift(self, project_dir: Path, graph: StackGraph, recorded_digest: str | None) -> DriftResult:
        return DriftResult(drifted=False, compared="nothing", summary="")

    def recover(self, project_dir: Path, project: str, env: str) -> None:
        return None


def applies(log: Path) -> list[tuple[str, str, str]]:
    """The (project, version, owner) lines recorded so far."""
    if not log.exists():
        return []
    return [tuple(line.split("\t")) for line in log.read_text().splitlines()]  # type: ignore[misc]


def replica(
    repo: Path,
    journal: str,
    state_dir: Path,
    owner: str,
    log: Path,
    *,
    delay: float = 0.0,
    interval: float = 0.2,
    lease: float = 5.0,
    stop: threading.Event | None = None,
) -> Reconciler:
    """A Reconciler configured as one replica of the fleet."""
    cfg = AgentConfig(
        repo=str(repo),
        engine="plan-only",
        state_dir=state_dir,
        journal_url=journal,
        owner=owner,
        interval=interval,
        lock_lease=lease,
        jobs=1,
    )
    engine = RecordingEngine(log, owner, delay)
    return Reconciler(cfg, engine, evaluate=fake_evaluate, gate=allow_all_gate, stop=stop)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one replica until SIGTERM."""
    from gitops_agent.commands import install_stop_handlers

    p = argparse.ArgumentParser()
    p.add_argument("--repo", type=Path, required=True)
    p.add_argument("--journal", required=True)
    p.add_argument("--state-dir", type=Path, required=True)
    p.add_argument("--owner", required=True)
    p.add_argument("--log", type=Path, required=True)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("--lease", type=float, default=5.0)
    args = p.parse_args(argv)
    stop = threading.Event()
    install_stop_handlers(stop)
    agent = replica(
        args.repo,
        args.journal,
        args.state_dir,
        args.owner,
        args.log,
        delay=args.delay,
        interval=args.interval,
        lease=args.lease,
        stop=stop,
    )
    run(agent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
