"""IAM: an admin policy (*:*), a scoped read-only policy, and a role with an inline wildcard policy."""

import json

import pulumi_aws as aws

aws.iam.Policy(
    "admin",
    name="admin",
    policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    ),
)

aws.iam.Policy(
    "readonly",
    name="readonly",
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": "arn:aws:s3:::fidelity-logs/*",
                }
            ],
        }
    ),
)

ci = aws.iam.Role(
    "ci",
    name="ci",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
        }
    ),
)

aws.iam.RolePolicy(
    "ci_inline",
    role=ci.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["iam:*", "s3:*"], "Resource": "*"}],
        }
    ),
)
