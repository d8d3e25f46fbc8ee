"""ForkedPlanRunner gives exactly Checkov's records; ForkedCall returns, raises and reports deaths."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compliance.plan_runner import GRAPH_READING_CHECKS, ForkedCall, ForkedPlanRunner
from compliance.scan import _LOCK, OFFLINE_ENV, preload
from tests.fidelity.plans import plan_files as write_plan_files

# apigw_v1: a resource check that reads the graph (CKV2_AWS_70); s3, network: CKV2 graph checks failing
CASES = ("apigw_v1", "s3", "network")

Outcome = tuple[str, str, str, str]


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Bridged plans of three fidelity programs, one file each as the gate writes them."""
    return write_plan_files(CASES, tmp_path_factory.mktemp("plans"))


def outcomes(runner: Any, files: list[str]) -> list[Outcome]:
    """(check id, resource, result, file) of every record of one runner run, sorted."""
    from checkov.runner_filter import RunnerFilter

    preload()
    runner_filter = RunnerFilter(framework=["terraform_plan"], download_external_modules=False)
    with _LOCK:
        report = runner.run(root_folder=None, files=files, runner_filter=runner_filter)
    records = report.passed_checks + report.failed_checks + report.skipped_checks
    return sorted(
        (r.check_id, r.resource, r.check_result["result"].name, Path(r.file_abs_path).parent.name)
        for r in records
    )


@pytest.fixture(scope="module")
def checkov_runner_outcomes(plan_files: list[str]) -> list[Outcome]:
    from checkov.terraform.plan_runner import Runner

    return outcomes(Runner(), plan_files)


def test_forked_runner_gives_checkovs_records(
    plan_files: list[str], checkov_runner_outcomes: list[Outcome]
) -> None:
    forked = outcomes(ForkedPlanRunner(), plan_files)
    assert forked == checkov_runner_outcomes
    graph_failures = {o for o in forked if o[0].startswith("CKV2_") and o[2] == "FAILED"}
    assert {o[3] for o in graph_failures} >= {"s3", "network"}
    # CKV2_AWS_70 is a resource check that walks the graph (the method's REST API and its policy)
    assert any(o[:2] == ("CKV2_AWS_70", "aws_api_gateway_method.get_items") for o in forked)


