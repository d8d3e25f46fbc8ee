"""The `gitops` console script ends quickly but keeps the exit status, the output and atexit work."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_the_quick_exit_keeps_status_output_and_atexit_handlers(tmp_path: Path) -> None:
    done = run(
        f"""
        import atexit, sys, tempfile
        from gitops_agent import cli
        keep = tempfile.TemporaryDirectory(dir={str(tmp_path)!r})  # cleaned by a finalizer at exit
        atexit.register(lambda: print("atexit ran", flush=False))
        sys.argv = ["gitops"]
        print("before", end="")  # unflushed
        cli.console()
        print("never reached")
        """
    )
    assert done.returncode == 2  # no command: help, status 2
    assert done.stdout.startswith("beforeusage: gitops")
    assert "atexit ran" in done.stdout and "never reached" not in done.stdout
    assert list(tmp_path.iterdir()) == []  # the temporary directory's finalizer ran


def test_with_another_thread_alive_the_exit_is_the_normal_one() -> None:
    done = run(
        """
        import sys, threading, time
        from gitops_agent import cli
        def late():
            time.sleep(0.5)
            print("the thread finished", flush=True)
        threading.Thread(target=late).start()
        sys.argv = ["gitops"]
        cli.console()
        """
    )
    assert done.returncode == 2
    assert done.stdout.rstrip().endswith("the thread finished")


def commands(parser: argparse.ArgumentParser) -> set[str]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(sub.choices)


ALL = {
    "check",
    "install",
    "preview",
    "agent",
    "sync",
    "status",
    "history",
    "stack",
    "drift",
    "rollback",
    "init",
}


def test_a_run_registers_only_what_its_command_needs_help_and_errors_see_all() -> None:
    from gitops_agent.cli import build_parser

    assert commands(build_parser()) == ALL
    assert commands(build_parser("check")) == {"check"}
    assert commands(build_parser("status")) >= {"status", "agent"} and "init" not in commands(
        build_parser("status")
    )
    assert commands(build_parser("nosuch")) == ALL  # the error lists every command
    args = build_parser("check").parse_args(["check", "stacks", "--format", "json"])
    assert args.command == "check" and args.format == "json"


def test_version_is_printed_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    from gitops_agent.cli import main, version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"gitops {version()}\n"
