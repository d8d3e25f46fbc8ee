"""Replicas on one journal: each (stack, revision) applied once; a replica killed mid-apply is
recovered by another within TTL + one interval; a replica paused past its lease writes nothing
afterwards (fencing); the journal unreachable for a while: /readyz false, nothing lost or doubled."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_agent.agent import Reconciler, run
from gitops_agent.journal import JournalBackend, JournalUnavailable, open_journal
from gitops_agent.server import start_server
from tests.journal.pg_cluster import PASSWORD, PgCluster
from tests.journal.replica import applies, bump_all, make_fleet_repo, replica

ROOT = Path(__file__).resolve().parents[2]


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if predicate():
                return time.monotonic() - start
        except JournalUnavailable:  # the observer's own connection, cut by a restart
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _all_at(journal: JournalBackend, revision: str, stacks: int) -> bool:
    states = [s for s in journal.states() if s.status == "applied" and s.revision == revision]
    return len(states) == stacks


@pytest.mark.slow
def test_three_replicas_twelve_stacks_three_commits_apply_each_once(journal_url: str, tmp_path: Path) -> None:
    repo = make_fleet_repo(tmp_path / "repo", stacks=12)
    log = tmp_path / "applies.log"
    stop = threading.Event()
    agents = [
        replica(Path(repo.working_dir), journal_url, tmp_path / f"r{i}", f"replica-{i}", log, stop=stop)
        for i in range(3)
    ]
    threads = [threading.Thread(target=run, args=(a,), daemon=True) for a in agents]
    for t in threads:
        t.start()
    journal = open_journal(journal_url, tmp_path / "observer")
    try:
        revisions = [repo.head.commit.hexsha]
        _wait(lambda: _all_at(journal, revisions[-1], 12), 60, "the first revision everywhere")
        for version in (1, 2):
            revisions.append(bump_all(repo, version))
            _wait(lambda: _all_at(journal, revisions[-1], 12), 60, f"version {version} everywhere")
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    done = applies(log)
    counts = Counter((project, version) for project, version, _ in done)
    assert len(counts) == 36 and set(counts.values()) == {1}, counts.most_common(3)
    history = journal.history()
    applied = Counter((h.project, h.revision) for h in history if h.action == "applied")
    assert len(applied) == 36 and set(applied.values()) == {1}
    assert {h.action for h in history} == {"applied"}  # nothing blocked, failed or recorded twice
    assert journal.verify().intact


def _spawn(
    repo: Path, url: str, state: Path, owner: str, log: Path, **opts: float
) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "tests.journal.replica", "--repo", str(repo), "--journal", url]
    argv += ["--state-dir", str(state), "--owner", owner, "--log", str(log)]
    for key, value in opts.items():
        argv += [f"--{key}", str(value)]
    out = (state.parent / f"{owner}.out").open("wb")
    return subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def _applying_by(journal: JournalBackend, owner: str) -> str | None:
    for state in journal.states():
        if state.status == "applying" and journal.lease_holder(state.project, state.env) == owner:
            return state.project
    return None


@pytest.mark.slow
def test_replica_killed_mid_apply_is_recovered_within_ttl_and_one_interval(
    pg_url: str, tmp_path: Path
) -> None:
    ttl, interval = 3.0, 0.5
    repo = make_fleet_repo(tmp_path / "repo", stacks=3)
    log, journal = tmp_path / "applies.log", open_journal(pg_url, tmp_path / "observer")
    # another host's owner id: the dead replica's lease must expire, no local pid check helps
    a = _spawn(
        Path(repo.working_dir),
        pg_url,
        tmp_path / "a",
        "host-a:1:a",
        log,
        delay=60,
        lease=ttl,
        interval=interval,
    )
    b = None
    try:
        stuck = _wait(lambda: _applying_by(journal, "host-a:1:a") is not None, 30, "replica a mid-apply")
        assert stuck >= 0
        project = _applying_by(journal, "host-a:1:a")
        b = _spawn(
            Path(repo.working_dir),
            pg_url,
            tmp_path / "b",
            "host-b:1:b",
            log,
            delay=0.05,
            lease=ttl,
            interval=interval,
        )
        _wait(lambda: any(owner == "host-b:1:b" for *_, owner in applies(log)), 30, "replica b applying")
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        killed = time.monotonic()

        def recovered() -> bool:
            state = journal.get(str(project), "dev")
            return state is not None and state.status == "applied"

        _wait(recovered, 30, "the stuck stack applied by b")
        took = time.monotonic() - killed
        assert took <= ttl + interval + 4.0, took  # + the duration of b's cycle on a loaded machine
        rows = [h for h in journal.history(project) if h.action == "applied"]
        assert len(rows) == 1 and rows[0].summary.startswith("applied by host-b:1:b")
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)


@pytest.mark.slow
def test_replica_paused_past_its_lease_writes_nothing_afterwards(pg_url: str, tmp_path: Path) -> None:
    ttl = 2.0
    repo = make_fleet_repo(tmp_path / "repo", stacks=2)
    log, journal = tmp_path / "applies.log", open_journal(pg_url, tmp_path / "observer")
    a = _spawn(
        Path(repo.working_dir), pg_url, tmp_path / "a", "host-a:1:a", log, delay=3, lease=ttl, interval=0.3
    )
    b = None
    try:
        _wait(lambda: _applying_by(journal, "host-a:1:a") is not None, 30, "replica a mid-apply")
        project = str(_applying_by(journal, "host-a:1:a"))
        a.send_signal(signal.SIGSTOP)
        b = _spawn(
            Path(repo.working_dir),
            pg_url,
            tmp_path / "b",
            "host-b:1:b",
            log,
            delay=0.05,
            lease=ttl,
            interval=0.3,
        )

        def taken_over() -> bool:
            state = journal.get(project, "dev")
            return state is not None and state.status == "applied"

        _wait(taken_over, 30, "replica b applying the paused replica's stack")
        before = journal.history()
        a.send_signal(signal.SIGCONT)
        out = tmp_path / "host-a:1:a.out"
        _wait(lambda: b"stack.fenced" in out.read_bytes(), 30, "replica a's write refused")
        time.sleep(1.0)
        after = journal.history()
        stale = [h for h in after if "host-a:1:a" in h.summary]
        assert stale == [], stale
        assert [h.id for h in after if h.project == project] == [h.id for h in before if h.project == project]
        state = journal.get(project, "dev")
        assert state is not None and state.status == "applied"
        assert journal.verify().intact
        assert PASSWORD not in out.read_text(errors="replace")
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                proc.wait(10)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_journal_unreachable_readyz_false_then_resume_without_loss(
    pg_cluster: PgCluster, pg_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    repo = make_fleet_repo(tmp_path / "repo", stacks=3)
    log = tmp_path / "applies.log"
    stop = threading.Event()
    agent: Reconciler = replica(
        Path(repo.working_dir), pg_url, tmp_path / "r", "solo", log, stop=stop, lease=10.0
    )
    server = start_server("127.0.0.1", 0, ready=agent.is_ready, metrics=agent.metrics.render)
    readyz = f"http://127.0.0.1:{server.server_address[1]}/readyz"
    thread = threading.Thread(target=run, args=(agent,), daemon=True)
    thread.start()
    journal = open_journal(pg_url, tmp_path / "observer")
    try:
        first = repo.head.commit.hexsha
        _wait(lambda: _all_at(journal, first, 3), 30, "the first sync")
        _wait(lambda: _get(readyz) == 200, 10, "ready")
        pg_cluster.stop()
        try:
            assert _get(readyz) == 503
            second = bump_all(repo, 1)  # lands while the journal is down
            time.sleep(1.5)  # a few failed cycles
            assert _get(readyz) == 503
        finally:
            pg_cluster.start()
        _wait(lambda: _all_at(journal, second, 3), 30, "the change applied after the outage")
        _wait(lambda: _get(readyz) == 200, 10, "ready again")
    finally:
        stop.set()
        thread.join(30)
        server.shutdown()
    history = journal.history()
    assert Counter((h.project, h.revision) for h in history) == {
        (f"s{i:02d}", rev): 1 for i in range(3) for rev in (first, second)
    }
    assert journal.verify().intact
    logged = capfd.readouterr()
    assert PASSWORD not in logged.out + logged.err
