"""Lambda: a traced, VPC-attached function with a DLQ and encrypted environment, and a bare one."""

import json

import pulumi_aws as aws

role = aws.iam.Role(
    "fn_role",
    name="fn-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)
key = aws.kms.Key("fnkey", description="function env key", enable_key_rotation=True)
dlq = aws.sqs.Queue("dlq", name="fn-dlq", kms_master_key_id=key.arn)
sg = aws.ec2.SecurityGroup("fn_sg", name="fn-sg", description="function egress", vpc_id="vpc-123")

aws.lambda_.Function(
    "worker",
    name="worker",
    role=role.arn,
    runtime="python3.12",
    handler="index.handler",
    s3_bucket="artifacts",
    s3_key="worker.zip",
    reserved_concurrent_executions=5,
    kms_key_arn=key.arn,
    environment={"variables": {"STAGE": "dev"}},
    tracing_config={"mode": "Active"},
    dead_letter_config={"target_arn": dlq.arn},
    vpc_config={"subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": [sg.id]},
    code_signing_config_arn="arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1",
)

aws.lambda_.Function(
    "quick",
    name="quick",
    role=role.arn,
    runtime="python3.12",
    handler="index.handler",
    s3_bucket="artifacts",
    s3_key="quick.zip",
    environment={"variables": {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}},
)
