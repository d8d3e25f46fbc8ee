import json

import pulumi
import pulumi_aws as aws
from storage import SecureBucket

config = pulumi.Config()
tags = config.require_object("tags")
prefix = config.require("prefix")
replicas = config.require_int("replicas")
password = config.require_secret("dbPassword")

logs = SecureBucket(prefix, tags=tags)
key = aws.kms.Key("key", description="data key", deletion_window_in_days=7, enable_key_rotation=True)
queue = aws.sqs.Queue(
    "queue",
    kms_master_key_id=key.arn,
    opts=pulumi.ResourceOptions(depends_on=[logs.bucket], protect=True),
)
db = aws.rds.Instance(
    "db",
    engine="postgres",
    instance_class="db.t4g.micro",
    allocated_storage=20,
    username="app",
    password=password,
    storage_encrypted=True,
)
policy = aws.iam.get_policy_document(
    statements=[{"actions": ["sqs:SendMessage"], "resources": ["*"], "effect": "Allow"}]
)
role = aws.iam.Role(
    "role",
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
aws.iam.RolePolicy("role-policy", role=role.id, policy=policy.json)

pulumi.export("bucket", logs.bucket.bucket)
pulumi.export("queue_url", queue.url)
pulumi.export("db_endpoint", db.endpoint)
pulumi.export("password", password)
pulumi.export("replicas", replicas)
