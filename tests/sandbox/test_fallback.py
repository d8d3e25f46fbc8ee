"""Without bubblewrap: `auto` falls back to process confinement and says so; `required` refuses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confined_run import (
    PROGRAMS,
    assert_no_survivor,
    assert_reaches_socket,
    assert_run_leaves_no_survivor,
    confined_command,
    run_confined,
    wait_for,
)
from conftest import system_python
from test_bubblewrap import SENTINELS

from compliance.errors import ConfigError, SandboxUnavailable
from compliance.sandbox import RUN_MARKER, confine, probe_bubblewrap

ROOT = os.geteuid() == 0


def test_required_without_bubblewrap_is_a_one_line_config_error(no_bubblewrap, scratch):
    with pytest.raises(SandboxUnavailable) as raised:
        confined_command("dump_env.py", [], mode="required", writable=scratch, probe=no_bubblewrap)
    assert isinstance(raised.value, ConfigError)  # the CLIs turn it into exit 2
    message = str(raised.value)
    assert "\n" not in message
    assert "--sandbox required" in message and "bwrap is not installed" in message


def test_probe_reports_a_missing_bwrap(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    found = probe_bubblewrap.__wrapped__()
    assert found.path is None
    assert "bubblewrap" in found.reason


def test_off_runs_unconfined_and_says_so(scratch, project):
    """The contrast to every other test here: with the sandbox off, the program can write the project."""
    run = run_confined(
        "probe_files.py",
        [str(project / "enforcement.yaml"), str(scratch / "elsewhere")],
        mode="off",
        writable=scratch,
        read_only=[project],
        cwd=project,
    )
    assert run.confined.confinement == "none"
    assert run.json()["overwrite_project_file"] == "ok"
    assert (project / "enforcement.yaml").read_text() == "default: disabled\n"


def test_fallback_strips_the_environment(no_bubblewrap, scratch):
    environ = {**os.environ, **SENTINELS}
    run = run_confined("dump_env.py", [], mode="auto", writable=scratch, environ=environ, probe=no_bubblewrap)
    assert run.confined.confinement == "process"
    assert any("bwrap is not installed" in note for note in run.confined.notes)
    seen = run.json()
    assert not set(SENTINELS) & set(seen["env"])
    assert seen["env"]["HOME"] == str(scratch)


def test_fallback_kills_the_process_group(no_bubblewrap, scratch):
    """A child that stays in the group (no setsid) dies with the program when the run ends."""
    confined = confined_command(
        "group_child.py", [str(scratch)], mode="auto", writable=scratch, probe=no_bubblewrap
    )
    assert_run_leaves_no_survivor(confined, scratch)


def test_fallback_kills_a_daemon_that_left_the_group_by_its_run_marker(no_bubblewrap, scratch):
    """As the gate's own uid (not root, or an interpreter other uids cannot run): a daemon that called
    setsid is found by the run's marker in its environment and killed."""
    confined = confined_command(
        "daemon.py", [str(scratch), "exit"], mode="auto", writable=scratch, probe=no_bubblewrap
    )
    assert confined.run_id is not None
    assert confined.env[RUN_MARKER] == confined.run_id
    assert_run_leaves_no_survivor(confined, scratch)


@pytest.mark.parametrize("death_signal", ["setpriv", "preexec"])
def test_fallback_child_dies_with_the_parent(no_bubblewrap, scratch, death_signal):
    """PR_SET_PDEATHSIG (through setpriv, or prctl in a preexec function where setpriv is missing):
    the program itself dies when the parent is SIGKILLed."""
    pid_file = scratch / "program.pid"
    parent_code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from compliance import processes\n"
        "from compliance.sandbox import BubblewrapProbe, allowed_environment, confine\n"
        "d = Path(sys.argv[1])\n"
        "if sys.argv[2] == 'preexec':\n"
        "    processes._setpriv = lambda: None\n"
        "pid = str(d / 'program.pid')\n"
        "code = 'import os,time; open(%r, \"w\").write(str(os.getpid())); time.sleep(600)' % pid\n"
        "c = confine([sys.executable, '-c', code], mode='auto', read_only=[], writable=[d],\n"
        "            env=allowed_environment({}, home=d), probe=lambda: BubblewrapProbe(None, 'simulated'))\n"
        "processes.spawn(c, cwd=d, stdout=None, stderr=None).wait()\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code, str(scratch), death_signal], start_new_session=True
    )
    try:
        wait_for(pid_file)
        while not pid_file.read_text():
            pass
        program = int(pid_file.read_text())
        parent.kill()
        parent.wait(timeout=30)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    for _ in range(100):
        if not _alive(program):
            break
        time.sleep(0.05)
    assert not _alive(program), "the program outlived the parent that started it"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


python = system_python()
needs_root = pytest.mark.skipif(not ROOT, reason="a separate uid needs the gate to run as root")
needs_python = pytest.mark.skipif(
    python is None, reason="no interpreter other uids can run (/usr/bin/python3)"
)


