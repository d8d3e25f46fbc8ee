"""The serverless program: hardened functions, least-privilege roles naming the database stack's
table, encrypted queues, a throttled and logged HTTP API."""

from __future__ import annotations

import json

import pytest

ENVS = ["dev", "prod"]
FUNCTIONS = ["orders-api", "orders-worker"]
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/app-key-id"  # the mock ARN of the stack's "app" key


def _policy(graph, name):
    return json.loads(graph.one("aws:iam/rolePolicy:RolePolicy", name)["policy"])["Statement"]


def _grants(statements):
    """action -> every resource an Allow statement grants it on."""
    grants: dict[str, set[str]] = {}
    for s in statements:
        for action in s["Action"]:
            grants.setdefault(action, set()).update(s["Resource"])
    return grants


def _queue_arns(graph):
    return {
        r["name"]: f"arn:aws:sqs:us-east-1:123456789012:{r['name']}"
        for r in graph.of_type("aws:sqs/queue:Queue")
    }


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_are_arm64_traced_limited_with_encrypted_env_and_dlq(stack_graph, env, name):
    graph = stack_graph("serverless", env)
    fn = graph.one("aws:lambda/function:Function", name)
    key_arn = KEY_ARN
    assert fn["architectures"] == ["arm64"]
    assert fn["runtime"] == "python3.12"
    assert fn["tracingConfig"] == {"mode": "Active"}
    assert fn["reservedConcurrentExecutions"] > 0
    assert fn["kmsKeyArn"] == key_arn
    assert fn["deadLetterConfig"]["targetArn"] == _queue_arns(graph)[f"{name}-dlq"]
    dlq = graph.one("aws:sqs/queue:Queue", f"{name}-dlq")
    assert dlq["kmsMasterKeyId"] == key_arn
    assert fn["loggingConfig"]["logGroup"] == f"/aws/lambda/serverless-{env}-{name}"
    assert fn["name"] == f"serverless-{env}-{name}"


@pytest.mark.parametrize("env", ENVS)
def test_table_name_comes_from_the_database_stack_reference(stack_graph, env):
    database = stack_graph("database", env).outputs
    graph = stack_graph("serverless", env)
    for name in FUNCTIONS:
        variables = graph.one("aws:lambda/function:Function", name)["environment"]["variables"]
        assert variables["TABLE_NAME"] == database["tableName"]
    api_env = graph.one("aws:lambda/function:Function", "orders-api")["environment"]["variables"]
    assert api_env["QUEUE_URL"] == graph.outputs["queueUrl"]


def test_code_is_packaged_from_the_app_directory(stack_graph):
    fn = stack_graph("serverless", "dev").one("aws:lambda/function:Function", "orders-api")
    assets = fn["code"]["assets"]
    assert {"orders_api.py", "worker.py", "orders_model.py"} <= set(assets)
    assert assets["orders_api.py"]["path"].endswith("stacks/serverless/app/orders_api.py")
    assert fn["handler"] == "orders_api.handler"


def test_api_role_may_only_put_and_get_the_exact_table_and_send_to_the_exact_queue(stack_graph):
    table_arn = stack_graph("database", "dev").outputs["tableArn"]
    graph = stack_graph("serverless", "dev")
    statements = _policy(graph, "orders-api")
    grants = _grants(statements)
    assert grants["dynamodb:PutItem"] == {table_arn}
    assert grants["dynamodb:GetItem"] == {table_arn}
    assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"} & set(grants)
    assert grants["sqs:SendMessage"] == {graph.outputs["queueArn"], _queue_arns(graph)["orders-api-dlq"]}
    assert grants["kms:Decrypt"] == {KEY_ARN}
    assert grants["logs:PutLogEvents"] == {
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/serverless-dev-orders-api:*"
    }
    for s in statements:
        assert all(not a.endswith(":*") and a != "*" for a in s["Action"]), s
        if s["Resource"] == ["*"]:
            assert set(s["Action"]) <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_worker_role_may_only_update_the_table_and_consume_its_queue(stack_graph):
    table_arn = stack_graph("database", "dev").outputs["tableArn"]
    graph = stack_graph("serverless", "dev")
    grants = _grants(_policy(graph, "orders-worker"))
    assert grants["dynamodb:UpdateItem"] == {table_arn}
    assert "dynamodb:PutItem" not in grants
    assert grants["sqs:ReceiveMessage"] == {graph.outputs["queueArn"]}
    assert grants["sqs:DeleteMessage"] == {graph.outputs["queueArn"]}
    assert grants["sqs:SendMessage"] == {_queue_arns(graph)["orders-worker-dlq"]}


