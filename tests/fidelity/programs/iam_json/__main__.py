"""IAM policies built the ways Pulumi programs build them: `Output.json_dumps` over resource ARNs
and `aws.iam.get_policy_document`, attached to roles, users and groups; one is far too broad."""

import pulumi
import pulumi_aws as aws

reports = aws.s3.BucketV2("reports", bucket="acme-reports")
queue = aws.sqs.Queue("jobs", name="jobs", sqs_managed_sse_enabled=True)

assume = aws.iam.get_policy_document(
    statements=[
        {
            "effect": "Allow",
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
        }
    ]
)
worker = aws.iam.Role("worker", name="worker", assume_role_policy=assume.json)

aws.iam.RolePolicy(
    "worker-read",
    role=worker.id,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": reports.arn.apply(lambda a: f"{a}/*"),
                },
                {
                    "Effect": "Allow",
                    "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                    "Resource": queue.arn,
                },
            ],
        }
    ),
)

admin = aws.iam.get_policy_document(statements=[{"effect": "Allow", "actions": ["*"], "resources": ["*"]}])
aws.iam.Policy("break-glass", name="break-glass", policy=admin.json)

ops = aws.iam.Group("ops", name="ops")
aws.iam.GroupPolicy(
    "ops-logs",
    group=ops.name,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
        }
    ),
)
robot = aws.iam.User("robot", name="robot")
aws.iam.UserPolicy(
    "robot-queue",
    user=robot.name,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue.arn}],
        }
    ),
)
