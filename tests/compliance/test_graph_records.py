"""compliance.graph_records: Checkov's graph-check records, without copying each vertex."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance import graph_records
from compliance.scan import _LOCK, preload
from tests.fidelity.plans import plan_files


def test_everything_but_the_entity_is_a_deep_copy_in_the_same_order() -> None:
    from checkov.common.util.data_structures_utils import pickle_deepcopy

    entity = {"config": {"bucket": ["logs"]}, "attributes": {"tags": {"team": "data"}}}
    result = {
        "result": "FAILED",
        "entity": entity,
        "evaluated_keys": ["acl", ["nested"]],
        "extra": {"a": [1]},
    }
    copied = graph_records.copy_check_result(result)
    assert copied == pickle_deepcopy(result)
    assert list(copied) == list(result)  # the runner replaces `entity` in place: same key order
    assert copied["entity"] is entity  # not copied: the runner throws the copy away
    assert copied["evaluated_keys"] is not result["evaluated_keys"]
    assert copied["extra"]["a"] is not result["extra"]["a"]  # type: ignore[index]
    for other in ([1, {"entity": 2}], {"result": "PASSED"}, "text"):
        assert graph_records.copy_check_result(other) == pickle_deepcopy(other)


def _graph_records(files: list[str]) -> list[tuple[str, str, str]]:
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.plan_runner import Runner

    runner_filter = RunnerFilter(framework=["terraform_plan"], download_external_modules=False)
    with _LOCK:
        report = Runner().run(root_folder=None, files=files, runner_filter=runner_filter)
    records = report.passed_checks + report.failed_checks + report.skipped_checks
    return sorted(
        (r.check_id, r.resource, json.dumps(r.check_result, default=str))
        for r in records
        if r.check_id.startswith("CKV2_")
    )


def test_checkov_gives_the_same_graph_records_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import checkov.terraform.base_runner as base_runner
    from checkov.common.util.data_structures_utils import pickle_deepcopy

    preload()  # installs graph_records
    assert base_runner.pickle_deepcopy is graph_records.copy_check_result  # type: ignore[attr-defined]
    files = plan_files(("s3", "network", "iam", "cdn"), tmp_path)
    fast: list[Any] = _graph_records(files)
    monkeypatch.setattr(base_runner, "pickle_deepcopy", pickle_deepcopy)
    assert _graph_records(files) == fast
    assert len(fast) > 20 and any("FAILED" in r[2] for r in fast)
