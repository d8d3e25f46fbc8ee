"""An AWS Backup plan: a KMS-encrypted vault, a daily rule with retention, and a selection of
exact resource ARNs."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from platform_components.iam import assume_role_policy

BACKUP_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


class BackupPlan(pulumi.ComponentResource):
    """Knobs: `resource_arns` (what to back up), `kms_key_arn` (vault encryption),
    `retention_days` (default 35), `schedule` (default daily 03:00 UTC)."""

    plan: aws.backup.Plan
    vault: aws.backup.Vault

    def __init__(
        self,
        name: str,
        *,
        resource_arns: Sequence[pulumi.Input[str]],
        kms_key_arn: pulumi.Input[str],
        retention_days: int = 35,
        schedule: str = "cron(0 3 * * ? *)",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:data:BackupPlan", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
        self.vault = aws.backup.Vault(name, name=prefix, kms_key_arn=kms_key_arn, opts=child)
        self.plan = aws.backup.Plan(
            name,
            name=prefix,
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=self.vault.name,
                    schedule=schedule,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=retention_days),
                )
            ],
            opts=child,
        )
        trust = assume_role_policy("backup.amazonaws.com")
        role = aws.iam.Role(f"{name}-backup", assume_role_policy=trust, opts=child)
        for index, policy_arn in enumerate(BACKUP_POLICIES):
            aws.iam.RolePolicyAttachment(
                f"{name}-backup-{index}", role=role.name, policy_arn=policy_arn, opts=child
            )
        aws.backup.Selection(
            name,
            name=prefix,
            plan_id=self.plan.id,
            iam_role_arn=role.arn,
            resources=list(resource_arns),
            opts=child,
        )
        self.register_outputs({"plan_id": self.plan.id, "vault": self.vault.name})
