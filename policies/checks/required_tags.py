"""CKV_ORG_1: taggable AWS resources carry the required tags (policies/config.yaml) with values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


class RequiredTags(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_1",
            name="Taggable resources carry the required tags (owner, cost-center, data-classification)",
            severity="MEDIUM",
            resources=["aws_*"],
            category="CONVENTION",
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        if not s.is_taggable(self.entity_type, conf):
            return s.UNKNOWN
        self.evaluated_keys = ["tags"]
        tags = s.mapping(conf, "tags") or {}
        merged = {**(s.mapping(conf, "tags_all") or {}), **tags}
        missing = [t for t in s.policy_config().required_tags if not str(merged.get(t) or "").strip()]
        if missing:
            self.details.append(f"missing tags: {', '.join(missing)}")
            return s.FAILED
        return s.PASSED


check = RequiredTags()
