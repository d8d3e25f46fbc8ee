import json

import pulumi
import pulumi_aws as aws

producer = pulumi.StackReference(pulumi.Config().require("producerStack"))
table_arn = producer.require_output("table_arn")
token = producer.get_output("api_token")

role = aws.iam.Role(
    "reader",
    assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
)
aws.iam.RolePolicy(
    "read-orders",
    role=role.id,
    policy=table_arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": arn}],
            }
        )
    ),
)
aws.ssm.Parameter("token", type="SecureString", value=token)
pulumi.export("orders_table", producer.get_output("table_name"))
