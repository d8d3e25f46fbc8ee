"""Programs confined by bubblewrap: read-only project, private tmp, no network, no secrets, no survivors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from confined_run import (
    PROGRAMS,
    assert_no_survivor,
    assert_reaches_socket,
    confined_command,
    run_confined,
    wait_for,
)

from compliance import processes

SENTINELS = {
    "AWS_SECRET_ACCESS_KEY": "sentinel-aws-secret-4c1d",
    "AWS_SESSION_TOKEN": "sentinel-aws-session-9e2f",
    "PULUMI_ACCESS_TOKEN": "pul-sentinel-7a7a7a",
    "PULUMI_CONFIG_PASSPHRASE": "sentinel-passphrase-31",
    "GITHUB_TOKEN": "ghs_sentinel0123456789",
    "LOCALSTACK_AUTH_TOKEN": "ls-sentinel-5555",
    "MY_SERVICE_API_KEY": "sentinel-api-key-88",
}


def test_project_is_read_only_and_writes_outside_do_not_escape(bubblewrap, project, scratch):
    escape = Path("/tmp") / f"gitops-escape-{uuid.uuid4().hex}"
    run = run_confined(
        "probe_files.py",
        [str(project / "enforcement.yaml"), str(escape)],
        mode="required",
        writable=scratch,
        read_only=[project],
        cwd=project,
    )
    assert run.confined.confinement == "bubblewrap"
    result = run.json()
    assert result["overwrite_project_file"] == "OSError"  # EROFS
    assert result["create_in_project"] == "OSError"
    assert result["home"] == "ok"  # HOME is the private writable directory
    assert result["git_config"] != "ok", "the repository's .git (credentials) must be hidden"
    assert (project / "enforcement.yaml").read_text() == "default: mandatory\n"
    assert not (project / "planted.py").exists()
    assert not escape.exists(), "a write outside the writable directories reached the host"
    assert (scratch / "home-ok").is_file()


def test_no_network_not_even_the_hosts_loopback(bubblewrap, scratch):
    accepted: list[bytes] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.2)
        port = server.getsockname()[1]
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except OSError:
                    continue
                with conn:
                    accepted.append(conn.recv(100))

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            run = run_confined("network.py", [str(port)], mode="required", writable=scratch)
        finally:
            stop.set()
            thread.join()
    result = run.json()
    assert result["connect"] == "ConnectionRefusedError"
    assert result["resolve"] == "gaierror"
    assert result["resolv_conf"] is False
    assert accepted == []


def test_unix_socket_in_the_writable_directory_is_reachable(bubblewrap, scratch):
    path = scratch / "monitor.sock"
    confined = confined_command("unix_client.py", [str(path)], mode="required", writable=scratch)
    assert_reaches_socket(confined, path, scratch)


def test_secrets_of_the_environment_never_reach_the_program(bubblewrap, scratch):
    environ = {**os.environ, **SENTINELS}
    run = run_confined("dump_env.py", [], mode="required", writable=scratch, environ=environ)
    seen = run.json()
    assert not set(SENTINELS) & set(seen["env"])
    for value in SENTINELS.values():
        assert value not in run.stdout
    assert seen["env"]["HOME"] == str(scratch)
    assert seen["uid"] == 65534


@pytest.mark.parametrize("mode", ["exit", "stay"])
def test_a_daemonised_child_does_not_outlive_the_run(bubblewrap, scratch, mode):
    confined = confined_command("daemon.py", [str(scratch), mode], mode="required", writable=scratch)
    process = processes.spawn(confined, cwd=scratch, stdout=None, stderr=None)
    try:
        wait_for(scratch / "started")
        if mode == "exit":
            process.wait(timeout=30)  # the program returned; its daemon must be gone with it
    finally:
        processes.kill_tree(process)
    assert process not in processes.live()
    assert_no_survivor(scratch / "heartbeat")


def test_the_tree_dies_with_its_parent(bubblewrap, scratch):
    """SIGKILL to the parent (no handler can run): bubblewrap's --die-with-parent takes the tree down."""
    parent = subprocess.Popen(
        [sys.executable, str(PROGRAMS / "parent.py"), str(scratch), "required"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_for(scratch / "started")
        parent.kill()
        parent.wait(timeout=30)
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
            parent.wait()
    assert_no_survivor(scratch / "heartbeat")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_to_a_gate_like_parent_kills_the_tree(bubblewrap, scratch, signum):
    parent = subprocess.Popen(
        [sys.executable, str(PROGRAMS / "parent.py"), str(scratch), "required"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(scratch / "started")
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "started bubblewrap"
        parent.send_signal(signum)
        _, err = parent.communicate(timeout=30)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    assert parent.returncode == 128 + signum
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert "Traceback" not in err
    assert_no_survivor(scratch / "heartbeat")


def test_a_timeout_kill_leaves_nothing(bubblewrap, scratch):
    started = time.monotonic()
    run = run_confined("daemon.py", [str(scratch), "stay"], mode="auto", writable=scratch, timeout=3)
    assert time.monotonic() - started < 30
    assert run.returncode == -signal.SIGKILL
    assert_no_survivor(scratch / "heartbeat")
