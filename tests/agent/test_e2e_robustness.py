"""Policy blocking, crash recovery, concurrent agents, SIGTERM, drift: real repos, plan-only engine."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from compliance.model import StackGraph
from gitops_agent.agent import Reconciler
from gitops_agent.cli import main
from gitops_agent.drift import check_drift
from gitops_agent.engines import ApplyResult, PlanOnlyEngine
from gitops_agent.journal import Journal
from tests.agent.fixture_repo import commit_all, write_stack


def program_sees_suffix(monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """Programs get an allow-listed environment: add FIXTURE_D_SUFFIX to it (a changed tooling)."""
    from compliance.evaluation import starter

    original = starter.program_environment
    monkeypatch.setattr(
        starter, "program_environment", lambda *a: {**original(*a), "FIXTURE_D_SUFFIX": suffix}
    )


pytestmark = pytest.mark.slow


class RecordingEngine(PlanOnlyEngine):
    """plan-only, but slow and watching how many applies of one stack overlap."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.recovered: list[str] = []
        self.active: dict[str, int] = {}
        self.max_active = 0
        self.applies = 0
        self._lock = threading.Lock()

    def apply(self, project_dir: Path, graph: StackGraph) -> ApplyResult:
        with self._lock:
            self.active[graph.project] = self.active.get(graph.project, 0) + 1
            self.max_active = max(self.max_active, self.active[graph.project])
            self.applies += 1
        time.sleep(self.delay)
        with self._lock:
            self.active[graph.project] -= 1
        return super().apply(project_dir, graph)

    def recover(self, project_dir: Path, project: str, env: str) -> None:
        self.recovered.append(project)