def test_without_fork_it_runs_sequentially_with_the_same_records(
    plan_files: list[str], checkov_runner_outcomes: list[Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "fork")
    assert outcomes(ForkedPlanRunner(), plan_files) == checkov_runner_outcomes


def test_resource_records_are_handed_over_before_the_graph_exists(plan_files: list[str]) -> None:
    """The parent's resource checks need no graph: their records reach the caller while the child
    builds it; graph checks and graph-reading resource checks come from the child."""
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.runner_filter import RunnerFilter

    preload()
    graph_check_ids = {c.id for c in get_graph_checks_registry("terraform").checks}
    handed: list[tuple[list[Any], bool]] = []
    runner = ForkedPlanRunner(
        on_resource_records=lambda batch: handed.append((list(batch), runner.tf_plan_local_graph is None))
    )
    with _LOCK:
        report = runner.run(
            root_folder=None, files=plan_files, runner_filter=RunnerFilter(framework=["terraform_plan"])
        )
    everything = report.passed_checks + report.failed_checks + report.skipped_checks
    assert len(handed) == 1
    early, no_graph_here = handed[0]
    assert no_graph_here
    early_ids = {r.check_id for r in early}
    assert early and not early_ids & graph_check_ids and not early_ids & GRAPH_READING_CHECKS
    assert {id(r) for r in early} < {id(r) for r in everything}
    assert {r.check_id for r in everything} & graph_check_ids  # the graph checks' records came later
    assert "CKV2_AWS_70" in {r.check_id for r in everything}  # and the graph-reading resource check's
    assert len(report.resources) == len(_checkov_resources(plan_files))


def _checkov_resources(plan_files: list[str]) -> set[str]:
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.plan_runner import Runner

    with _LOCK:
        report = Runner().run(
            root_folder=None, files=plan_files, runner_filter=RunnerFilter(framework=["terraform_plan"])
        )
    return set(report.resources)


def test_the_graph_reading_checks_are_exactly_those_that_read_the_graph() -> None:
    """GRAPH_READING_CHECKS names every registered resource check whose code uses `self.graph`."""
    import inspect

    from checkov.terraform.checks.resource.registry import resource_registry

    preload()
    reading = {
        check.id
        for _entity, check in resource_registry.all_checks()
        if "self.graph" in inspect.getsource(type(check))
    }
    assert reading == GRAPH_READING_CHECKS


def test_run_checkov_delivers_every_record_once(plan_files: list[str]) -> None:
    from compliance.scan import run_checkov

    batches: list[list[Any]] = []
    records = run_checkov([Path(f) for f in plan_files], on_records=lambda batch: batches.append(list(batch)))
    assert len(batches) == 2
    delivered = [id(r) for batch in batches for r in batch]
    assert len(delivered) == len(set(delivered)) == len(records)
    assert set(delivered) == {id(r) for r in records}


def test_plans_read_without_line_marks_give_the_same_records(
    plan_files: list[str], checkov_runner_outcomes: list[Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    """OFFLINE_ENV's CHECKOV_MAX_IAC_FILE_SIZE=0 sends plans through json.loads: same records."""
    from checkov.cloudformation.parser import cfn_yaml
    from checkov.terraform.plan_runner import Runner

    assert OFFLINE_ENV["CHECKOV_MAX_IAC_FILE_SIZE"] == "0"
    with_marks = {}
    for limit in (0, 50_000_000):
        monkeypatch.setattr(cfn_yaml, "MAX_IAC_FILE_SIZE", limit)
        with_marks[limit] = outcomes(Runner(), plan_files)
    assert with_marks[0] == with_marks[50_000_000] == checkov_runner_outcomes


@pytest.fixture
def no_leftovers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """ForkedCall's temporary files go to tmp_path; none may remain afterwards."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    yield tmp_path
    assert list(tmp_path.iterdir()) == []


def test_forked_call_returns_the_childs_value(no_leftovers: Path) -> None:
    parent = os.getpid()
    call = ForkedCall(lambda: {"pid": os.getpid(), "data": list(range(5))})
    value = call.result()
    assert value["data"] == [0, 1, 2, 3, 4]
    assert value["pid"] != parent


def test_forked_call_reraises_the_childs_exception(no_leftovers: Path) -> None:
    def fail() -> None:
        raise ValueError("graph check exploded")

    with pytest.raises(ValueError, match="graph check exploded"):
        ForkedCall(fail).result()


def test_forked_call_reports_an_unpicklable_exception_by_name(no_leftovers: Path) -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail() -> None:
        raise Local("no pickle")

    with pytest.raises(RuntimeError, match="Local: no pickle"):
        ForkedCall(fail).result()


def test_forked_call_reports_a_child_that_died(no_leftovers: Path) -> None:
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(RuntimeError, match="died \\(signal 9\\)"):
        ForkedCall(die).result()


def _state(pid: int) -> str | None:
    """The process's state letter from /proc (None: gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux-only")
def test_a_forked_call_dies_with_the_process_that_forked_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ForkedCall inside a killed ForkedCall (the check process's graph work) is not orphaned."""
    import tempfile

    pidfile = tmp_path / "grandchild"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the killed middle leaves its file here

    def middle() -> None:
        inner = ForkedCall(lambda: threading.Event().wait(120))
        pidfile.write_text(str(inner._pid))
        threading.Event().wait(120)

    outer = ForkedCall(middle)
    for _ in range(500):
        if pidfile.exists() and pidfile.read_text():
            break
        threading.Event().wait(0.02)
    grandchild = int(pidfile.read_text())
    os.kill(outer._pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="signal 9"):
        outer.result()
    for _ in range(500):
        if _state(grandchild) in (None, "Z"):
            break
        threading.Event().wait(0.02)
    assert _state(grandchild) in (None, "Z")


def test_graph_checks_are_split_by_the_resources_they_read() -> None:
    from types import SimpleNamespace

    from compliance.plan_runner import split_by_cost

    def check(name: str, types: list[str], *subs: SimpleNamespace) -> SimpleNamespace:
        return SimpleNamespace(id=name, resource_types=types, connected_resources_types=[], sub_checks=subs)

    counts = {"aws_iam_role": 100, "aws_s3_bucket": 50, "aws_kms_key": 10}
    checks = [
        check("a", ["aws_s3_bucket"]),  # cost 51
        check("b", ["aws_iam_role"]),  # 101
        check("c", ["aws_kms_key"]),  # 11
        check("d", ["azurerm_storage_account"]),  # 1: no such resource
        check("e", [], check("e1", ["aws_s3_bucket"]), check("e2", ["aws_kms_key"])),  # 61
        check("f", ["aws_sagemaker_notebook_instance"]),  # 1
    ]
    first, second = split_by_cost(checks, counts)
    # 113 against 113, each half in the checks' own order (every other check would be 63 / 163)
    assert [c.id for c in first] == ["b", "c", "d"]
    assert [c.id for c in second] == ["a", "e", "f"]
    everything = check("g", ["all"])
    assert split_by_cost([*checks, everything], counts)[0][-1] is everything  # the heaviest of all
