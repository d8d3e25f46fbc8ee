"""RDS instances: a hardened PostgreSQL instance (encrypted, IAM auth, Multi-AZ, enhanced monitoring,
Performance Insights with a CMK, log exports) with its subnet, parameter and option groups, an event
subscription, and a public, unencrypted MySQL instance with none of that."""

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("rdskey", description="rds key", enable_key_rotation=True)

monitoring_role = aws.iam.Role(
    "rds-monitoring",
    name="rds-monitoring",
    assume_role_policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)

subnets = aws.rds.SubnetGroup(
    "db-subnets",
    name="db-subnets",
    subnet_ids=["subnet-0a1b2c3d", "subnet-0e1f2a3b"],
)

pg = aws.rds.ParameterGroup(
    "pg16",
    name="pg16-hardened",
    family="postgres16",
    parameters=[
        {"name": "log_connections", "value": "1"},
        {"name": "rds.force_ssl", "value": "1"},
    ],
)

mysql_options = aws.rds.OptionGroup(
    "mysql-audit",
    name="mysql-audit",
    engine_name="mysql",
    major_engine_version="8.0",
    options=[
        {
            "option_name": "MARIADB_AUDIT_PLUGIN",
            "option_settings": [{"name": "SERVER_AUDIT_EVENTS", "value": "CONNECT,QUERY"}],
        }
    ],
)

orders = aws.rds.Instance(
    "orders",
    identifier="orders",
    engine="postgres",
    engine_version="16.3",
    instance_class="db.m6g.large",
    allocated_storage=100,
    username="orders",
    manage_master_user_password=True,
    db_subnet_group_name=subnets.name,
    parameter_group_name=pg.name,
    storage_encrypted=True,
    kms_key_id=key.arn,
    iam_database_authentication_enabled=True,
    multi_az=True,
    monitoring_interval=30,
    monitoring_role_arn=monitoring_role.arn,
    performance_insights_enabled=True,
    performance_insights_kms_key_id=key.arn,
    enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
    backup_retention_period=14,
    deletion_protection=True,
    copy_tags_to_snapshot=True,
    auto_minor_version_upgrade=True,
    publicly_accessible=False,
)

aws.rds.EventSubscription(
    "orders-events",
    name="orders-events",
    sns_topic="arn:aws:sns:us-east-1:123456789012:db-events",
    source_type="db-instance",
    source_ids=[orders.identifier],
    event_categories=["failover", "failure", "low storage", "maintenance"],
)

aws.rds.Instance(
    "reporting",
    identifier="reporting",
    engine="mysql",
    engine_version="8.0.36",
    instance_class="db.t3.medium",
    allocated_storage=20,
    username="report",
    manage_master_user_password=True,
    option_group_name=mysql_options.name,
    publicly_accessible=True,
    storage_encrypted=False,
    auto_minor_version_upgrade=False,
    skip_final_snapshot=True,
)
