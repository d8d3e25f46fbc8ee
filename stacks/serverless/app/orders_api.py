"""Orders HTTP API (API Gateway HTTP API, payload 2.0): `POST /orders`, `GET /orders/{id}`."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import boto3
from orders_model import InvalidOrder, error, is_order_id, parse_new_order, response

ORDER_TTL_DAYS = int(os.environ.get("ORDER_TTL_DAYS", "365"))


@lru_cache(maxsize=1)
def _table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


@lru_cache(maxsize=1)
def _sqs() -> Any:
    return boto3.client("sqs")


def _json_body(event: dict[str, Any]) -> Any:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    return json.loads(raw)


def create_order(event: dict[str, Any]) -> dict[str, Any]:
    """Validate the body, store a `pending` order, queue it for processing; 201 with the order."""
    try:
        order = parse_new_order(_json_body(event))
    except (ValueError, UnicodeDecodeError) as exc:
        message = str(exc) if isinstance(exc, InvalidOrder) else "body must be valid JSON"
        return error(400, message)
    now = time.time()
    order |= {
        "id": str(uuid.uuid4()),
        "status": "pending",
        "createdAt": datetime.fromtimestamp(now, UTC).isoformat(),
        "expiresAt": int(now) + ORDER_TTL_DAYS * 86400,
    }
    _table().put_item(Item=order, ConditionExpression="attribute_not_exists(id)")
    queue_url = os.environ.get("QUEUE_URL")
    if queue_url:
        _sqs().send_message(QueueUrl=queue_url, MessageBody=json.dumps({"orderId": order["id"]}))
    return response(201, order, {"location": f"/orders/{order['id']}"})


def get_order(event: dict[str, Any]) -> dict[str, Any]:
    """200 with the order, 400 for a malformed id, 404 when there is no such order."""
    order_id = (event.get("pathParameters") or {}).get("id")
    if not is_order_id(order_id):
        return error(400, "order id must be a UUID")
    item = _table().get_item(Key={"id": order_id}).get("Item")
    if item is None:
        return error(404, f"order {order_id} not found")
    return response(200, item)


ROUTES = {"POST /orders": create_order, "GET /orders/{id}": get_order}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: dispatch on the HTTP API route key."""
    route = ROUTES.get(event.get("routeKey", ""))
    if route is None:
        return error(404, "no such route")
    return route(event)