def test_orders_queue_is_encrypted_and_redrives_to_its_dlq_which_feeds_the_worker(stack_graph):
    graph = stack_graph("serverless", "dev")
    arns = _queue_arns(graph)
    queue = graph.one("aws:sqs/queue:Queue", "orders")
    assert queue["kmsMasterKeyId"] == KEY_ARN
    assert json.loads(queue["redrivePolicy"]) == {
        "deadLetterTargetArn": arns["orders-dlq"],
        "maxReceiveCount": 5,
    }
    assert all(r["inputs"].get("kmsMasterKeyId") for r in graph.of_type("aws:sqs/queue:Queue"))
    mapping = graph.one("aws:lambda/eventSourceMapping:EventSourceMapping", "orders-worker")
    assert mapping["eventSourceArn"] == arns["orders"]
    assert mapping["functionName"].endswith(":function:serverless-dev-orders-worker")
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize(("env", "days"), [("dev", 30), ("prod", 365)])
def test_http_api_proxies_to_lambda_with_throttling_and_encrypted_access_logs(stack_graph, env, days):
    graph = stack_graph("serverless", env)
    integration = graph.one("aws:apigatewayv2/integration:Integration", "orders-api")
    assert integration["integrationType"] == "AWS_PROXY"
    assert integration["payloadFormatVersion"] == "2.0"
    assert integration["integrationUri"].endswith(f"function:serverless-{env}-orders-api")
    routes = {r["inputs"]["routeKey"]: r["inputs"] for r in graph.of_type("aws:apigatewayv2/route:Route")}
    assert set(routes) == {"POST /orders", "GET /orders/{id}"}
    authorizer = graph.one("aws:apigatewayv2/authorizer:Authorizer", "orders")
    assert authorizer["authorizerType"] == "JWT"
    assert authorizer["jwtConfiguration"]["issuer"].startswith("https://")
    assert authorizer["jwtConfiguration"]["audiences"] == ["orders-api"]
    for route in routes.values():
        assert route["authorizationType"] == "JWT"
        assert route["authorizerId"] == "orders-id"  # the authorizer's mock id
    stage = graph.one("aws:apigatewayv2/stage:Stage", "orders")
    log_arn = stage["accessLogSettings"]["destinationArn"]
    log_group = next(
        r["inputs"]
        for r in graph.of_type("aws:cloudwatch/logGroup:LogGroup")
        if log_arn.endswith(r["inputs"]["name"])
    )
    assert log_group["kmsKeyId"] and log_group["retentionInDays"] == days
    assert json.loads(stage["accessLogSettings"]["format"])["requestId"] == "$context.requestId"
    assert stage["defaultRouteSettings"]["throttlingBurstLimit"] == 50
    assert stage["defaultRouteSettings"]["throttlingRateLimit"] == 100
    permission = graph.one("aws:lambda/permission:Permission", "orders-api")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["sourceArn"] == "arn:aws:execute-api:us-east-1:123456789012:orders-api-id/*/*"
    assert all(
        g["inputs"]["retentionInDays"] == days for g in graph.of_type("aws:cloudwatch/logGroup:LogGroup")
    )


def test_exports(stack_graph):
    outputs = stack_graph("serverless", "dev").outputs
    assert outputs["apiEndpoint"] == "https://orders-api-id.execute-api.us-east-1.amazonaws.com"
    assert outputs["apiDomain"] == "orders-api-id.execute-api.us-east-1.amazonaws.com"
    assert outputs["functionNames"] == ["serverless-dev-orders-api", "serverless-dev-orders-worker"]
    assert {"apiId", "queueUrl", "queueArn"} <= set(outputs)
