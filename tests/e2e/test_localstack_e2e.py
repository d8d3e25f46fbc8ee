"""End to end on LocalStack: `gitops agent --engine pulumi` applies the dev stacks (the real Pulumi CLI,
a local file backend), the resources are checked through the AWS API, then a visible change and its
`gitops rollback` revert are applied and checked too.

Skips (with the reason) without the Pulumi CLI or a LocalStack answering on loopback at
LOCALSTACK_ENDPOINT. Which stacks: E2E_STACKS, default all three with LOCALSTACK_AUTH_TOKEN (Pro),
else database + serverless without their Pro-only parts (tests/e2e/support.py COMMUNITY_KNOBS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.scenario import REPO_ROOT, run_scenario
from tests.e2e.support import (
    LOG_GROUP,
    boto3_clients,
    checkpoint_resources,
    edition_mismatch,
    expected_types,
    get_config,
    knobs_for,
    localstack_endpoint,
    log_group_retention,
    missing_resources,
    missing_types,
    of_type,
    probe_health,
    selected_stacks,
    skip_reason,
    stack_outputs,
)


@pytest.mark.pulumi_cli
@pytest.mark.localstack
@pytest.mark.slow
def test_agent_applies_dev_stacks_to_localstack_then_a_revert(tmp_path: Path) -> None:
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    endpoint = localstack_endpoint()
    stacks = selected_stacks()
    knobs = knobs_for(stacks)
    mismatch = edition_mismatch(probe_health(endpoint) or {}, knobs, endpoint)
    if mismatch is not None:
        pytest.fail(mismatch)
    backend = tmp_path / "state" / "backend"
    clients = {
        s: boto3_clients(endpoint, str(get_config(REPO_ROOT / "stacks" / s, "dev", "aws:region")))
        for s in stacks
    }

    def check(step: str, retention: Any) -> None:
        for stack in stacks:
            resources = checkpoint_resources(backend, stack, "dev")
            assert not missing_types(resources, expected_types(stack, knobs)), (step, stack)
            assert missing_resources(resources, clients[stack]) == [], (step, stack)
        outputs = {s: stack_outputs(checkpoint_resources(backend, s, "dev")) for s in stacks}
        table = clients["database"]("dynamodb").describe_table(TableName=outputs["database"]["tableName"])
        assert table["Table"]["TableStatus"] == "ACTIVE"
        if "serverless" in stacks:
            for name in outputs["serverless"]["functionNames"]:
                clients["serverless"]("lambda").get_function(FunctionName=name)
            queue = outputs["serverless"]["queueUrl"].rstrip("/").rsplit("/", 1)[-1]
            clients["serverless"]("sqs").get_queue_url(QueueName=queue)
        target = stacks[-1]
        groups = [str(r["id"]) for r in of_type(checkpoint_resources(backend, target, "dev"), LOG_GROUP)]
        assert groups, f"{step}: {target} has no log groups to check"
        assert log_group_retention(clients[target], groups) == dict.fromkeys(groups, retention), step

    run = run_scenario(
        tmp_path, stacks, engine="pulumi", endpoint=endpoint, knobs=knobs, check=check, timeout=3600
    )
    assert {row["project"] for row in run.history if row["action"] == "applied"} == set(stacks)
