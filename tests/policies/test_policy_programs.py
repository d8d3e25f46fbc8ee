"""End to end on Pulumi programs: evaluate (mock runtime) -> bridge -> Checkov with our checks.

programs/compliant passes every CKV_ORG check that applies; programs/noncompliant breaks each one
(CKV_ORG_2 through the stack's aws:region, reported on that line of Pulumi.dev.yaml).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.bridge import to_terraform_plan
from compliance.evaluate import evaluate_project
from compliance.scan import scan
from policies.context import set_env

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("env")]

PROGRAMS = Path(__file__).parent / "programs"
REPO = Path(__file__).resolve().parents[2]


def results(program: str, check_ids: list[str]) -> dict[str, str]:
    graph = evaluate_project(PROGRAMS / program, "dev", repo_root=REPO)
    assert graph.error is None
    set_env("dev")
    findings = scan([(graph, to_terraform_plan(graph))], check_ids=check_ids)[(graph.project, "dev")]
    return {f"{f.check_id} {f.resource} {f.type.split(':')[1]}": f.result for f in findings}


def test_compliant_program_passes_every_check(org_checks: list[str]) -> None:
    got = results("compliant", org_checks)
    assert {k for k, v in got.items() if v != "passed"} == set()
    checks_hit = {k.split()[0] for k in got}
    assert checks_hit == set(org_checks)


def test_noncompliant_program_fails_each_check(org_checks: list[str]) -> None:
    got = results("noncompliant", org_checks)
    failed = {k for k, v in got.items() if v == "failed"}
    assert failed == {
        "CKV_ORG_1 untagged sqs/queue",
        "CKV_ORG_2 default-provider providers",
        "CKV_ORG_3 api lambda/function",
        "CKV_ORG_4 untagged sqs/queue",
        "CKV_ORG_4 public s3/bucketServerSideEncryptionConfigurationV2",
        "CKV_ORG_4 orders dynamodb/table",
        "CKV_ORG_4 events sns/topic",
        "CKV_ORG_4 forever cloudwatch/logGroup",
        "CKV_ORG_4 db rds/cluster",
        "CKV_ORG_5 api lambda/function",
        "CKV_ORG_6 api lambda/function",
        "CKV_ORG_7 site cloudfront/distribution",
        "CKV_ORG_8 site cloudfront/distribution",
        "CKV_ORG_9 forever cloudwatch/logGroup",
        "CKV_ORG_10 db rds/cluster",
        "CKV_ORG_11 api lambda/function",
        "CKV_ORG_12 public s3/bucketV2",
        "CKV_ORG_13 public s3/bucketPublicAccessBlock",
        "CKV_ORG_14 db-1 rds/clusterInstance",
    }
