"""An on-demand DynamoDB table with PITR, CMK encryption, TTL and a change stream."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws


class SecureTable(pulumi.ComponentResource):
    """Knobs: `hash_key`/`range_key` and their `attributes` ((name, type) pairs), `kms_key_arn`,
    `ttl_attribute` (default `expiresAt`), `deletion_protection` (set it in prod),
    `stream_view_type` (default NEW_AND_OLD_IMAGES). Always PAY_PER_REQUEST with point-in-time
    recovery."""

    table: aws.dynamodb.Table
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    stream_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        hash_key: str,
        attributes: Sequence[tuple[str, str]],
        kms_key_arn: pulumi.Input[str],
        deletion_protection: bool,
        range_key: str | None = None,
        table_name: str | None = None,
        ttl_attribute: str = "expiresAt",
        stream_view_type: str = "NEW_AND_OLD_IMAGES",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:data:SecureTable", name, None, opts)
        self.table = aws.dynamodb.Table(
            name,
            name=table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=hash_key,
            range_key=range_key,
            attributes=[aws.dynamodb.TableAttributeArgs(name=n, type=t) for n, t in attributes],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=kms_key_arn
            ),
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=ttl_attribute, enabled=True),
            stream_enabled=True,
            stream_view_type=stream_view_type,
            deletion_protection_enabled=deletion_protection,
            opts=pulumi.ResourceOptions(parent=self, protect=deletion_protection),
        )
        self.name = self.table.name
        self.arn = self.table.arn
        self.stream_arn = self.table.stream_arn
        self.register_outputs({"name": self.name, "arn": self.arn, "stream_arn": self.stream_arn})
