"""A Resource object passed as an input (a resource reference) evaluates and bridges like Terraform."""

from __future__ import annotations

from pathlib import Path

from compliance.bridge import to_terraform_plan
from compliance.evaluate import evaluate_project

PROGRAM = """\
import json
import pulumi_aws as aws

role = aws.iam.Role("reader", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
aws.iam.RolePolicyAttachment("reader-ro", role=role, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess")
"""


def test_resource_object_as_input(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: refs\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    graph = evaluate_project(tmp_path, "dev", timeout=120)
    assert graph.error is None, graph.error
    role = next(r for r in graph.resources if r.name == "reader")
    attachment = next(r for r in graph.resources if r.name == "reader-ro")
    assert attachment.property_dependencies["role"] == [role.urn]

    plan = to_terraform_plan(graph).plan
    resources = plan["configuration"]["root_module"]["resources"]
    att = next(r for r in resources if r["type"] == "aws_iam_role_policy_attachment")
    assert any(ref.startswith("aws_iam_role.reader") for ref in att["expressions"]["role"]["references"])