def test_policy_violation_blocks_stack_and_dependents_not_sibling(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    root = Path(repo.working_dir)
    write_stack(root, "a", compliant=False)
    bad = commit_all(repo, "a: unencrypted queue")
    agent = make_reconciler(root)
    result = agent.cycle()
    assert not result.ok
    assert {o.project: o.action for o in result.outcomes} == {
        "a": "blocked",
        "b": "blocked",
        "c": "blocked",
        "d": "applied",
    }
    a, b = agent.journal.get("a", "dev"), agent.journal.get("b", "dev")
    assert a is not None and a.status == "blocked" and "CKV_AWS_27" in a.message and a.revision is None
    assert b is not None and b.status == "blocked" and "a is blocked" in b.message
    assert agent.metrics.policy_failures.labels(stack="a")._value.get() == 1

    write_stack(root, "a", compliant=True)
    fixed = commit_all(repo, "a: encrypt the queue")
    again = agent.cycle()
    assert again.ok
    assert [(o.project, o.action) for o in again.outcomes] == [(p, "applied") for p in "abc"]
    assert {s.project: s.revision for s in agent.journal.states()} == {
        "a": fixed,
        "b": fixed,
        "c": fixed,
        "d": bad,
    }


def test_stack_left_applying_by_a_crash_is_recovered_not_marked_applied(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    engine = RecordingEngine()
    agent = make_reconciler(Path(repo.working_dir), stacks_dir="stacks/d", engine=engine)
    assert agent.cycle().ok
    head = repo.head.commit.hexsha
    # A crashed agent: it took the lock (lease now expired) and wrote `applying`, then died.
    agent.journal.acquire_lease("d", "dev", "crashed-agent", 0.01)
    agent.journal.transition("d", "dev", "applying", seen_revision=head, message="applying")
    time.sleep(0.05)
    before = len(agent.journal.history("d"))

    result = agent.cycle()
    assert engine.recovered == ["d"]
    assert [(o.project, o.action) for o in result.outcomes] == [("d", "applied")]  # re-applied, audited
    assert len(agent.journal.history("d")) == before + 1
    state = agent.journal.get("d", "dev")
    assert state is not None and state.status == "applied"


def test_applying_stack_locked_by_a_live_agent_is_left_alone(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    engine = RecordingEngine()
    agent = make_reconciler(Path(repo.working_dir), stacks_dir="stacks/d", engine=engine)
    agent.journal.acquire_lease("d", "dev", "other-live-agent", 60)
    agent.journal.transition("d", "dev", "applying", seen_revision="x" * 40, message="applying")
    result = agent.cycle()
    assert engine.recovered == [] and engine.applies == 0
    assert [(o.project, o.action) for o in result.outcomes] == [("d", None)]
    assert "other-live-agent" in result.outcomes[0].message
    state = agent.journal.get("d", "dev")
    assert state is not None and state.status == "applying"


def test_two_agents_on_one_state_dir_never_apply_one_stack_at_once(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    engine = RecordingEngine(delay=1.5)
    agents = [
        make_reconciler(Path(repo.working_dir), stacks_dir="stacks/d", engine=engine, owner=f"agent-{i}")
        for i in range(2)
    ]
    threads = [threading.Thread(target=a.cycle) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert engine.max_active == 1
    assert engine.applies == 1  # the loser saw the lock (or the finished apply) and did not re-apply
    actions = [h.action for h in agents[0].journal.history("d")]
    assert actions.count("applied") == 1


def test_sigterm_mid_cycle_leaves_consistent_state(repo: git.Repo, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    cmd = [sys.executable, "-m", "gitops_agent.cli", "agent", "--repo", repo.working_dir]
    cmd += ["--engine", "plan-only", "--state-dir", str(state_dir), "--once"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (state_dir / "journal.sqlite").exists() and Journal(state_dir).history():
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert '"event": "agent.stopping"' in err and '"event": "cycle.stopped"' in err

    journal = Journal(state_dir)
    states = {s.project: s for s in journal.states()}
    assert all(s.status == "applied" for s in states.values())  # nothing half-done (`applying`)
    done = [h.project for h in journal.history()]  # every applied stack has its audit row
    assert sorted(done) == sorted(states)
    assert done == ["a", "d", "b", "c"][: len(done)] and 0 < len(done) < 4  # stopped between stacks
    assert journal.get_meta(f"head:{repo.working_dir}:main") is None  # the cycle did not complete

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(s.project for s in journal.states() if s.status == "applied") == ["a", "b", "c", "d"]
    order = [h.project for h in journal.history()]
    assert sorted(order) == ["a", "b", "c", "d"]  # no stack applied twice
    assert order.index("a") < order.index("b") < order.index("c")  # dependencies first


def test_drift_plan_only_compares_digests_and_remediates(
    repo: git.Repo,
    make_reconciler: Callable[..., Reconciler],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    agent = make_reconciler(Path(repo.working_dir), stacks_dir="stacks/d")
    assert agent.cycle().ok
    applied = agent.journal.get("d", "dev")
    assert applied is not None
    drift_cli = ["drift", "--repo", repo.working_dir, "--engine", "plan-only"]
    drift_cli += ["--state-dir", str(agent.cfg.state_dir), "--stacks-dir", "stacks/d", "--format", "json"]
    assert main(drift_cli) == 0
    [clean] = json.loads(capsys.readouterr().out)
    assert clean["drifted"] is False and "fresh offline evaluation" in clean["compared"]

    program_sees_suffix(monkeypatch, "-changed")  # the environment the program sees changed
    assert main(drift_cli) == 1
    [found] = json.loads(capsys.readouterr().out)
    assert found["drifted"] is True and found["remediated"] is False
    state = agent.journal.get("d", "dev")
    assert state is not None and state.status == "drifted" and state.plan_digest == applied.plan_digest

    outcomes = check_drift(agent, remediate=True)
    assert [(o.drifted, o.remediated) for o in outcomes] == [(True, True)]
    assert [h.action for h in agent.journal.history("d")] == ["applied", "drifted", "drifted", "remediated"]
    state = agent.journal.get("d", "dev")
    assert state is not None and state.status == "applied" and state.plan_digest != applied.plan_digest
    assert check_drift(agent)[0].drifted is False
    assert agent.metrics.drifted._value.get() == 0


class StopAfterEngine(PlanOnlyEngine):
    """plan-only that asks the agent to stop right after applying one given stack (a SIGTERM stand-in)."""

    def __init__(self, project: str, stop: threading.Event) -> None:
        self.project, self.stop = project, stop

    def apply(self, project_dir: Path, graph: StackGraph) -> ApplyResult:
        result = super().apply(project_dir, graph)
        if graph.project == self.project:
            self.stop.set()
        return result


def test_interrupted_cycle_does_not_lose_dependents(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    root = Path(repo.working_dir)
    stop = threading.Event()
    agent = make_reconciler(root, engine=StopAfterEngine("a", stop), stop=stop)
    agent.cycle()
    stop.clear()
    assert agent.cycle().ok  # finishes the first sync (b, c, d)
    write_stack(root, "a", "2")
    change = commit_all(repo, "a: version 2")
    interrupted = agent.cycle()
    assert interrupted.stopped and [(o.project, o.action) for o in interrupted.outcomes] == [("a", "applied")]
    stop.clear()
    resumed = agent.cycle()
    # a is at the head already; b and c were evaluated against its old outputs and must catch up.
    # b's tag carries a's bucket name (changed); c's carries b's topic name (same): unchanged.
    assert [(o.project, o.action) for o in resumed.outcomes] == [("b", "applied"), ("c", "unchanged")]
    assert {s.project: s.revision == change for s in agent.journal.states()} == {
        "a": True,
        "b": True,
        "c": True,
        "d": False,
    }


def test_loop_checks_drift_every_interval_and_remediates(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitops_agent.agent import run

    agent = make_reconciler(
        Path(repo.working_dir),
        stacks_dir="stacks/d",
        once=False,
        interval=0.1,
        drift_interval=0.1,
        auto_remediate=True,
    )
    assert agent.cycle().ok
    program_sees_suffix(monkeypatch, "-tooling-changed")
    loop = threading.Thread(target=run, args=(agent,))
    loop.start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "remediated" not in [h.action for h in agent.journal.history("d")]:
        time.sleep(0.2)
    agent.stop.set()
    loop.join(timeout=60)
    actions = [h.action for h in agent.journal.history("d")]
    assert actions[:3] == ["applied", "drifted", "remediated"]
    state = agent.journal.get("d", "dev")
    assert state is not None and state.status == "applied"


def test_lock_of_a_dead_local_agent_is_broken_on_restart(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    import socket

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    engine = RecordingEngine()
    agent = make_reconciler(Path(repo.working_dir), stacks_dir="stacks/d", engine=engine)
    # The crashed agent's lease is still valid for an hour, but its process is gone.
    agent.journal.acquire_lease("d", "dev", f"{socket.gethostname()}:{dead.pid}:crashed", 3600)
    agent.journal.transition("d", "dev", "applying", seen_revision="x" * 40, message="applying")
    result = agent.cycle()
    assert engine.recovered == ["d"]
    assert [(o.project, o.action) for o in result.outcomes] == [("d", "applied")]
