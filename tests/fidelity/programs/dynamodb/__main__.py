"""DynamoDB: an encrypted table with point-in-time recovery and a bare one."""

import pulumi_aws as aws

key = aws.kms.Key("tablekey", description="table key", enable_key_rotation=True)

aws.dynamodb.Table(
    "orders",
    name="orders",
    billing_mode="PAY_PER_REQUEST",
    hash_key="pk",
    range_key="sk",
    attributes=[{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
    point_in_time_recovery={"enabled": True},
    server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
    deletion_protection_enabled=True,
)

aws.dynamodb.Table(
    "scratch",
    name="scratch",
    billing_mode="PROVISIONED",
    read_capacity=5,
    write_capacity=5,
    hash_key="id",
    attributes=[{"name": "id", "type": "S"}],
)
