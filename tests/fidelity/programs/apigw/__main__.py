"""API Gateway v2: an HTTP API with a logged, throttled stage and an unlogged one."""

import pulumi_aws as aws

api = aws.apigatewayv2.Api("http", name="http", protocol_type="HTTP")
access = aws.cloudwatch.LogGroup("access", name="/apigw/access", retention_in_days=400)

aws.apigatewayv2.Stage(
    "prod",
    api_id=api.id,
    name="prod",
    auto_deploy=True,
    access_log_settings={"destination_arn": access.arn, "format": "$context.requestId"},
    default_route_settings={"throttling_burst_limit": 100, "throttling_rate_limit": 50},
)

aws.apigatewayv2.Stage("scratch", api_id=api.id, name="scratch")
