"""A customer managed KMS key with rotation and an explicit key policy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_components.aws_context import account_id, region

KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


def key_policy(
    account: str,
    aws_region: str,
    service_principals: Sequence[str] = (),
    allow_cloudwatch_logs: bool = False,
    cloudfront_distributions: bool = False,
) -> str:
    """The key policy: the account administers the key; named AWS services may use it only on
    behalf of this account (and CloudWatch Logs only for this account's log groups)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if service_principals:
        statements.append(
            {
                "Sid": "ServicesUseForThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": sorted(service_principals)},
                "Action": KEY_USE_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        )
    if allow_cloudwatch_logs:
        statements.append(
            {
                "Sid": "CloudWatchLogsForThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{aws_region}.amazonaws.com"},
                "Action": KEY_USE_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:aws:logs:{aws_region}:{account}:log-group:*"
                        )
                    }
                },
            }
        )
    if cloudfront_distributions:
        statements.append(
            {
                "Sid": "CloudFrontDecryptsOriginObjects",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringLike": {"AWS:SourceArn": f"arn:aws:cloudfront::{account}:distribution/*"}
                },
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class EncryptionKey(pulumi.ComponentResource):
    """A symmetric CMK with yearly rotation, a deletion window and a least-privilege key policy.

    Knobs: `service_principals` (AWS services allowed to use the key for this account),
    `allow_cloudwatch_logs`, `cloudfront_distributions`, `deletion_window_in_days` (default 30).
    """

    key: aws.kms.Key
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        description: str,
        service_principals: Sequence[str] = (),
        allow_cloudwatch_logs: bool = True,
        cloudfront_distributions: bool = False,
        deletion_window_in_days: int = 30,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:security:EncryptionKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        aws_region = region()
        policy = account_id().apply(
            lambda account: key_policy(
                account, aws_region, service_principals, allow_cloudwatch_logs, cloudfront_distributions
            )
        )
        self.key = aws.kms.Key(
            name,
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window_in_days,
            policy=policy,
            opts=child,
        )
        aws.kms.Alias(
            name,
            name=f"alias/{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
