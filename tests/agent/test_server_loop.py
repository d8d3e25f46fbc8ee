"""/healthz /readyz /metrics on 127.0.0.1 (ephemeral port) while the loop runs, and the loop's stop."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from gitops_agent.agent import Reconciler, run
from gitops_agent.server import parse_listen, start_server


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:9100") == ("127.0.0.1", 9100)
    assert parse_listen(":0") == ("127.0.0.1", 0)
    assert parse_listen("[::1]:80") == ("::1", 80)
    for bad in ("9100", "host:", "host:99999", "host:http"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            parse_listen(bad)


@pytest.mark.slow
def test_endpoints_follow_the_loop(repo: git.Repo, make_reconciler: Callable[..., Reconciler]) -> None:
    agent = make_reconciler(Path(repo.working_dir), stacks_dir="stacks/d", once=False, interval=0.2)
    server = start_server("127.0.0.1", 0, ready=lambda: agent.ready, metrics=agent.metrics.render)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert _get(f"{base}/healthz") == (200, "ok\n")
        assert _get(f"{base}/readyz")[0] == 503
        assert _get(f"{base}/nope")[0] == 404
        loop = threading.Thread(target=run, args=(agent,))
        loop.start()
        deadline = time.monotonic() + 60
        while not agent.ready and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _get(f"{base}/readyz") == (200, "ready\n")
        time.sleep(0.5)  # a few more (idle) cycles
        agent.stop.set()
        loop.join(timeout=30)
        assert not loop.is_alive()
        status, text = _get(f"{base}/metrics")
    finally:
        server.shutdown()
    assert status == 200
    assert 'gitops_reconciles_total{result="applied"} 1.0' in text
    assert 'gitops_last_applied_timestamp_seconds{stack="d"}' in text
    assert "gitops_drifted_stacks 0.0" in text
    count = next(
        line for line in text.splitlines() if line.startswith("gitops_reconcile_duration_seconds_count")
    )
    assert float(count.split()[-1]) >= 2  # the first sync and at least one idle cycle


@pytest.mark.slow
def test_cli_agent_serves_endpoints_and_stops_on_sigterm(repo: git.Repo, tmp_path: Path) -> None:
    import json
    import signal
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "gitops_agent.cli", "agent", "--repo", repo.working_dir]
    cmd += ["--engine", "plan-only", "--state-dir", str(tmp_path / "state"), "--stacks-dir", "stacks/d"]
    cmd += ["--interval", "0.5", "--listen", "127.0.0.1:0"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        first = json.loads(proc.stderr.readline())
        assert first["event"] == "agent.listening"
        base = f"http://{first['address']}"
        deadline = time.monotonic() + 60
        while _get(f"{base}/readyz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _get(f"{base}/readyz")[0] == 200
        assert 'gitops_reconciles_total{result="applied"} 1.0' in _get(f"{base}/metrics")[1]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert '"event": "agent.stopping"' in rest
