"""The check process: jobs run in a forked child warmed first; failures come back; it always ends."""

from __future__ import annotations

import gc
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
        reports.append(report)
    forked, in_process = reports
    findings = [
        sorted((f.resource, f.check_id, f.result, f.level, f.line) for s in r.stacks for f in s.findings)
        for r in reports
    ]
    assert findings[0] == findings[1]
    assert any(result == "failed" for _, _, result, _, _ in findings[0])
    # the whole report survives its trip back from the check process (sent as JSON)
    assert forked == in_process


IDLE_STEPS: list[int] = []


def count_steps(limit: int | None) -> Iterator[None]:
    """Idle work: one step per entry in IDLE_STEPS, `limit` of them (None: never ends)."""
    step = 0
    while limit is None or step < limit:
        IDLE_STEPS.append(step)
        step += 1
        threading.Event().wait(0.01)
        yield


def idle_steps_done() -> list[int]:
    return list(IDLE_STEPS)


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "in-process"])
def test_idle_work_runs_before_the_first_job_and_yields_to_it(fork: bool) -> None:
    IDLE_STEPS.clear()
    finite = check_process.start(warm, idle=lambda: count_steps(5), fork=fork)
    try:
        threading.Event().wait(1.0)  # no job for a while: the idle work finishes
        assert finite.run(idle_steps_done) == [0, 1, 2, 3, 4]
    finally:
        finite.close()
    IDLE_STEPS.clear()
    endless = check_process.start(warm, idle=lambda: count_steps(None), fork=fork)
    try:  # idle work that never ends: a job still runs, and the steps stop for it
        first = endless.run(idle_steps_done)
        threading.Event().wait(0.2)
        assert endless.run(idle_steps_done) == first
    finally:
        endless.close()


def test_warming_while_idle_parses_every_jsonpath_of_the_graph_checks_into_checkovs_cache() -> None:
    from checkov.common.checks_infra.solvers.attribute_solvers.base_attribute_solver import (
        BaseAttributeSolver,
    )

    from compliance.gate import idle_work
    from compliance.scan import jsonpath_statements

    steps = sum(1 for _ in idle_work()())
    statements = jsonpath_statements()
    # CKV2_AWS_68 (SageMaker notebooks' IAM roles) reads its role's policy through one
    assert "policy.Statement[?(@.Effect == Allow)].Action[*]" in statements
    assert steps == 1 + len(statements)  # building the parser, then one per expression
    assert set(statements) <= set(BaseAttributeSolver.jsonpath_parsed_statement_cache)


def test_the_shared_jsonpath_parser_gives_what_checkovs_parse_gives() -> None:
    from bc_jsonpath_ng.ext import parse

    from compliance.scan import _jsonpath_parser, jsonpath_statements, preload

    preload()
    shared = _jsonpath_parser()
    assert shared is not parse  # the library is the one this was written against
    for statement in jsonpath_statements():
        assert shared(statement) == parse(statement), statement
        assert repr(shared(statement)) == repr(parse(statement)), statement


def test_a_report_survives_the_json_it_crosses_the_pipe_as() -> None:
    """run_check's check process sends the Report as JSON: nothing of a real report may change."""
    from compliance import gate
    from compliance.evaluate import evaluate_project
    from compliance.model import Report
    from policies.loader import unload_external_checks

    repo = Path(__file__).resolve().parents[2]
    graph = evaluate_project(repo / "tests" / "fidelity" / "programs" / "s3", "dev", repo_root=repo)
    try:
        report = gate.check_with_policies([graph], "dev", repo_root=repo)
    finally:
        unload_external_checks()
    assert report.stacks[0].findings and report.summary
    assert Report.model_validate_json(report.model_dump_json()) == report


def failing_idle_work() -> Iterator[None]:
    yield
    raise OSError("idle work failed")


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "in-process"])
def test_failing_idle_work_does_not_fail_the_jobs(fork: bool) -> None:
    checker = check_process.start(warm, idle=failing_idle_work, fork=fork)
    try:
        threading.Event().wait(0.3)
        pid, _ = checker.run(where_and_warmed)
        assert (pid != os.getpid()) == fork
    finally:
        checker.close()


LOADED: list[object] = []
SEEN_WHILE_IDLE: list[tuple[int, bool, bool]] = []


def warm_with_cycles() -> None:
    """Warming that leaves many objects behind, like importing Checkov."""
    LOADED.extend([[]] for _ in range(20_000))
    for item in LOADED:
        item[0].append(item)  # type: ignore[index]  # cycles: what the collector walks


def watch_the_collector() -> Iterator[None]:
    SEEN_WHILE_IDLE.append((gc.get_freeze_count(), gc.isenabled(), bool(LOADED)))
    yield


def seen_while_idle() -> list[tuple[int, bool, bool]]:
    return list(SEEN_WHILE_IDLE)


def test_what_warming_loads_is_out_of_the_collectors_sight_before_idle_work_starts() -> None:
    checker = ForkedChecker(warm_with_cycles, idle=watch_the_collector)
    try:
        threading.Event().wait(0.5)
        ((frozen, enabled, loaded),) = checker.run(seen_while_idle)
    finally:
        checker.close()
    assert loaded and frozen >= 40_000  # frozen before any collection could walk it
    assert enabled  # and the collector runs again for what idle work allocates
