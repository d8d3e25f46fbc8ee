"""An API Gateway HTTP API in front of Lambda functions: proxy integrations, throttling, JSON
access logs to an encrypted log group, optional JWT authorization."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from platform_components.log_group import EncryptedLogGroup

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationError": "$context.integrationErrorMessage",
    }
)


class HttpApi(pulumi.ComponentResource):
    """Knobs: `functions` (key -> Lambda function), `routes` (route key such as
    `GET /orders/{id}` -> function key), `kms_key_arn` and
    `log_retention_days` for access logs, `throttling_burst_limit` (default 50),
    `throttling_rate_limit` (default 100 rps), `jwt_issuer`/`jwt_audience` (when set, every route
    requires a JWT)."""

    api: aws.apigatewayv2.Api
    stage: aws.apigatewayv2.Stage
    api_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        functions: Mapping[str, aws.lambda_.Function],
        routes: Mapping[str, str],
        kms_key_arn: pulumi.Input[str],
        log_retention_days: int,
        throttling_burst_limit: int = 50,
        throttling_rate_limit: float = 100.0,
        jwt_issuer: str | None = None,
        jwt_audience: Sequence[str] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:api:HttpApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.api = aws.apigatewayv2.Api(name, protocol_type="HTTP", opts=child)
        authorizer = None
        if jwt_issuer:
            authorizer = aws.apigatewayv2.Authorizer(
                name,
                api_id=self.api.id,
                authorizer_type="JWT",
                identity_sources=["$request.header.Authorization"],
                jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
                    issuer=jwt_issuer, audiences=list(jwt_audience)
                ),
                opts=child,
            )
        integrations: dict[str, aws.apigatewayv2.Integration] = {}
        for key, function in functions.items():
            integrations[key] = aws.apigatewayv2.Integration(
                f"{name}-{key}",
                api_id=self.api.id,
                integration_type="AWS_PROXY",
                integration_uri=function.invoke_arn,
                integration_method="POST",
                payload_format_version="2.0",
                opts=child,
            )
            aws.lambda_.Permission(
                f"{name}-{key}",
                action="lambda:InvokeFunction",
                function=function.name,
                principal="apigateway.amazonaws.com",
                source_arn=self.api.execution_arn.apply(lambda arn: f"{arn}/*/*"),
                opts=child,
            )
        for route_key, key in routes.items():
            if key not in integrations:
                raise pulumi.RunError(f"{name}: route {route_key!r} names unknown function {key!r}")
            aws.apigatewayv2.Route(
                f"{name}-{route_key.replace(' ', '-').replace('/', '_')}",
                api_id=self.api.id,
                route_key=route_key,
                target=integrations[key].id.apply(lambda integration_id: f"integrations/{integration_id}"),
                authorization_type="JWT" if authorizer else "NONE",
                authorizer_id=authorizer.id if authorizer else None,
                opts=child,
            )
        logs = EncryptedLogGroup(
            f"{name}-access-logs",
            log_group_name=f"/aws/apigateway/{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            retention_in_days=log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        self.stage = aws.apigatewayv2.Stage(
            name,
            api_id=self.api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=logs.arn, format=ACCESS_LOG_FORMAT
            ),
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_burst_limit=throttling_burst_limit,
                throttling_rate_limit=throttling_rate_limit,
                detailed_metrics_enabled=True,
            ),
            opts=child,
        )
        self.api_id = self.api.id
        self.endpoint = self.api.api_endpoint
        self.register_outputs({"api_id": self.api_id, "endpoint": self.endpoint})
