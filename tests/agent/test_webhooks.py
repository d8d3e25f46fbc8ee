"""The push trigger: GitHub webhook verification, POST /sync, SIGHUP, and the loop woken at once."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import git
import pytest

from gitops_agent.agent import Reconciler, run
from gitops_agent.cli import main
from gitops_agent.server import start_server
from gitops_agent.trigger import SyncTrigger
from gitops_agent.webhooks import github_push, github_route, is_loopback, signature_valid, sync_route

SECRET = b"hook-secret-123"


def sign(body: bytes, secret: bytes = SECRET) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def push(ref: str = "refs/heads/main") -> bytes:
    return json.dumps({"ref": ref, "after": "0" * 40}).encode()


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = push()
    assert signature_valid(SECRET, body, sign(body))
    assert not signature_valid(SECRET, body + b" ", sign(body))
    assert not signature_valid(SECRET, body, sign(body, b"other-secret"))
    assert not signature_valid(SECRET, body, None)
    assert not signature_valid(SECRET, body, sign(body).replace("sha256=", "sha1="))
    assert not signature_valid(b"", body, sign(body, b""))


def test_decisions() -> None:
    body = push()
    good = {"x-hub-signature-256": sign(body), "x-github-event": "push"}
    assert github_push(SECRET, "main", good, body).sync
    assert github_push(SECRET, "main", good, body).status == 202
    assert github_push(None, "main", good, body).status == 503
    assert github_push(SECRET, "main", {**good, "x-hub-signature-256": sign(body, b"x")}, body).status == 401
    assert github_push(SECRET, "main", {"x-github-event": "push"}, body).status == 401
    other = push("refs/heads/feature")
    decision = github_push(SECRET, "main", {**good, "x-hub-signature-256": sign(other)}, other)
    assert (decision.status, decision.sync) == (202, False) and "feature" in decision.message
    tag = push("refs/tags/main")
    assert not github_push(SECRET, "main", {**good, "x-hub-signature-256": sign(tag)}, tag).sync
    ping = {"x-hub-signature-256": sign(b"{}"), "x-github-event": "ping"}
    assert github_push(SECRET, "main", ping, b"{}").status == 200
    issue = {"x-hub-signature-256": sign(b"{}"), "x-github-event": "issues"}
    assert (
        github_push(SECRET, "main", issue, b"{}").status,
        github_push(SECRET, "main", issue, b"{}").sync,
    ) == (
        202,
        False,
    )
    junk = b"not json"
    assert github_push(SECRET, "main", {**good, "x-hub-signature-256": sign(junk)}, junk).status == 400


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("10.0.0.1") and not is_loopback("nonsense")


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def hook_server() -> Iterator[tuple[str, list[str]]]:
    woken: list[str] = []
    routes = {
        "/hooks/github": github_route(SECRET, "main", woken.append),
        "/sync": sync_route(SECRET, woken.append),
    }
    server = start_server("127.0.0.1", 0, ready=lambda: True, metrics=lambda: b"", routes=routes)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", woken
    finally:
        server.shutdown()


def test_hook_endpoint_over_http(hook_server: tuple[str, list[str]]) -> None:
    base, woken = hook_server
    body = push()
    headers = {"X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1", "Content-Type": "application/json"}
    assert _post(f"{base}/hooks/github", body, {**headers, "X-Hub-Signature-256": sign(body)})[0] == 202
    assert woken == ["github push d-1"]
    assert _post(f"{base}/hooks/github", body, {**headers, "X-Hub-Signature-256": sign(b"x")})[0] == 401
    assert _post(f"{base}/hooks/github", body, headers)[0] == 401
    other = push("refs/heads/dev")
    assert _post(f"{base}/hooks/github", other, {**headers, "X-Hub-Signature-256": sign(other)})[0] == 202
    assert woken == ["github push d-1"]  # neither the bad ones nor another branch woke the loop
    assert _post(f"{base}/sync", b"", {})[0] == 202  # loopback: no token needed
    assert len(woken) == 2


def test_hook_get_is_405(hook_server: tuple[str, list[str]]) -> None:
    base, _ = hook_server
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{base}/hooks/github", timeout=10)
    assert info.value.code == 405


def test_oversized_body_is_413_without_reading_it(hook_server: tuple[str, list[str]]) -> None:
    base, woken = hook_server
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            "POST /hooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
            f"Content-Length: {2 * 1024 * 1024}\r\n\r\n"
        )
        sock.sendall(head.encode() + b"x" * 1024)  # announce 2 MB, send 1 KB: the answer comes anyway
        answer = sock.recv(4096).decode()
    assert answer.startswith("HTTP/1.0 413") or answer.startswith("HTTP/1.1 413"), answer
    assert woken == []


def test_sync_from_elsewhere_needs_the_bearer_token() -> None:
    from gitops_agent.server import PostRequest

    woken: list[str] = []
    route = sync_route(SECRET, woken.append)
    assert route(PostRequest(headers={}, body=b"", client="10.1.2.3")).status == 401
    bad = {"authorization": "Bearer nope"}
    assert route(PostRequest(headers=bad, body=b"", client="10.1.2.3")).status == 401
    good = {"authorization": f"Bearer {SECRET.decode()}"}
    assert route(PostRequest(headers=good, body=b"", client="10.1.2.3")).status == 202
    assert (
        sync_route(None, woken.append)(PostRequest(headers=good, body=b"", client="10.1.2.3")).status == 403
    )
    assert len(woken) == 1


def test_trigger_wakes_at_once_and_stop_ends_the_wait() -> None:
    trigger, stop = SyncTrigger(), threading.Event()
    threading.Timer(0.05, trigger.request, args=("test",)).start()
    started = time.monotonic()
    assert trigger.wait(30, stop) == "test"
    assert time.monotonic() - started < 10
    assert trigger.wait(0.05, stop) is None  # consumed
    threading.Timer(0.05, stop.set).start()
    assert trigger.wait(30, stop) is None


def _cycles(agent: Reconciler) -> float:
    text = agent.metrics.render().decode()
    line = next(x for x in text.splitlines() if x.startswith("gitops_reconcile_duration_seconds_count"))
    return float(line.split()[-1])


@pytest.mark.slow
def test_a_push_to_the_branch_syncs_at_once(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    from tests.agent.fixture_repo import commit_all, write_stack

    root = Path(repo.working_dir)
    agent = make_reconciler(root, stacks_dir="stacks/d", once=False, interval=3600)
    routes = {"/hooks/github": github_route(SECRET, "main", agent.trigger.request)}
    server = start_server(
        "127.0.0.1", 0, ready=lambda: agent.ready, metrics=agent.metrics.render, routes=routes
    )
    loop = threading.Thread(target=run, args=(agent,))
    loop.start()
    try:
        deadline = time.monotonic() + 60
        while _cycles(agent) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        write_stack(root, "d", "2")
        new_head = commit_all(repo, "d: version 2")
        body = push()
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks/github"
        headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(body)}
        assert _post(url, body, headers)[0] == 202
        deadline = time.monotonic() + 60  # far below the 3600 s poll interval
        state = agent.journal.get("d", "dev")
        while (state is None or state.revision != new_head) and time.monotonic() < deadline:
            time.sleep(0.1)
            state = agent.journal.get("d", "dev")
        assert state is not None and state.revision == new_head
    finally:
        agent.stop.set()
        loop.join(timeout=30)
        server.shutdown()
    assert not loop.is_alive()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_gitops_sync_and_sighup_wake_a_running_agent(repo: git.Repo, tmp_path: Path) -> None:
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "gitops_agent.cli",
        "agent",
        "--repo",
        repo.working_dir,
        "--engine",
        "plan-only",
    ]
    cmd += ["--state-dir", str(tmp_path / "state"), "--stacks-dir", "stacks/d", "--interval", "3600"]
    cmd += ["--listen", f"127.0.0.1:{port}"]
    env = {k: v for k, v in os.environ.items() if k != "GITOPS_WEBHOOK_SECRET"}
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    events: list[dict[str, object]] = []
    try:
        assert proc.stderr is not None

        def until(event: str, count: int) -> None:
            while sum(1 for e in events if e["event"] == event) < count:
                line = proc.stderr.readline() if proc.stderr else ""
                assert line, f"agent exited before {event} x{count}: {events}"
                events.append(json.loads(line))

        until("cycle.done", 1)
        assert main(["sync", "--listen", f"127.0.0.1:{port}"]) == 0
        until("cycle.done", 2)
        proc.send_signal(signal.SIGHUP)
        until("cycle.done", 3)
        reasons = [e["reason"] for e in events if e["event"] == "sync.requested"]
        assert reasons[0].startswith("POST /sync") and reasons[1] == "SIGHUP"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_gitops_sync_without_an_agent_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--listen", f"127.0.0.1:{_free_port()}"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no agent listening" in err and len(err.splitlines()) == 1
