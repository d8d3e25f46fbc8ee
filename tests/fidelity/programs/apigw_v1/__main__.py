"""API Gateway v1 (renamed inputs restApi/deployment): a traced, logged, cached stage and a bare one."""

import pulumi
import pulumi_aws as aws

api = aws.apigateway.RestApi("rest", name="rest", endpoint_configuration={"types": "REGIONAL"})
resource = aws.apigateway.Resource(
    "items", rest_api=api.id, parent_id=api.root_resource_id, path_part="items"
)
method = aws.apigateway.Method(
    "get_items", rest_api=api.id, resource_id=resource.id, http_method="GET", authorization="NONE"
)
integration = aws.apigateway.Integration(
    "get_items_mock", rest_api=api.id, resource_id=resource.id, http_method="GET", type="MOCK"
)
deployment = aws.apigateway.Deployment(
    "v1", rest_api=api.id, opts=pulumi.ResourceOptions(depends_on=[method, integration])
)
access = aws.cloudwatch.LogGroup("rest_access", name="/apigw/rest", retention_in_days=365)

aws.apigateway.Stage(
    "live",
    rest_api=api.id,
    deployment=deployment.id,
    stage_name="live",
    xray_tracing_enabled=True,
    cache_cluster_enabled=True,
    cache_cluster_size="0.5",
    client_certificate_id="cert-1",
    access_log_settings={"destination_arn": access.arn, "format": "$context.requestId"},
)

aws.apigateway.Stage("test", rest_api=api.id, deployment=deployment.id, stage_name="test")
