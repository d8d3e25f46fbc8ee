"""~700 resources: 100 services x (bucket, versioning, access block, queue, role, policy, log group)."""

import json

import pulumi
import pulumi_aws as aws

count = pulumi.Config().get_int("services") or 100
for i in range(count):
    name = f"svc{i:03d}"
    bucket = aws.s3.Bucket(f"{name}-data", tags={"service": name, "env": pulumi.get_stack()})
    aws.s3.BucketVersioning(
        f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
    )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-pab",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    queue = aws.sqs.Queue(f"{name}-queue", sqs_managed_sse_enabled=True, message_retention_seconds=86400)
    role = aws.iam.Role(
        f"{name}-role",
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
    aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=pulumi.Output.all(bucket.arn, queue.arn).apply(
            lambda arns: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{arns[0]}/*"},
                        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": arns[1]},
                    ],
                }
            )
        ),
    )
    aws.cloudwatch.LogGroup(f"{name}-logs", retention_in_days=30)
