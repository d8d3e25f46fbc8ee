"""The bridge: Pulumi StackGraph -> Terraform plan JSON (names, shapes, references, addresses)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from compliance import mapping
from compliance.bridge import (
    DEFAULT_PROVIDER_ADDRESS,
    DEFAULT_PROVIDER_URN,
    assign_addresses,
    sanitize,
    to_terraform_plan,
)
from compliance.model import SECRET, Resource, SourcePosition, StackGraph

STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"


def res(token: str, name: str, inputs: dict[str, Any], **kw: Any) -> Resource:
    """A custom resource as the evaluator records it (camelCase inputs, outputs echo + arn)."""
    urn = f"urn:pulumi:dev::p::pulumi:pulumi:Stack${token}::{name}"
    outputs = kw.pop("outputs", {**inputs, "arn": f"arn:aws:mock:us-east-1:1:{name}"})
    return Resource(
        urn=urn,
        type=token,
        name=name,
        id=kw.pop("id", f"{name}-id"),
        inputs=inputs,
        outputs=outputs,
        source=SourcePosition(file="__main__.py", line=1),
        **kw,
    )


def graph(*resources: Resource) -> StackGraph:
    return StackGraph(project="p", path="stacks/p", env="dev", resources=list(resources))


def planned(plan: dict[str, Any], address: str) -> dict[str, Any]:
    resources = plan["planned_values"]["root_module"]["resources"]
    return next(r for r in resources if r["address"] == address)["values"]


def expressions(plan: dict[str, Any], address: str) -> dict[str, Any]:
    resources = plan["configuration"]["root_module"]["resources"]
    return next(r for r in resources if r["address"] == address)["expressions"]


@pytest.mark.parametrize(
    ("token", "tf_type"),
    [
        ("aws:s3/bucketV2:BucketV2", "aws_s3_bucket"),
        ("aws:s3/bucket:Bucket", "aws_s3_bucket"),
        ("aws:s3/bucketVersioning:BucketVersioning", "aws_s3_bucket_versioning"),
        ("aws:lambda/function:Function", "aws_lambda_function"),
        ("aws:rds/instance:Instance", "aws_db_instance"),
        ("aws:rds/cluster:Cluster", "aws_rds_cluster"),
        ("aws:rds/subnetGroup:SubnetGroup", "aws_db_subnet_group"),
        ("aws:ec2/securityGroup:SecurityGroup", "aws_security_group"),
        ("aws:ec2/instance:Instance", "aws_instance"),
        ("aws:cloudwatch/logGroup:LogGroup", "aws_cloudwatch_log_group"),
        ("aws:apigatewayv2/stage:Stage", "aws_apigatewayv2_stage"),
        ("aws:wafv2/webAcl:WebAcl", "aws_wafv2_web_acl"),
        ("aws:sns/topicSubscription:TopicSubscription", "aws_sns_topic_subscription"),
        ("aws:ebs/volume:Volume", "aws_ebs_volume"),
        ("aws:apigateway/stage:Stage", "aws_api_gateway_stage"),  # module apigateway -> api_gateway
        ("aws:opensearch/serverlessCollection:ServerlessCollection", "aws_opensearchserverless_collection"),
        ("aws:cloudtrail/trail:Trail", "aws_cloudtrail"),
        ("aws:cfg/rule:Rule", "aws_config_config_rule"),
        ("aws:cfg/recorder:Recorder", "aws_config_configuration_recorder"),
        ("aws:directconnect/connection:Connection", "aws_dx_connection"),
        ("random:index/randomPet:RandomPet", None),
        ("pulumi:providers:aws", None),
    ],
)
def test_type_tokens_map_to_terraform_types(token: str, tf_type: str | None) -> None:
    assert mapping.tf_type(token) == tf_type


def test_names_shapes_and_renames_come_from_the_pulumi_aws_metadata() -> None:
    table = res(
        "aws:dynamodb/table:Table",
        "orders",
        {
            "hashKey": "pk",
            "attributes": [{"name": "pk", "type": "S"}],
            "pointInTimeRecovery": {"enabled": True},
            "tags": {"costCenter": "x"},
        },
    )
    fn = res("aws:lambda/function:Function", "fn", {"name": "worker", "tracingConfig": {"mode": "Active"}})
    sub = res(
        "aws:sns/topicSubscription:TopicSubscription",
        "sub",
        {"topic": "arn:aws:sns:us-east-1:1:t", "protocol": "sqs", "endpoint": "arn:aws:sqs:us-east-1:1:q"},
    )
    sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", {"ingress": [{"fromPort": 22, "toPort": 22}]})
    plan = to_terraform_plan(graph(table, fn, sub, sg)).plan

    assert planned(plan, "aws_dynamodb_table.orders") == {
        "hash_key": "pk",
        "attribute": [{"name": "pk", "type": "S"}],  # pluralised list block -> singular
        "point_in_time_recovery": [{"enabled": True}],  # flattened MaxItems=1 block -> list of one
        "tags": {"costCenter": "x"},  # map keys are data, not names
    }
    assert planned(plan, "aws_lambda_function.fn") == {
        "function_name": "worker",
        "tracing_config": [{"mode": "Active"}],
    }
    assert planned(plan, "aws_sns_topic_subscription.sub")["topic_arn"] == "arn:aws:sns:us-east-1:1:t"
    assert planned(plan, "aws_security_group.sg") == {"ingress": [{"from_port": 22, "to_port": 22}]}


def test_policy_documents_given_as_objects_become_json_strings() -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    trust = {"Version": "2012-10-17", "Statement": []}
    policy = res("aws:iam/policy:Policy", "admin", {"policy": doc})  # typed Union[str, PolicyDocument]
    role = res("aws:iam/role:Role", "r", {"assumeRolePolicy": trust})  # typed str, given an object
    plan = to_terraform_plan(graph(policy, role)).plan
    assert json.loads(planned(plan, "aws_iam_policy.admin")["policy"]) == doc
    assert json.loads(planned(plan, "aws_iam_role.r")["assume_role_policy"]) == trust


def test_property_dependencies_become_references_and_leave_the_planned_values() -> None:
    bucket = res("aws:s3/bucket:Bucket", "logs", {"bucket": "logs-b"}, id="logs-b")
    key = res("aws:kms/key:Key", "key", {}, outputs={"arn": "arn:aws:kms:us-east-1:1:key/k"})
    sse = res(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "sse",
        {
            "bucket": "logs-b",
            "rules": [
                {
                    "applyServerSideEncryptionByDefault": {
                        "sseAlgorithm": "aws:kms",
                        "kmsMasterKeyId": "arn:aws:kms:us-east-1:1:key/k",
                    }
                }
            ],
        },
        property_dependencies={"bucket": [bucket.urn], "rules": [key.urn]},
    )
    plan = to_terraform_plan(graph(bucket, key, sse)).plan
    address = "aws_s3_bucket_server_side_encryption_configuration.sse"

    default = {"sse_algorithm": "aws:kms"}
    assert planned(plan, address) == {"rule": [{"apply_server_side_encryption_by_default": [default]}]}
    assert expressions(plan, address) == {
        "bucket": {"references": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
        "rule": [
            {
                "apply_server_side_encryption_by_default": [
                    {"kms_master_key_id": {"references": ["aws_kms_key.key.arn", "aws_kms_key.key"]}}
                ]
            }
        ],
    }


def test_lists_of_ids_and_unknown_values_become_references() -> None:
    sg = res("aws:ec2/securityGroup:SecurityGroup", "web", {}, id="sg-123")
    subnet = res("aws:ec2/subnet:Subnet", "a", {})
    vm = res(
        "aws:ec2/instance:Instance",
        "vm",
        {"vpcSecurityGroupIds": ["sg-123", "sg-external"], "subnetId": None},
        property_dependencies={"vpcSecurityGroupIds": [sg.urn], "subnetId": [subnet.urn]},
    )
    plan = to_terraform_plan(graph(sg, subnet, vm)).plan
    assert planned(plan, "aws_instance.vm") == {"vpc_security_group_ids": ["sg-external"]}
    assert expressions(plan, "aws_instance.vm") == {
        "vpc_security_group_ids": {"references": ["aws_security_group.web.id", "aws_security_group.web"]},
        "subnet_id": {"references": ["aws_subnet.a.id", "aws_subnet.a"]},  # unknown: recorded as None
    }


def test_values_equal_to_another_resources_id_or_arn_are_references_without_dependencies() -> None:
    """The fallback for values the evaluator could not trace (e.g. read from a StackReference)."""
    key = res("aws:kms/key:Key", "key", {}, outputs={"arn": "arn:aws:kms:us-east-1:1:key/k"})
    logs = res(
        "aws:cloudwatch/logGroup:LogGroup",
        "audit",
        {"kmsKeyId": "arn:aws:kms:us-east-1:1:key/k", "name": "key-id", "tags": {"k": "key-id"}},
    )
    plan = to_terraform_plan(graph(key, logs)).plan
    values = planned(plan, "aws_cloudwatch_log_group.audit")
    assert "kms_key_id" not in values
    assert values["name"] == "key-id" and values["tags"] == {"k": "key-id"}  # names and tags never
    assert expressions(plan, "aws_cloudwatch_log_group.audit") == {
        "kms_key_id": {"references": ["aws_kms_key.key.arn", "aws_kms_key.key"]}
    }


def test_components_non_aws_and_internal_resources_are_not_emitted() -> None:
    component = res("platform:storage:SecureBucket", "site", {}, custom=False)
    child = res("aws:s3/bucket:Bucket", "site-bucket", {}, parent=component.urn)
    pet = res("random:index/randomPet:RandomPet", "pet", {})
    bridged = to_terraform_plan(graph(component, child, pet))
    assert bridged.addresses == {
        "aws_s3_bucket.site-bucket": child.urn,
        DEFAULT_PROVIDER_ADDRESS: DEFAULT_PROVIDER_URN,
    }
    assert bridged.skipped == {
        component.urn: "component resource",
        pet.urn: "not an AWS resource",
    }


def test_addresses_are_valid_and_unique() -> None:
    assert sanitize("my.bucket/logs") == "my_bucket_logs"
    assert sanitize("1st") == "r_1st"
    a = res("aws:s3/bucket:Bucket", "a.b", {})
    b = res("aws:s3/bucket:Bucket", "a_b", {})
    c = res("aws:s3/bucketV2:BucketV2", "a/b", {})
    addresses = assign_addresses([(a, "aws_s3_bucket"), (b, "aws_s3_bucket"), (c, "aws_s3_bucket")])
    assert list(addresses.values()) == ["aws_s3_bucket.a_b", "aws_s3_bucket.a_b_2", "aws_s3_bucket.a_b_3"]
    bridged = to_terraform_plan(graph(a, b, c))
    assert bridged.addresses == {v: k for k, v in addresses.items()} | {
        DEFAULT_PROVIDER_ADDRESS: DEFAULT_PROVIDER_URN
    }


def test_explicit_providers_go_to_provider_config_and_secrets_stay_masked() -> None:
    provider = Resource(
        urn="urn:pulumi:dev::p::pulumi:providers:aws::west",
        type="pulumi:providers:aws",
        name="west",
        inputs={"region": "us-west-2", "secretKey": SECRET, "version": "7.51.1"},
    )
    bridged = to_terraform_plan(graph(provider))
    config = bridged.plan["configuration"]["provider_config"]
    assert config["aws.west"]["alias"] == "west"
    assert config["aws.west"]["expressions"] == {
        "region": {"constant_value": "us-west-2"},
        "secret_key": {"constant_value": SECRET},
    }
    # The stack's default provider is not used (no aws resource), so it is not emitted.
    assert "aws" not in config
    assert bridged.addresses == {"aws.west": provider.urn}


def test_generated_schema_matches_the_installed_pulumi_aws() -> None:
    """compliance/tf_schema/aws.zip is current; regenerate with `python -m compliance.mapping`."""
    schema = mapping.generated_schema()
    assert schema is not None, f"stale or missing {mapping.SCHEMA_FILE}: python -m compliance.mapping"
    assert set(schema.types) == set(mapping.resource_tokens())
    sample = ("aws:s3/bucket:Bucket", "aws:cloudfront/distribution:Distribution", "aws:rds/instance:Instance")
    for token in sample:
        key = mapping.args_key(token)
        assert key is not None
        assert schema.class_fields(key) == mapping.introspect(mapping._class_of(key))
        assert schema.types[token][0] == mapping.derive_tf_type(token) or token in mapping.TYPE_OVERRIDES


def test_resources_passed_as_inputs_and_explicit_providers_are_connected() -> None:
    """A Resource given as an input is recorded as its URN; resources keep their explicit provider."""
    provider = Resource(
        urn="urn:pulumi:dev::p::pulumi:providers:aws::west", type="pulumi:providers:aws", name="west"
    )
    role = res("aws:iam/role:Role", "r", {"assumeRolePolicy": "{}"}, provider=f"{provider.urn}::abc")
    attach = res(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "att",
        {"role": role.urn, "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
    )
    plan = to_terraform_plan(graph(provider, role, attach)).plan
    assert planned(plan, "aws_iam_role_policy_attachment.att") == {
        "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"
    }
    assert expressions(plan, "aws_iam_role_policy_attachment.att") == {
        "role": {"references": ["aws_iam_role.r.id", "aws_iam_role.r"]}
    }
    keys = {r["name"]: r["provider_config_key"] for r in plan["configuration"]["root_module"]["resources"]}
    assert keys == {"r": "aws.west", "att": "aws"}


NOT_IN_PULUMI_AWS = {
    # Terraform types some Checkov check targets that pulumi-aws 7 has no resource for: removed
    # services (OpsWorks, WorkLink, SimpleDB, EC2-Classic security groups), data sources and
    # Checkov's own pseudo types.
    "aws_appintegrations_event_integration",
    "aws_az_info",
    "aws_caller_info",
    "aws_db_security_group",
    "aws_elasticache_security_group",
    "aws_iam_policy_document",
    "aws_internetmonitor_monitor",
    "aws_macie_member_account_association",
    "aws_macie_s3_bucket_association",
    "aws_osis_pipeline",
    "aws_rds_instance_state",
    "aws_redshift_security_group",
    "aws_region_info",
    "aws_root",
    "aws_root_access_key",
    "aws_simpledb_domain",
    "aws_worklink_fleet",
    "aws_worklink_website_certificate_authority_association",
}


def test_every_checkov_aws_type_is_reachable_from_some_pulumi_token() -> None:
    """A Checkov-checked type no token maps to means a mapping rule is missing (or a new type)."""
    reached = {mapping.tf_type(token) for token in mapping.resource_tokens()}
    unreached = {
        t
        for t in mapping.known_tf_types() - reached
        if not t.startswith("aws_opsworks_")  # OpsWorks was removed from pulumi-aws 7
    }
    assert unreached <= NOT_IN_PULUMI_AWS, sorted(unreached - NOT_IN_PULUMI_AWS)


def test_api_gateway_v1_renames() -> None:
    stage = res("aws:apigateway/stage:Stage", "live", {"restApi": "api-1", "deployment": "dep-1"})
    method = res("aws:apigateway/method:Method", "get", {"restApi": "api-1", "httpMethod": "GET"})
    plan = to_terraform_plan(graph(stage, method)).plan
    assert planned(plan, "aws_api_gateway_stage.live") == {"rest_api_id": "api-1", "deployment_id": "dep-1"}
    assert planned(plan, "aws_api_gateway_method.get") == {"rest_api_id": "api-1", "http_method": "GET"}


def test_reading_an_args_class_leaves_pulumi_aws_service_packages_whole() -> None:
    """Introspecting `pulumi_aws.s3.bucket:BucketArgs` must not break `pulumi_aws.s3.Bucket` later in
    the process (pulumi-aws loads service packages lazily); run in a fresh interpreter."""
    code = (
        "from compliance import mapping\n"
        "mapping.introspect(mapping._class_of('pulumi_aws.s3.bucket:BucketArgs'))\n"
        "import pulumi_aws\n"
        "print(pulumi_aws.s3.Bucket.__name__, pulumi_aws.s3.BucketV2.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["Bucket", "BucketV2"]
