"""Orders worker: consumes the orders queue and marks each order `processed`.

Reports partial batch failures (`ReportBatchItemFailures`), so only failed messages are retried.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError
from orders_model import is_order_id


@lru_cache(maxsize=1)
def _table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def process_order(order_id: str) -> None:
    """Mark an existing order processed; idempotent for orders already processed."""
    try:
        _table().update_item(
            Key={"id": order_id},
            UpdateExpression="SET #s = :processed, processedAt = :now",
            ConditionExpression="attribute_exists(id) AND #s = :pending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":processed": "processed",
                ":pending": "pending",
                ":now": datetime.now(UTC).isoformat(),
            },
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        item = _table().get_item(Key={"id": order_id}).get("Item")
        if item is None:
            raise LookupError(f"order {order_id} not found") from None
        # Already processed (a redelivered message): nothing to do.


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point for SQS batches; returns the ids of the messages that failed."""
    failures = []
    for record in event.get("Records", []):
        try:
            order_id = json.loads(record["body"])["orderId"]
            if not is_order_id(order_id):
                raise ValueError(f"bad order id {order_id!r}")
            process_order(order_id)
        except Exception as exc:  # any failure fails just this message, not the batch
            print(json.dumps({"level": "ERROR", "messageId": record.get("messageId"), "error": str(exc)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
