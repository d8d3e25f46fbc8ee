"""A Lambda function with secure defaults: arm64, X-Ray, reserved concurrency, encrypted env and
DLQ, its own encrypted log group, and a role allowed exactly what the caller names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_components.iam import assume_role_policy, policy_document, statement
from platform_components.log_group import EncryptedLogGroup


class SecureFunction(pulumi.ComponentResource):
    """Knobs: `code` (an Archive), `handler`, `kms_key_arn` (env vars, logs, DLQ), `environment`,
    `policy_statements` (extra least-privilege statements naming exact ARNs),
    `reserved_concurrency` (default 10), `memory_size` (256), `timeout` (10 s),
    `log_retention_days`, `runtime` (python3.12), `architecture` (arm64)."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    dead_letter_queue: aws.sqs.Queue
    name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        function_name: str,
        code: pulumi.Archive,
        handler: str,
        kms_key_arn: pulumi.Input[str],
        log_retention_days: int,
        environment: Mapping[str, pulumi.Input[str]] | None = None,
        policy_statements: Sequence[Mapping[str, Any]] = (),
        reserved_concurrency: int = 10,
        memory_size: int = 256,
        timeout: int = 10,
        runtime: str = "python3.12",
        architecture: str = "arm64",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:compute:SecureFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        logs = EncryptedLogGroup(
            f"{name}-logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention_in_days=log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            kms_master_key_id=kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=14 * 24 * 3600,
            opts=child,
        )
        self.role = aws.iam.Role(
            name, assume_role_policy=assume_role_policy("lambda.amazonaws.com"), opts=child
        )
        log_stream_arn = logs.arn.apply(lambda arn: f"{arn}:*")
        statements = [
            statement(["logs:CreateLogStream", "logs:PutLogEvents"], [log_stream_arn]),
            # X-Ray's write actions have no resource-level permissions.
            statement(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
            statement(["sqs:SendMessage"], [self.dead_letter_queue.arn]),
            statement(["kms:Decrypt", "kms:GenerateDataKey"], [kms_key_arn]),
            *policy_statements,
        ]
        policy = aws.iam.RolePolicy(name, role=self.role.id, policy=policy_document(statements), opts=child)
        self.function = aws.lambda_.Function(
            name,
            name=function_name,
            role=self.role.arn,
            runtime=runtime,
            handler=handler,
            code=code,
            architectures=[architecture],
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrency,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(
                target_arn=self.dead_letter_queue.arn
            ),
            kms_key_arn=kms_key_arn,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(environment or {})),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=logs.log_group_name
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, policy]),
        )
        self.name = self.function.name
        self.arn = self.function.arn
        self.register_outputs({"name": self.name, "arn": self.arn})
