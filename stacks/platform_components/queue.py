"""An SQS queue encrypted with a customer key, with a dead-letter queue and a redrive policy."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

FOURTEEN_DAYS = 14 * 24 * 3600


class EncryptedQueue(pulumi.ComponentResource):
    """Knobs: `kms_key_arn`, `max_receive_count` (default 5) before a message moves to the DLQ,
    `visibility_timeout_seconds` (default 60; keep it >= 6x the consumer's timeout),
    `message_retention_seconds` (default 4 days; the DLQ keeps 14)."""

    queue: aws.sqs.Queue
    dead_letter_queue: aws.sqs.Queue
    arn: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        kms_key_arn: pulumi.Input[str],
        max_receive_count: int = 5,
        visibility_timeout_seconds: int = 60,
        message_retention_seconds: int = 4 * 24 * 3600,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:messaging:EncryptedQueue", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            kms_master_key_id=kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=FOURTEEN_DAYS,
            opts=child,
        )
        self.queue = aws.sqs.Queue(
            name,
            kms_master_key_id=kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            visibility_timeout_seconds=visibility_timeout_seconds,
            message_retention_seconds=message_retention_seconds,
            redrive_policy=self.dead_letter_queue.arn.apply(
                lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": max_receive_count})
            ),
            opts=child,
        )
        aws.sqs.RedriveAllowPolicy(
            f"{name}-dlq",
            queue_url=self.dead_letter_queue.url,
            redrive_allow_policy=self.queue.arn.apply(
                lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
            ),
            opts=child,
        )
        self.arn = self.queue.arn
        self.url = self.queue.url
        self.register_outputs({"arn": self.arn, "url": self.url, "dlq_arn": self.dead_letter_queue.arn})


def subscribe(
    name: str,
    queue: EncryptedQueue,
    function: aws.lambda_.Function,
    *,
    batch_size: int = 10,
    maximum_batching_window_in_seconds: int = 0,
    opts: pulumi.ResourceOptions | None = None,
) -> aws.lambda_.EventSourceMapping:
    """Deliver `queue` to `function` in batches; the function reports partial batch failures, so
    only failed messages are retried (and eventually dead-lettered)."""
    return aws.lambda_.EventSourceMapping(
        name,
        event_source_arn=queue.arn,
        function_name=function.arn,
        batch_size=batch_size,
        maximum_batching_window_in_seconds=maximum_batching_window_in_seconds,
        function_response_types=["ReportBatchItemFailures"],
        opts=opts,
    )
