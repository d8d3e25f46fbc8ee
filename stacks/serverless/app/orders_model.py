"""Order validation and HTTP API v2 response helpers shared by the API and the worker."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

MAX_ITEMS = 100
MAX_QUANTITY = 1000


class InvalidOrder(ValueError):
    """The request body does not describe a valid order."""


def parse_new_order(body: Any) -> dict[str, Any]:
    """Validate a `POST /orders` body: `{"customer": str, "items": [{"sku": str, "quantity": int}]}`."""
    if not isinstance(body, dict):
        raise InvalidOrder("body must be a JSON object")
    customer = body.get("customer")
    if not isinstance(customer, str) or not customer.strip() or len(customer) > 200:
        raise InvalidOrder("customer must be a non-empty string of at most 200 characters")
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidOrder(f"items must be a list of 1 to {MAX_ITEMS} entries")
    clean = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidOrder(f"items[{index}] must be an object")
        sku, quantity = item.get("sku"), item.get("quantity")
        if not isinstance(sku, str) or not sku.strip() or len(sku) > 64:
            raise InvalidOrder(f"items[{index}].sku must be a non-empty string of at most 64 characters")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidOrder(f"items[{index}].quantity must be an integer from 1 to {MAX_QUANTITY}")
        clean.append({"sku": sku.strip(), "quantity": quantity})
    return {"customer": customer.strip(), "items": clean}


def is_order_id(value: Any) -> bool:
    """Order ids are canonical UUID strings."""
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; make them JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(_plain(body)),
        "isBase64Encoded": False,
    }


def error(status: int, message: str) -> dict[str, Any]:
    """A JSON error response: `{"message": ...}`."""
    return response(status, {"message": message})
