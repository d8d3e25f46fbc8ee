import pulumi
import pulumi_aws as aws

table = aws.dynamodb.Table(
    "orders",
    attributes=[{"name": "id", "type": "S"}],
    hash_key="id",
    billing_mode="PAY_PER_REQUEST",
)
pulumi.export("table_name", table.name)
pulumi.export("table_arn", table.arn)
pulumi.export("api_token", pulumi.Config().require_secret("apiToken"))
