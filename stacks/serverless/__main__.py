"""serverless: the orders HTTP API and its queue worker, on the database stack's table."""

from pathlib import Path

import pulumi

from platform_components import (
    EncryptedQueue,
    EncryptionKey,
    HttpApi,
    SecureFunction,
    load_settings,
    register_default_tags,
)
from platform_components.iam import statement
from platform_components.queue import subscribe

settings = load_settings()
register_default_tags(settings)
config = pulumi.Config()

database = pulumi.StackReference(config.require("databaseStack"))
table_name = database.require_output("tableName")
table_arn = database.require_output("tableArn")

key = EncryptionKey("app", description=f"{settings.resource_name('app')}: queues, functions, logs")
orders_queue = EncryptedQueue("orders", kms_key_arn=key.arn, visibility_timeout_seconds=60)
app_dir = Path(__file__).resolve().parent / "app"
code = pulumi.AssetArchive({path.name: pulumi.FileAsset(str(path)) for path in sorted(app_dir.glob("*.py"))})

api_function = SecureFunction(
    "orders-api",
    function_name=settings.resource_name("orders-api"),
    code=code,
    handler="orders_api.handler",
    kms_key_arn=key.arn,
    log_retention_days=settings.log_retention_days,
    environment={"TABLE_NAME": table_name, "QUEUE_URL": orders_queue.url},
    reserved_concurrency=config.get_int("apiConcurrency") or 20,
    policy_statements=[
        statement(["dynamodb:PutItem", "dynamodb:GetItem"], [table_arn]),
        statement(["sqs:SendMessage"], [orders_queue.arn]),
    ],
)

worker = SecureFunction(
    "orders-worker",
    function_name=settings.resource_name("orders-worker"),
    code=code,
    handler="worker.handler",
    kms_key_arn=key.arn,
    log_retention_days=settings.log_retention_days,
    environment={"TABLE_NAME": table_name},
    reserved_concurrency=config.get_int("workerConcurrency") or 5,
    policy_statements=[
        statement(["dynamodb:UpdateItem"], [table_arn]),
        statement(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], [orders_queue.arn]),
    ],
)

# `httpApi` (default true) exists only so an emulator without API Gateway v2 (the LocalStack community
# edition, tests/e2e) can apply the rest; the dev and prod configs never set it.
api = None
if config.get_bool("httpApi") is not False:
    api = HttpApi(
        "orders",
        functions={"api": api_function.function},
        routes={"POST /orders": "api", "GET /orders/{id}": "api"},
        kms_key_arn=key.arn,
        log_retention_days=settings.log_retention_days,
        throttling_burst_limit=config.get_int("apiBurstLimit") or 50,
        throttling_rate_limit=config.get_float("apiRateLimit") or 100.0,
        jwt_issuer=config.get("jwtIssuer"),
        jwt_audience=config.get_object("jwtAudience") or [],
    )

subscribe("orders-worker", orders_queue, worker.function, batch_size=10)

if api is not None:
    pulumi.export("apiEndpoint", api.endpoint)
    pulumi.export(
        "apiDomain", api.endpoint.apply(lambda url: url and url.removeprefix("https://").split("/")[0])
    )
    pulumi.export("apiId", api.api_id)
pulumi.export("functionNames", [api_function.name, worker.name])
pulumi.export("queueUrl", orders_queue.url)
pulumi.export("queueArn", orders_queue.arn)
