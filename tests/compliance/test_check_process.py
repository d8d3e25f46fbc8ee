"""The check process: jobs run in a forked child warmed first; failures come back; it always ends."""

from __future__ import annotations

import os
import signal
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from compliance import check_process
from compliance.check_process import CheckProcessDied, ForkedChecker, InProcessChecker
from compliance.errors import ConfigError

WARMED: list[int] = []


def warm() -> None:
    WARMED.append(os.getpid())


def where_and_warmed() -> tuple[int, list[int]]:
    return os.getpid(), list(WARMED)


def fail_with(message: str) -> None:
    raise ConfigError(message)


def unpicklable() -> object:
    return threading.Lock()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def block_forever() -> None:
    threading.Event().wait()


def test_jobs_run_in_the_child_after_its_warm_up() -> None:
    WARMED.clear()
    checker = ForkedChecker(warm)
    try:
        first = checker.run(where_and_warmed)
        second = checker.run(where_and_warmed)  # one child serves every job
    finally:
        checker.close()
    child, warmed = first
    assert child != os.getpid()
    assert warmed == [child]  # warmed once, in the child
    assert second == first
    assert WARMED == []  # not in the gate's process


@pytest.fixture
def forked() -> Iterator[ForkedChecker]:
    """A forked checker, closed after the test."""
    checker = ForkedChecker(warm)
    try:
        yield checker
    finally:
        checker.close()


def test_a_jobs_exception_is_raised_in_the_gate_with_its_type(forked: ForkedChecker) -> None:
    with pytest.raises(ConfigError, match=r"policies/enforcement\.yaml: bad level"):
        forked.run(fail_with, "policies/enforcement.yaml: bad level")
    assert forked.run(where_and_warmed)[0] != os.getpid()  # the child still serves


def test_an_unpicklable_result_is_an_error_naming_its_type(forked: ForkedChecker) -> None:
    with pytest.raises(RuntimeError, match="lock"):
        forked.run(unpicklable)


def test_a_child_that_dies_is_reported(forked: ForkedChecker) -> None:
    with pytest.raises(CheckProcessDied, match="signal 9"):
        forked.run(die)


def test_close_lets_the_child_exit_by_itself() -> None:
    checker = ForkedChecker(warm)
    checker.run(where_and_warmed)
    checker.close()
    assert checker._process.exitcode == 0  # ended on EOF, not killed after the close timeout


def test_an_error_in_the_gate_kills_the_child() -> None:
    with pytest.raises(KeyError), check_process.checker(warm, fork=True) as checker:
        checker.run(where_and_warmed)
        raise KeyError("the gate failed")
    assert isinstance(checker, ForkedChecker)
    assert checker._process.exitcode == -signal.SIGKILL


def test_kill_ends_a_running_job() -> None:
    checker = ForkedChecker(warm)
    outcome: list[BaseException] = []

    def wait_for_job() -> None:
        try:
            checker.run(block_forever)
        except BaseException as exc:
            outcome.append(exc)

    waiting = threading.Thread(target=wait_for_job)
    waiting.start()
    threading.Event().wait(0.5)
    checker.kill()
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], CheckProcessDied)


def test_without_fork_or_with_checkov_loaded_jobs_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "checkov.terraform", types.ModuleType("checkov.terraform"))
    loaded = check_process.start(warm)
    monkeypatch.delitem(sys.modules, "checkov.terraform")
    monkeypatch.delattr(os, "fork")
    no_fork = check_process.start(warm)
    for checker in (loaded, no_fork):
        assert isinstance(checker, InProcessChecker)
        assert checker.run(where_and_warmed)[0] == os.getpid()
        checker.close()


def test_run_check_gives_the_same_report_forked_or_not(tmp_path: Path) -> None:
    """The gate's check phase in the check process and in-process: the same findings and lines."""
    from compliance import gate

    repo = Path(__file__).resolve().parents[2]
    program = repo / "tests" / "fidelity" / "programs" / "s3"
    from policies.loader import unload_external_checks

    reports = []
    for fork in (True, False):
        try:
            with check_process.checker(gate.warm_up, fork=fork) as checker:
                report = gate.run_check([program], "dev", repo_root=repo, checker=checker)
        finally:
            unload_external_checks()  # in-process, our checks stay registered in Checkov otherwise
        reports.append(
            sorted(
                (f.resource, f.check_id, f.result, f.level, f.line) for s in report.stacks for f in s.findings
            )
        )
    assert reports[0] == reports[1]
    assert any(result == "failed" for _, _, result, _, _ in reports[0])
