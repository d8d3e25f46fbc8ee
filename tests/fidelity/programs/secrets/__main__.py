"""Secrets Manager and SSM: a CMK-encrypted, rotated secret with a version from a secret config
value and a resource policy, an unrotated secret on the AWS-managed key, SecureString and plain
parameters, and an SSM Command document."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
key = aws.kms.Key("secretkey", description="secrets key", enable_key_rotation=True)

db = aws.secretsmanager.Secret(
    "db-credentials",
    name="prod/db/credentials",
    kms_key_id=key.arn,
    recovery_window_in_days=30,
)

aws.secretsmanager.SecretVersion(
    "db-credentials-v1",
    secret_id=db.id,
    secret_string=pulumi.Output.json_dumps(
        {"username": "app", "password": config.require_secret("dbPassword")}
    ),
)

aws.secretsmanager.SecretRotation(
    "db-rotation",
    secret_id=db.id,
    rotation_lambda_arn="arn:aws:lambda:us-east-1:123456789012:function:rotate-db",
    rotation_rules={"automatically_after_days": 30},
)

aws.secretsmanager.SecretPolicy(
    "db-policy",
    secret_arn=db.arn,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "app-read",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": "*",
                }
            ],
        }
    ),
)

aws.secretsmanager.Secret("api-token", name="prod/api/token")

aws.ssm.Parameter(
    "db-host",
    name="/prod/db/host",
    type="String",
    value="db.internal.example.com",
)

aws.ssm.Parameter(
    "db-password",
    name="/prod/db/password",
    type="SecureString",
    key_id=key.arn,
    value=config.require_secret("dbPassword"),
)

aws.ssm.Document(
    "restart-app",
    name="restart-app",
    document_type="Command",
    document_format="JSON",
    content=json.dumps(
        {
            "schemaVersion": "2.2",
            "description": "restart the app service",
            "mainSteps": [
                {
                    "action": "aws:runShellScript",
                    "name": "restart",
                    "inputs": {"runCommand": ["systemctl restart app"]},
                }
            ],
        }
    ),
)
