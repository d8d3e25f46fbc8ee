"""CKV_ORG_9: CloudWatch log groups keep logs between a floor and a ceiling (policies/config.yaml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


class LogRetentionBounds(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_9",
            name="Log group retention is between the configured floor and ceiling",
            severity="MEDIUM",
            resources=["aws_cloudwatch_log_group"],
            category="LOGGING",
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = ["retention_in_days"]
        days = s.scalar(conf, "retention_in_days", 0)  # unset/0 = never expire
        bounds = s.policy_config().log_retention
        if (
            isinstance(days, int)
            and not isinstance(days, bool)
            and bounds.min_days <= days <= bounds.max_days
        ):
            return s.PASSED
        self.details.append(
            f"retention {days or 'never expires'}, allowed {bounds.min_days}-{bounds.max_days} days"
        )
        return s.FAILED


check = LogRetentionBounds()
