"""Every taggable resource carries the mandatory tags; every resource type the stacks promise is
in the evaluated graph; bad config fails with one line naming the stack."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from platform_components.tagging import accepts_tags, merge_tags

from .conftest import RUNNER, STACKS

CASES = [(p, e) for p in ("database", "serverless", "edge") for e in ("dev", "prod")]
EXPECTED_TAGS = {
    "database": {"owner": "platform-team", "cost-center": "cc-1001", "data-classification": "confidential"},
    "serverless": {"owner": "orders-team", "cost-center": "cc-2002", "data-classification": "confidential"},
    "edge": {"owner": "web-team", "cost-center": "cc-3003", "data-classification": "public"},
}
REQUIRED_TYPES = {
    "database": {
        "aws:kms/key:Key",
        "aws:dynamodb/table:Table",
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:backup/plan:Plan",
        "aws:backup/selection:Selection",
    },
    "serverless": {
        "aws:kms/key:Key",
        "aws:lambda/function:Function",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:sqs/queue:Queue",
        "aws:apigatewayv2/api:Api",
        "aws:apigatewayv2/integration:Integration",
        "aws:apigatewayv2/route:Route",
        "aws:apigatewayv2/stage:Stage",
        "aws:lambda/permission:Permission",
        "aws:lambda/eventSourceMapping:EventSourceMapping",
    },
    "edge": {
        "aws:cloudfront/distribution:Distribution",
        "aws:wafv2/webAcl:WebAcl",
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        "aws:cloudfront/originAccessControl:OriginAccessControl",
        "aws:cloudfront/function:Function",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:kms/key:Key",
    },
}


@pytest.mark.parametrize(("project", "env"), CASES)
def test_every_taggable_resource_has_the_mandatory_tags(stack_graph, project, env):
    graph = stack_graph(project, env)
    expected = {**EXPECTED_TAGS[project], "environment": env, "project": project}
    taggable = [r for r in graph.resources if r["custom"] and accepts_tags(r["type"])]
    assert len(taggable) >= 8
    for resource in taggable:
        assert resource["inputs"].get("tags") == expected, f"{resource['type']} {resource['name']}"


@pytest.mark.parametrize(("project", "env"), CASES)
def test_every_promised_resource_type_is_in_the_graph(stack_graph, project, env):
    assert REQUIRED_TYPES[project] <= stack_graph(project, env).types()


def test_accepts_tags_reads_the_provider_schema():
    assert accepts_tags("aws:dynamodb/table:Table")
    assert accepts_tags("aws:lambda/function:Function")
    assert not accepts_tags("aws:apigatewayv2/route:Route")
    assert not accepts_tags("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    assert not accepts_tags("platform:data:SecureTable")
    assert not accepts_tags("aws:nosuchmodule/thing:Thing")


def test_merge_tags_keeps_resource_tags_and_leaves_unknown_values_alone():
    defaults = {"owner": "a", "project": "p"}
    assert merge_tags(defaults, None) == defaults
    assert merge_tags(defaults, {"owner": "b", "Name": "x"}) == {"owner": "b", "project": "p", "Name": "x"}
    assert merge_tags(defaults, object()) is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("  database:owner: platform-team\n", ""), "missing config database:owner"),
        (
            lambda text: text.replace("database:logRetentionDays: 30", "database:logRetentionDays: 45"),
            "config logRetentionDays=45 is not a CloudWatch value",
        ),
        (
            lambda text: text.replace("database:logRetentionDays: 30", "database:logRetentionDays: soon"),
            "config database:logRetentionDays must be int",
        ),
    ],
)
def test_bad_config_fails_with_one_line_naming_the_stack(tmp_path, edit, message):
    project = tmp_path / "database"
    shutil.copytree(STACKS / "database", project, ignore=shutil.ignore_patterns("__pycache__"))
    config = project / "Pulumi.dev.yaml"
    edited = edit(config.read_text())
    assert edited != config.read_text()
    config.write_text(edited)
    refs = tmp_path / "refs.json"
    refs.write_text("{}")
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(project), "dev", str(refs), str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0
    assert f"stack database/dev: {message}" in proc.stderr


# Pulumi modules whose LocalStack endpoint key differs from the module name.
ENDPOINT_KEY = {"cloudwatch": "cloudwatchlogs"}


@pytest.mark.parametrize("project", ["database", "serverless", "edge"])
def test_dev_config_points_every_service_the_program_uses_at_localstack(stack_graph, project):
    graph = stack_graph(project, "dev")
    used = {
        ENDPOINT_KEY.get(module, module)
        for module in (r["type"].split(":")[1].split("/")[0] for r in graph.resources if r["custom"])
    }
    config = yaml.safe_load((STACKS / project / "Pulumi.dev.yaml").read_text())["config"]
    (endpoints,) = config["aws:endpoints"]
    assert used - {"index"} <= set(endpoints), used - set(endpoints)
    assert set(endpoints.values()) == {"http://localhost:4566"}
    assert config["aws:accessKey"] == "test" and config["aws:secretKey"] == "test"
    assert config["aws:s3UsePathStyle"] is True and config["aws:skipCredentialsValidation"] is True
    prod = yaml.safe_load((STACKS / project / "Pulumi.prod.yaml").read_text())["config"]
    assert [k for k in prod if k.startswith("aws:")] == ["aws:region"]
