"""A synthetic AWS estate as plain data: one list of resources that renders to Pulumi Python and to HCL.

Both renderings come from the same `Res` list, so the gate (Pulumi program) and Checkov (HCL) see the
same resources with the same settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Ref:
    """An attribute of another resource in the same program (`bucket.id`, `aws_s3_bucket.x.id`)."""

    kind: str
    name: str
    attr: str


@dataclass(frozen=True)
class Expr:
    """A value written differently in each language (e.g. a Lambda archive, a StackReference output)."""

    py: str
    tf: str


class Map(dict[str, Any]):
    """A map-valued attribute (tags, environment variables): an HCL `key = {...}`, not a nested block."""


@dataclass(frozen=True)
class Res:
    """One resource: its kind (a key of KINDS), logical name and Pulumi-style (snake_case) inputs."""

    kind: str
    name: str
    props: dict[str, Any] = field(default_factory=dict)


KINDS: dict[str, tuple[str, str]] = {
    "kms_key": ("aws.kms.Key", "aws_kms_key"),
    "s3_bucket": ("aws.s3.Bucket", "aws_s3_bucket"),
    "s3_versioning": ("aws.s3.BucketVersioning", "aws_s3_bucket_versioning"),
    "s3_sse": (
        "aws.s3.BucketServerSideEncryptionConfiguration",
        "aws_s3_bucket_server_side_encryption_configuration",
    ),
    "s3_public_access_block": ("aws.s3.BucketPublicAccessBlock", "aws_s3_bucket_public_access_block"),
    "dynamodb_table": ("aws.dynamodb.Table", "aws_dynamodb_table"),
    "iam_role": ("aws.iam.Role", "aws_iam_role"),
    "iam_role_policy_attachment": ("aws.iam.RolePolicyAttachment", "aws_iam_role_policy_attachment"),
    "lambda_function": ("aws.lambda_.Function", "aws_lambda_function"),
    "log_group": ("aws.cloudwatch.LogGroup", "aws_cloudwatch_log_group"),
    "sqs_queue": ("aws.sqs.Queue", "aws_sqs_queue"),
    "security_group": ("aws.ec2.SecurityGroup", "aws_security_group"),
    "sns_topic": ("aws.sns.Topic", "aws_sns_topic"),
    "event_source_mapping": ("aws.lambda_.EventSourceMapping", "aws_lambda_event_source_mapping"),
}
"""kind -> (Pulumi class, Terraform resource type)."""

TF_RENAMES: dict[str, dict[str, str]] = {
    "s3_sse": {"rules": "rule"},
    "dynamodb_table": {"attributes": "attribute"},
    "lambda_function": {"code": "filename", "name": "function_name"},
}
"""Pulumi input name -> Terraform argument/block name, where they differ."""

UNIT_SIZE = 14
"""Resources in one `unit` (a small service: storage, table, function, queue, topic, network)."""

_ASSUME_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
LAMBDA_ROLE_POLICY = Expr(
    py=f"json.dumps({json.dumps(_ASSUME_LAMBDA)})",
    tf=f"jsonencode({json.dumps(_ASSUME_LAMBDA)})",
)
"""The trust policy as Terraform and Pulumi programs write it (jsonencode / json.dumps of a literal)."""
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LAMBDA_CODE = Expr(
    py='pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER)})',
    tf='"lambda_function_payload.zip"',
)
VPC_ID = "vpc-0123456789abcdef0"


def unit(
    i: int, *, prefix: str = "bench", queue_key: Ref | Expr | None = None, revision: int = 0
) -> list[Res]:
    """The 14 resources of service unit `i`, with deterministic variations so some checks fail.

    `queue_key` overrides the queue's KMS key (e.g. a StackReference output); `revision` changes a tag,
    which is how the multi-stack bench makes a one-stack commit.
    """
    n = f"{i:04d}"
    key = Ref("kms_key", f"key-{n}", "arn")
    bucket = Ref("s3_bucket", f"data-{n}", "id")
    role = Ref("iam_role", f"fn-role-{n}", "name")
    tags = Map({"owner": "bench", "unit": n, "revision": str(revision)})
    open_ssh = i % 7 == 3
    ingress = [
        {
            "description": "https",
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": ["10.0.0.0/8"],
        }
    ]
    if open_ssh:
        ingress.append(
            {
                "description": "ssh",
                "protocol": "tcp",
                "from_port": 22,
                "to_port": 22,
                "cidr_blocks": ["0.0.0.0/0"],
            }
        )
    return [
        Res(
            "kms_key",
            f"key-{n}",
            {"description": f"{prefix} unit {n}", "enable_key_rotation": True, "deletion_window_in_days": 10},
        ),
        Res("s3_bucket", f"data-{n}", {"bucket": f"{prefix}-data-{n}", "tags": tags}),
        Res(
            "s3_versioning",
            f"data-versioning-{n}",
            {
                "bucket": bucket,
                "versioning_configuration": {"status": "Suspended" if i % 5 == 4 else "Enabled"},
            },
        ),
        Res(
            "s3_sse",
            f"data-sse-{n}",
            {
                "bucket": bucket,
                "rules": [
                    {
                        "apply_server_side_encryption_by_default": {
                            "sse_algorithm": "aws:kms",
                            "kms_master_key_id": key,
                        },
                        "bucket_key_enabled": True,
                    }
                ],
            },
        ),
        Res(
            "s3_public_access_block",
            f"data-pab-{n}",
            {
                "bucket": bucket,
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
        ),
        Res(
            "dynamodb_table",
            f"table-{n}",
            {
                "name": f"{prefix}-table-{n}",
                "billing_mode": "PAY_PER_REQUEST",
                "hash_key": "id",
                "attributes": [{"name": "id", "type": "S"}],
                "point_in_time_recovery": {"enabled": i % 5 != 2},
                "server_side_encryption": {"enabled": True, "kms_key_arn": key},
                "deletion_protection_enabled": True,
                "tags": tags,
            },
        ),
        Res(
            "iam_role",
            f"fn-role-{n}",
            {"name": f"{prefix}-fn-role-{n}", "assume_role_policy": LAMBDA_ROLE_POLICY, "tags": tags},
        ),
        Res("iam_role_policy_attachment", f"fn-basic-{n}", {"role": role, "policy_arn": BASIC_EXECUTION}),
        Res(
            "lambda_function",
            f"fn-{n}",
            {
                "name": f"{prefix}-fn-{n}",
                "role": Ref("iam_role", f"fn-role-{n}", "arn"),
                "runtime": "python3.12",
                "handler": "index.handler",
                "code": LAMBDA_CODE,
                "timeout": 30,
                "memory_size": 256,
                "environment": {"variables": Map({"TABLE": f"{prefix}-table-{n}"})},
                "tracing_config": {"mode": "PassThrough" if i % 6 == 5 else "Active"},
                "tags": tags,
            },
        ),
        Res(
            "log_group",
            f"fn-logs-{n}",
            {
                "name": f"/aws/lambda/{prefix}-fn-{n}",
                "retention_in_days": 7 if i % 4 == 1 else 365,
                "kms_key_id": key,
                "tags": tags,
            },
        ),
        Res(
            "sqs_queue",
            f"queue-{n}",
            {
                "name": f"{prefix}-queue-{n}",
                "kms_master_key_id": queue_key or key,
                "visibility_timeout_seconds": 60,
                "message_retention_seconds": 345600,
                "tags": tags,
            },
        ),
        Res(
            "security_group",
            f"sg-{n}",
            {
                "name": f"{prefix}-sg-{n}",
                "description": f"{prefix} unit {n} service",
                "vpc_id": VPC_ID,
                "ingress": ingress,
                "egress": [
                    {
                        "description": "https out",
                        "protocol": "tcp",
                        "from_port": 443,
                        "to_port": 443,
                        "cidr_blocks": ["0.0.0.0/0"],
                    }
                ],
                "tags": tags,
            },
        ),
        Res(
            "event_source_mapping",
            f"fn-trigger-{n}",
            {
                "event_source_arn": Ref("sqs_queue", f"queue-{n}", "arn"),
                "function_name": Ref("lambda_function", f"fn-{n}", "arn"),
                "batch_size": 10,
            },
        ),
        Res(
            "sns_topic", f"topic-{n}", {"name": f"{prefix}-topic-{n}", "kms_master_key_id": key, "tags": tags}
        ),
    ]


def estate(resources: int, *, prefix: str = "bench") -> list[Res]:
    """`resources` resources (a multiple of UNIT_SIZE) as consecutive units."""
    if resources <= 0 or resources % UNIT_SIZE:
        raise ValueError(f"resource count {resources} is not a positive multiple of {UNIT_SIZE}")
    return [r for i in range(resources // UNIT_SIZE) for r in unit(i, prefix=prefix)]