@needs_root
@needs_python
def test_as_root_the_fallback_runs_a_dedicated_uid_that_cannot_write_the_project(
    no_bubblewrap, scratch, project
):
    assert python is not None
    escape = project.parent / f"gitops-escape-{uuid.uuid4().hex}"
    run = run_confined(
        "probe_files.py",
        [str(project / "enforcement.yaml"), str(escape)],
        mode="auto",
        writable=scratch,
        read_only=[project],
        cwd=project,
        python=python,
        probe=no_bubblewrap,
    )
    assert run.confined.confinement == "process"
    assert run.confined.user is not None and run.confined.user >= 0x6000_0000
    result = run.json()
    assert result["overwrite_project_file"] == "PermissionError"
    assert result["create_in_project"] == "PermissionError"
    assert result["home"] == "ok"
    assert (project / "enforcement.yaml").read_text() == "default: mandatory\n"
    assert (scratch / "home-ok").stat().st_uid == run.confined.user


@needs_root
@needs_python
def test_as_root_the_fallback_kills_a_daemon_that_left_the_group(no_bubblewrap, scratch):
    assert python is not None
    confined = confined_command(
        "daemon.py", [str(scratch), "exit"], mode="auto", writable=scratch, python=python, probe=no_bubblewrap
    )
    assert confined.user is not None
    assert_run_leaves_no_survivor(confined, scratch)


@needs_root
@needs_python
def test_as_root_the_monitor_socket_is_reachable_by_the_dedicated_uid(no_bubblewrap, scratch):
    assert python is not None
    path = scratch / "monitor.sock"
    confined = confined_command(
        "unix_client.py", [str(path)], mode="auto", writable=scratch, python=python, probe=no_bubblewrap
    )
    assert_reaches_socket(confined, path, scratch)  # the socket is created after confine()


@needs_root
@needs_python
def test_sigterm_to_a_gate_like_parent_kills_the_fallback_tree(scratch):
    assert python is not None
    parent = subprocess.Popen(
        [sys.executable, str(PROGRAMS / "parent.py"), str(scratch), "auto", "--no-bwrap", "--python", python],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(scratch / "started")
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "started process"
        parent.send_signal(signal.SIGTERM)
        _, err = parent.communicate(timeout=30)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    assert parent.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in err
    assert_no_survivor(scratch / "heartbeat")


@needs_root
def test_as_root_an_interpreter_others_cannot_read_keeps_the_gates_uid(no_bubblewrap, scratch, tmp_path):
    hidden = tmp_path / "private" / "python"  # tmp_path's parents are mode 0700
    hidden.parent.mkdir()
    hidden.symlink_to(sys.executable)
    confined = confine(
        [str(hidden), "-c", "pass"],
        mode="auto",
        read_only=[],
        writable=[scratch],
        env={},
        probe=lambda: no_bubblewrap,
    )
    assert confined.confinement == "process"
    assert confined.user is None
    assert any("not readable by other users" in note for note in confined.notes)


WHEELHOUSE = Path(__file__).resolve().parents[2] / ".venv" / "wheelhouse"

DEDICATED_PROGRAM = """\
import os
from pathlib import Path

import pulumi


def attempt(action):
    try:
        action()
        return "done"
    except OSError as exc:
        return type(exc).__name__


pulumi.export("uid", os.getuid())
pulumi.export("write_project", attempt(lambda: Path("planted.py").write_text("x")))
pulumi.export("write_home", attempt(lambda: Path(os.environ["HOME"], "cache").write_text("x")))
pulumi.CustomResource("aws:sqs/queue:Queue", "jobs", {"name": "jobs"})
"""


@needs_root
@needs_python
@pytest.mark.slow
def test_as_root_a_whole_evaluation_runs_as_the_dedicated_uid(no_bubblewrap, monkeypatch):
    """The program (its own world-readable virtualenv, no bubblewrap) runs as a dedicated uid and
    still reaches the gate's monitor: the socket is handed to that uid once the gate listens."""
    import functools
    import shutil
    import tempfile

    from compliance.evaluate import evaluate_project
    from compliance.evaluation import launcher, starter

    if not list(WHEELHOUSE.glob("pulumi-3.140.0-*.whl")):
        pytest.skip(f"no pulumi 3.140.0 wheel in {WHEELHOUSE} (make install fetches it)")
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert uv is not None and python is not None
    base = Path(tempfile.mkdtemp(prefix="gitops-sandbox-eval-", dir="/tmp"))
    try:
        base.chmod(0o755)
        venv = base / "venv"
        subprocess.run([uv, "venv", "-q", "--python", python, str(venv)], check=True, timeout=120)
        install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "--no-index"]
        install += ["--find-links", str(WHEELHOUSE), "pulumi==3.140.0"]
        subprocess.run(install, check=True, timeout=300)
        app = base / "repo" / "app"
        app.mkdir(parents=True)
        (app / "Pulumi.yaml").write_text("name: app\nruntime: python\n")
        (app / "__main__.py").write_text(DEDICATED_PROGRAM)
        for path in (base / "repo", app):
            path.chmod(0o755)
        monkeypatch.setattr(launcher, "project_interpreter", lambda *_: venv / "bin" / "python")
        monkeypatch.setattr(starter, "confine", functools.partial(confine, probe=lambda: no_bubblewrap))
        graph = evaluate_project(app, "dev", repo_root=base / "repo", timeout=120)
        assert graph.error is None, graph.error
        assert graph.confinement == "process"
        assert graph.outputs["uid"] >= 0x6000_0000
        assert graph.outputs["write_project"] == "PermissionError"
        assert graph.outputs["write_home"] == "done"
        assert [(r.type, r.name) for r in graph.resources] == [("aws:sqs/queue:Queue", "jobs")]
        assert not (app / "planted.py").exists()
    finally:
        shutil.rmtree(base, ignore_errors=True)
