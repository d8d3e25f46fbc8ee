"""Aurora Serverless v2 PostgreSQL in private subnets: encrypted, IAM auth, managed master
password, logs exported, performance insights, enhanced monitoring."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_components.iam import assume_role_policy
from platform_components.log_group import EncryptedLogGroup

POSTGRES_PORT = 5432


def first_secret_arn(secrets: Sequence[Any] | None) -> str | None:
    """The ARN of the RDS-managed master secret, if RDS reported one."""
    if not secrets:
        return None
    secret = secrets[0]
    value = secret.get("secret_arn") if isinstance(secret, dict) else getattr(secret, "secret_arn", None)
    return str(value) if value else None


class AuroraPostgresServerless(pulumi.ComponentResource):
    """Knobs: `vpc_id`, `subnet_ids` (private), `allowed_cidr` (who may reach 5432, default the VPC),
    `kms_key_arn`, `deletion_protection`, `min_capacity`/`max_capacity` (ACUs, default 0.5-4),
    `instance_count` (default 1), `backup_retention_days` (>= 7), `log_retention_days`,
    `engine_version` (default 16.6), `database_name`, `master_username`."""

    cluster: aws.rds.Cluster
    endpoint: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        *,
        cluster_identifier: str,
        vpc_id: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]],
        allowed_cidr: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str],
        deletion_protection: bool,
        log_retention_days: int,
        min_capacity: float = 0.5,
        max_capacity: float = 4.0,
        instance_count: int = 1,
        backup_retention_days: int = 7,
        engine_version: str = "16.6",
        database_name: str = "app",
        master_username: str = "app_admin",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:data:AuroraPostgresServerless", name, None, opts)
        if backup_retention_days < 7:
            raise pulumi.RunError(f"{name}: backup_retention_days must be >= 7, got {backup_retention_days}")
        child = pulumi.ResourceOptions(parent=self)
        subnet_group = aws.rds.SubnetGroup(
            name, description=f"{cluster_identifier} private subnets", subnet_ids=list(subnet_ids), opts=child
        )
        security_group = aws.ec2.SecurityGroup(
            name,
            description=f"{cluster_identifier}: PostgreSQL from inside the VPC only",
            vpc_id=vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description="PostgreSQL from the VPC",
                    protocol="tcp",
                    from_port=POSTGRES_PORT,
                    to_port=POSTGRES_PORT,
                    cidr_blocks=[allowed_cidr],
                )
            ],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="Responses inside the VPC only",
                    protocol="tcp",
                    from_port=0,
                    to_port=65535,
                    cidr_blocks=[allowed_cidr],
                )
            ],
            opts=child,
        )
        family = f"aurora-postgresql{engine_version.split('.')[0]}"
        parameters = aws.rds.ClusterParameterGroup(
            name,
            family=family,
            description=f"{cluster_identifier}: TLS only, connection, DDL and slow query logging",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
                aws.rds.ClusterParameterGroupParameterArgs(name="log_connections", value="1"),
                aws.rds.ClusterParameterGroupParameterArgs(name="log_disconnections", value="1"),
                aws.rds.ClusterParameterGroupParameterArgs(name="log_statement", value="ddl"),
                aws.rds.ClusterParameterGroupParameterArgs(name="log_min_duration_statement", value="1000"),
            ],
            opts=child,
        )
        # RDS writes exported logs here; creating it first sets retention and the key.
        logs = EncryptedLogGroup(
            f"{name}-postgresql",
            log_group_name=f"/aws/rds/cluster/{cluster_identifier}/postgresql",
            retention_in_days=log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        monitoring_role = aws.iam.Role(
            f"{name}-monitoring",
            assume_role_policy=assume_role_policy("monitoring.rds.amazonaws.com"),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-monitoring",
            role=monitoring_role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            opts=child,
        )
        self.cluster = aws.rds.Cluster(
            name,
            cluster_identifier=cluster_identifier,
            engine="aurora-postgresql",
            engine_mode="provisioned",
            engine_version=engine_version,
            database_name=database_name,
            master_username=master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms_key_arn,
            iam_database_authentication_enabled=True,
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            serverlessv2_scaling_configuration=aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                min_capacity=min_capacity, max_capacity=max_capacity
            ),
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[security_group.id],
            db_cluster_parameter_group_name=parameters.name,
            backup_retention_period=backup_retention_days,
            copy_tags_to_snapshot=True,
            enabled_cloudwatch_logs_exports=["postgresql"],
            deletion_protection=deletion_protection,
            skip_final_snapshot=not deletion_protection,
            final_snapshot_identifier=f"{cluster_identifier}-final" if deletion_protection else None,
            auto_minor_version_upgrade=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs], protect=deletion_protection),
        )
        for index in range(instance_count):
            aws.rds.ClusterInstance(
                f"{name}-{index}",
                identifier=f"{cluster_identifier}-{index}",
                cluster_identifier=self.cluster.id,
                instance_class="db.serverless",
                engine=aws.rds.EngineType.AURORA_POSTGRESQL,
                engine_version=self.cluster.engine_version,
                db_subnet_group_name=subnet_group.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                copy_tags_to_snapshot=True,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=kms_key_arn,
                performance_insights_retention_period=7,
                monitoring_interval=60,
                monitoring_role_arn=monitoring_role.arn,
                opts=child,
            )
        self.endpoint = self.cluster.endpoint
        self.master_secret_arn = self.cluster.master_user_secrets.apply(first_secret_arn)
        self.register_outputs({"endpoint": self.endpoint, "master_secret_arn": self.master_secret_arn})
