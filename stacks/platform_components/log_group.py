"""A CloudWatch log group encrypted with a customer key and with a fixed retention."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


class EncryptedLogGroup(pulumi.ComponentResource):
    """Knobs: `log_group_name` (physical name, e.g. `/aws/lambda/<fn>`), `retention_in_days`,
    `kms_key_arn` (required: there is no unencrypted variant)."""

    log_group: aws.cloudwatch.LogGroup
    arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        log_group_name: pulumi.Input[str],
        retention_in_days: int,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:observability:EncryptedLogGroup", name, None, opts)
        self.log_group = aws.cloudwatch.LogGroup(
            name,
            name=log_group_name,
            retention_in_days=retention_in_days,
            kms_key_id=kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.log_group.arn
        self.log_group_name = self.log_group.name
        self.register_outputs({"arn": self.arn, "name": self.log_group_name})
