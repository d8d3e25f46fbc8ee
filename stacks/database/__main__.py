"""database: the orders table (DynamoDB) and an Aurora Serverless v2 PostgreSQL cluster."""

import pulumi

from platform_components import (
    AuroraPostgresServerless,
    BackupPlan,
    EncryptionKey,
    PrivateNetwork,
    SecureTable,
    load_settings,
    register_default_tags,
)

settings = load_settings()
register_default_tags(settings)
config = pulumi.Config()

key = EncryptionKey("data", description=f"{settings.resource_name('data')}: tables, database, logs")

network = PrivateNetwork(
    "db-network",
    cidr_block=config.get("vpcCidr") or "10.20.0.0/16",
    kms_key_arn=key.arn,
    flow_log_retention_days=settings.log_retention_days,
)

orders = SecureTable(
    "orders",
    hash_key="id",
    attributes=[("id", "S")],
    kms_key_arn=key.arn,
    ttl_attribute="expiresAt",
    deletion_protection=settings.is_prod,
)

# `aurora` / `backupPlan` (default true) exist only so an emulator without RDS or AWS Backup (the
# LocalStack community edition, tests/e2e) can apply the rest; the dev and prod configs never set them.
database = None
if config.get_bool("aurora") is not False:
    database = AuroraPostgresServerless(
        "orders-db",
        cluster_identifier=settings.resource_name("orders-db"),
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        allowed_cidr=network.cidr_block,
        kms_key_arn=key.arn,
        deletion_protection=settings.is_prod,
        log_retention_days=settings.log_retention_days,
        min_capacity=config.get_float("dbMinCapacity") or 0.5,
        max_capacity=config.get_float("dbMaxCapacity") or 4.0,
        backup_retention_days=config.get_int("dbBackupRetentionDays") or 7,
    )

if config.get_bool("backupPlan") is not False:
    BackupPlan(
        "data",
        resource_arns=[orders.arn] + ([database.cluster.arn] if database is not None else []),
        kms_key_arn=key.arn,
        retention_days=config.get_int("backupRetentionDays") or 35,
    )

pulumi.export("tableName", orders.name)
pulumi.export("tableArn", orders.arn)
pulumi.export("tableStreamArn", orders.stream_arn)
if database is not None:
    pulumi.export("clusterEndpoint", database.endpoint)
    pulumi.export("clusterSecretArn", database.master_secret_arn)
pulumi.export("kmsKeyArn", key.arn)
