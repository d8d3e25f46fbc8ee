"""CKV_ORG_4: data stores are encrypted with a customer-managed KMS key (not AWS owned/managed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


KMS_SSE = {"aws:kms", "aws:kms:dsse"}


def _s3_rules(conf: dict[str, Any]) -> list[dict[str, Any]] | None:
    """SSE defaults of an S3 encryption config (the resource itself or aws_s3_bucket's inline block)."""
    rules = s.blocks(conf, "rule")
    if not rules:
        inline = s.blocks(conf, "server_side_encryption_configuration")
        if not inline:
            return None
        rules = [r for block in inline for r in s.blocks(block, "rule")]
    return [d for r in rules for d in s.blocks(r, "apply_server_side_encryption_by_default")]


def _s3(conf: dict[str, Any]) -> tuple[list[str], bool] | None:
    defaults = _s3_rules(conf)
    if defaults is None:
        return None  # bucket without inline config: its encryption resource (or CKV_AWS_145) decides
    ok = bool(defaults) and all(
        s.scalar(d, "sse_algorithm") in KMS_SSE
        and s.is_customer_managed_key(s.scalar(d, "kms_master_key_id"))
        for d in defaults
    )
    return ["rule/apply_server_side_encryption_by_default/kms_master_key_id"], ok


def _dynamodb(conf: dict[str, Any]) -> tuple[list[str], bool]:
    sse = s.blocks(conf, "server_side_encryption")
    ok = bool(sse) and all(
        s.scalar(b, "enabled") is True and s.is_customer_managed_key(s.scalar(b, "kms_key_arn")) for b in sse
    )
    return ["server_side_encryption/kms_key_arn"], ok


def _rds(conf: dict[str, Any]) -> tuple[list[str], bool]:
    ok = s.scalar(conf, "storage_encrypted") is True and s.is_customer_managed_key(
        s.scalar(conf, "kms_key_id")
    )
    return ["storage_encrypted", "kms_key_id"], ok


def _attr(key: str) -> Any:
    def check(conf: dict[str, Any]) -> tuple[list[str], bool]:
        return [key], s.is_customer_managed_key(s.scalar(conf, key))

    return check


RULES = {
    "aws_s3_bucket": _s3,
    "aws_s3_bucket_server_side_encryption_configuration": _s3,
    "aws_dynamodb_table": _dynamodb,
    "aws_rds_cluster": _rds,
    "aws_db_instance": _rds,
    "aws_sqs_queue": _attr("kms_master_key_id"),
    "aws_sns_topic": _attr("kms_master_key_id"),
    "aws_cloudwatch_log_group": _attr("kms_key_id"),
}


class CustomerManagedKms(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_4",
            name="Data stores are encrypted with a customer-managed KMS key",
            severity="HIGH",
            resources=sorted(RULES),
            category="ENCRYPTION",
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        outcome = RULES[self.entity_type](conf)
        if outcome is None:
            return s.UNKNOWN
        self.evaluated_keys, ok = outcome
        return s.PASSED if ok else s.FAILED


check = CustomerManagedKms()
