"""RDS: a hardened Aurora cluster and a public, unencrypted instance."""

import pulumi_aws as aws

key = aws.kms.Key("dbkey", description="database key", enable_key_rotation=True)

aws.rds.Cluster(
    "main",
    cluster_identifier="main",
    engine="aurora-postgresql",
    master_username="app",
    manage_master_user_password=True,
    storage_encrypted=True,
    kms_key_id=key.arn,
    backup_retention_period=14,
    iam_database_authentication_enabled=True,
    deletion_protection=True,
    copy_tags_to_snapshot=True,
    enabled_cloudwatch_logs_exports=["postgresql"],
)

aws.rds.Instance(
    "legacy",
    identifier="legacy",
    engine="mysql",
    instance_class="db.t3.micro",
    allocated_storage=20,
    username="admin",
    manage_master_user_password=True,
    publicly_accessible=True,
    storage_encrypted=False,
    skip_final_snapshot=True,
)
