"""The orders Lambda handlers against moto's in-process DynamoDB and SQS, with real API Gateway
HTTP API (payload 2.0) and SQS event shapes."""

from __future__ import annotations

import base64
import importlib
import json
import sys
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from .conftest import STACKS

APP = STACKS / "serverless" / "app"
TABLE = "orders-test"


@pytest.fixture(scope="module")
def app() -> Iterator[dict[str, ModuleType]]:
    sys.path.insert(0, str(APP))
    try:
        yield {name: importlib.import_module(name) for name in ("orders_api", "worker", "orders_model")}
    finally:
        sys.path.remove(str(APP))


@pytest.fixture
def aws(app, monkeypatch) -> Iterator[dict[str, Any]]:
    for var, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TABLE_NAME": TABLE,
    }.items():
        monkeypatch.setenv(var, value)
    with mock_aws():
        dynamodb = boto3.resource("dynamodb")
        table = dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        monkeypatch.setenv("QUEUE_URL", queue_url)
        for module in (app["orders_api"], app["worker"]):
            module._table.cache_clear()
        app["orders_api"]._sqs.cache_clear()
        yield {"table": table, "sqs": sqs, "queue_url": queue_url}
        for module in (app["orders_api"], app["worker"]):
            module._table.cache_clear()
        app["orders_api"]._sqs.cache_clear()


def http_event(
    route_key: str, body: Any = None, path_id: str | None = None, b64: bool = False
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-2.0 event as Lambda receives it."""
    method, path = route_key.split(" ", 1)
    raw_path = path.replace("{id}", path_id or "")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"},
            "requestId": "req-1",
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": 1763740000000,
        },
        "isBase64Encoded": b64,
    }
    if path_id is not None:
        event["pathParameters"] = {"id": path_id}
    if body is not None:
        text = body if isinstance(body, str) else json.dumps(body)
        event["body"] = base64.b64encode(text.encode()).decode() if b64 else text
    return event


def sqs_event(*bodies: Any) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"rh-{i}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


ORDER = {"customer": "ada@example.com", "items": [{"sku": "SKU-1", "quantity": 2}]}


def test_post_creates_a_pending_order_in_the_table_and_queues_it(app, aws):
    response = app["orders_api"].handler(http_event("POST /orders", ORDER), None)
    assert response["statusCode"] == 201
    assert response["headers"]["content-type"] == "application/json"
    order = json.loads(response["body"])
    assert response["headers"]["location"] == f"/orders/{order['id']}"
    item = aws["table"].get_item(Key={"id": order["id"]})["Item"]
    assert item["customer"] == "ada@example.com"
    assert item["status"] == "pending"
    assert item["items"] == [{"sku": "SKU-1", "quantity": 2}]
    assert int(item["expiresAt"]) > 0
    messages = aws["sqs"].receive_message(QueueUrl=aws["queue_url"])["Messages"]
    assert json.loads(messages[0]["Body"]) == {"orderId": order["id"]}


def test_post_accepts_base64_encoded_bodies(app, aws):
    response = app["orders_api"].handler(http_event("POST /orders", ORDER, b64=True), None)
    assert response["statusCode"] == 201


def test_get_reads_back_the_created_order(app, aws):
    created = json.loads(app["orders_api"].handler(http_event("POST /orders", ORDER), None)["body"])
    response = app["orders_api"].handler(http_event("GET /orders/{id}", path_id=created["id"]), None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == created


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        [],
        {"items": [{"sku": "A", "quantity": 1}]},
        {"customer": " ", "items": [{"sku": "A", "quantity": 1}]},
        {"customer": "x", "items": []},
        {"customer": "x", "items": [{"sku": "A", "quantity": 0}]},
        {"customer": "x", "items": [{"sku": "A", "quantity": True}]},
        {"customer": "x", "items": [{"sku": "", "quantity": 1}]},
        {"customer": "x", "items": ["A"]},
    ],
)
def test_post_with_invalid_input_is_400_and_writes_nothing(app, aws, body):
    response = app["orders_api"].handler(http_event("POST /orders", body), None)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"]
    assert aws["table"].scan()["Count"] == 0


def test_post_without_body_is_400(app, aws):
    assert app["orders_api"].handler(http_event("POST /orders"), None)["statusCode"] == 400


def test_get_unknown_order_is_404_and_malformed_id_is_400(app, aws):
    missing = app["orders_api"].handler(http_event("GET /orders/{id}", path_id=str(uuid.uuid4())), None)
    assert missing["statusCode"] == 404
    malformed = app["orders_api"].handler(http_event("GET /orders/{id}", path_id="../etc"), None)
    assert malformed["statusCode"] == 400


def test_unknown_route_is_404(app, aws):
    assert (
        app["orders_api"].handler(http_event("DELETE /orders/{id}", path_id="x"), None)["statusCode"] == 404
    )


def test_worker_marks_orders_processed_and_reports_only_failed_messages(app, aws):
    created = json.loads(app["orders_api"].handler(http_event("POST /orders", ORDER), None)["body"])
    result = app["worker"].handler(
        sqs_event({"orderId": created["id"]}, {"orderId": str(uuid.uuid4())}, "garbage", {"orderId": "nope"}),
        None,
    )
    assert result == {
        "batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}, {"itemIdentifier": "m-3"}]
    }
    item = aws["table"].get_item(Key={"id": created["id"]})["Item"]
    assert item["status"] == "processed"
    assert item["processedAt"]


def test_worker_is_idempotent_for_redelivered_messages(app, aws):
    created = json.loads(app["orders_api"].handler(http_event("POST /orders", ORDER), None)["body"])
    event = sqs_event({"orderId": created["id"]})
    assert app["worker"].handler(event, None) == {"batchItemFailures": []}
    first = aws["table"].get_item(Key={"id": created["id"]})["Item"]["processedAt"]
    assert app["worker"].handler(event, None) == {"batchItemFailures": []}
    assert aws["table"].get_item(Key={"id": created["id"]})["Item"]["processedAt"] == first
