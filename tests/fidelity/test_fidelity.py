"""Fidelity: Checkov on our bridged Pulumi programs == Checkov on the equivalent Terraform HCL.

Each case is a small Pulumi program (programs/<case>) and the same resources in HCL (hcl/<case>),
with resource names equal to the Pulumi logical names. The programs go through the real pipeline
(compliance.evaluate -> compliance.bridge -> compliance.scan, all cases in one Checkov run); the HCL
goes through `checkov -d hcl --framework terraform` in a subprocess. The (check id, resource) sets of
passed and failed results must be equal per case, except the differences listed in KNOWN_DIFFERENCES.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.bridge import to_terraform_plan
from compliance.evaluate import evaluate_project
from compliance.model import StackGraph
from compliance.scan import OFFLINE_ENV, scan

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
REPO = HERE.parents[1]
CASES = sorted(p.name for p in (HERE / "programs").iterdir() if (p / "Pulumi.yaml").is_file())

Outcome = tuple[str, str, str, str]  # (case, check id, result, resource name)

LIFECYCLE = (
    "HCL-only: the check reads `lifecycle { create_before_destroy }`, a Terraform meta-argument that "
    "is not in a plan; Checkov's terraform_plan runner skips it (TF_LIFECYCLE_CHECK_IDS). Pulumi's "
    "equivalent is the deleteBeforeReplace resource option."
)

KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    # (check id, resource name in the HCL result or "*") -> why our pipeline cannot report it.
    ("CKV_AWS_217", "*"): LIFECYCLE,
    ("CKV_AWS_237", "*"): LIFECYCLE,
}


def _known(outcome: Outcome) -> bool:
    return (outcome[1], outcome[3]) in KNOWN_DIFFERENCES or (outcome[1], "*") in KNOWN_DIFFERENCES


@pytest.fixture(scope="session")
def graphs() -> dict[str, StackGraph]:
    """Every case program evaluated for env `dev` with the real evaluator."""
    return {case: evaluate_project(HERE / "programs" / case, "dev", repo_root=REPO) for case in CASES}


@pytest.fixture(scope="session")
def ours(graphs: dict[str, StackGraph]) -> set[Outcome]:
    """Outcomes of the bridge + in-process Checkov over all case programs (one scan call)."""
    assert all(g.error is None for g in graphs.values()), {c: g.error for c, g in graphs.items()}
    results = scan([(g, to_terraform_plan(g)) for g in graphs.values()])
    case_of = {(g.project, g.env): case for case, g in graphs.items()}
    # The stack's default provider (from stack config) is Terraform's `provider "aws"` block: `aws.default`.
    return {
        (case_of[key], f.check_id, f.result, "default" if f.resource == "default-provider" else f.resource)
        for key, findings in results.items()
        for f in findings
        if f.result in ("passed", "failed")
    }


@pytest.fixture(scope="session")
def theirs() -> set[Outcome]:
    """Outcomes of `checkov -d hcl --framework terraform` (a subprocess, offline)."""
    checkov = Path(sys.executable).parent / "checkov"
    args = ["-d", str(HERE / "hcl"), "--framework", "terraform", "-o", "json", "--compact", "--skip-download"]
    proc = subprocess.run(
        [str(checkov), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE_ENV},
        timeout=600,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    reports = json.loads(proc.stdout)
    out: set[Outcome] = set()
    for report in reports if isinstance(reports, list) else [reports]:
        for key, result in (("passed_checks", "passed"), ("failed_checks", "failed")):
            for record in report["results"].get(key, []):
                case = record["file_path"].strip("/").split("/")[0]
                out.add((case, record["check_id"], result, record["resource"].split(".", 1)[1]))
    return out


def test_cases_cover_at_least_70_aws_resource_types_in_at_least_25_cases(
    graphs: dict[str, StackGraph],
) -> None:
    assert len(CASES) >= 25, CASES
    tf_types = {
        address.split(".")[0]
        for graph in graphs.values()
        for address in to_terraform_plan(graph).addresses
        if not address.startswith("aws.")
    }
    assert len(tf_types) >= 70, sorted(tf_types)


def test_both_pipelines_report_nontrivial_passed_and_failed_sets(
    ours: set[Outcome], theirs: set[Outcome]
) -> None:
    for outcomes in (ours, theirs):
        passed = {o for o in outcomes if o[2] == "passed"}
        failed = {o for o in outcomes if o[2] == "failed"}
        assert len(passed) >= 100 and len(failed) >= 100
        assert any(o[1].startswith("CKV2_") for o in passed), "graph checks must pass somewhere"
        assert any(o[1].startswith("CKV2_") for o in failed), "graph checks must fail somewhere"


@pytest.mark.parametrize("case", CASES)
def test_passed_and_failed_sets_equal_hcl(case: str, ours: set[Outcome], theirs: set[Outcome]) -> None:
    mine = {o for o in ours if o[0] == case}
    hcl = {o for o in theirs if o[0] == case}
    allowed = {o for o in hcl ^ mine if _known(o)}
    assert mine - hcl - allowed == set(), "reported on the Pulumi program only"
    assert hcl - mine - allowed == set(), "reported on the HCL only"
    assert mine, f"no results for {case}"


def test_known_differences_still_occur(ours: set[Outcome], theirs: set[Outcome]) -> None:
    """Every listed difference is real (drop it from the list once the bridge covers it)."""
    diff = ours ^ theirs
    for check_id, resource in KNOWN_DIFFERENCES:
        assert any(o[1] == check_id and resource in ("*", o[3]) for o in diff), (check_id, resource)


def test_graph_connections_decide_results(ours: set[Outcome]) -> None:
    """Checks that depend on connected resources see the same connections as in Terraform."""
    expected = {
        ("s3", "CKV_AWS_21", "passed", "logs"),  # separate aws_s3_bucket_versioning resource
        ("s3", "CKV_AWS_145", "passed", "logs"),  # separate SSE configuration with a KMS key
        ("s3", "CKV2_AWS_6", "passed", "logs"),  # public access block attached by reference
        ("s3", "CKV2_AWS_6", "failed", "open"),
        ("network", "CKV2_AWS_5", "passed", "tight"),  # security group attached to an instance
        ("network", "CKV2_AWS_5", "failed", "open"),
    }
    assert expected <= ours


def test_findings_point_at_the_program_line(graphs: dict[str, StackGraph]) -> None:
    graph = graphs["s3"]
    findings = scan([(graph, to_terraform_plan(graph))], check_ids=["CKV_AWS_20"])[(graph.project, graph.env)]
    open_bucket = next(f for f in findings if f.resource == "open")
    source = (HERE / "programs" / "s3" / "__main__.py").read_text().splitlines()
    assert open_bucket.result == "failed"
    assert open_bucket.type == "aws:s3/bucket:Bucket"
    assert open_bucket.file == "tests/fidelity/programs/s3/__main__.py"
    assert open_bucket.line is not None and '"open"' in source[open_bucket.line - 1]


def test_component_children_report_at_the_stack_program_line(graphs: dict[str, StackGraph]) -> None:
    graph = graphs["component"]
    bridged = to_terraform_plan(graph)
    assert sorted(bridged.skipped.values()) == ["component resource", "component resource"]
    findings = scan([(graph, bridged)], check_ids=["CKV2_AWS_6"])[(graph.project, graph.env)]
    shared = next(f for f in findings if f.resource == "shared-bucket")
    source = (HERE / "programs" / "component" / "__main__.py").read_text().splitlines()
    assert shared.result == "failed"
    assert shared.file == "tests/fidelity/programs/component/__main__.py"
    assert shared.line is not None and 'PrivateBucket("shared"' in source[shared.line - 1]
