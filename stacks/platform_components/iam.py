"""Small builders for IAM policy documents, so least-privilege policies read as data."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi


def statement(actions: Sequence[str], resources: Sequence[pulumi.Input[str]]) -> dict[str, Any]:
    """An Allow statement for `actions` on exactly `resources` (no wildcards unless you pass them)."""
    return {"Effect": "Allow", "Action": list(actions), "Resource": list(resources)}


def policy_document(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """A JSON policy document; statements may hold Outputs (ARNs of other resources)."""
    return pulumi.Output.from_input(list(statements)).apply(
        lambda resolved: json.dumps({"Version": "2012-10-17", "Statement": resolved})
    )


def assume_role_policy(service: str) -> str:
    """A trust policy letting one AWS service principal assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )
