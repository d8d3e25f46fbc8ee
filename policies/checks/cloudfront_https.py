"""CKV_ORG_8: every CloudFront cache behavior sends viewers to HTTPS (redirect-to-https/https-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


HTTPS = {"redirect-to-https", "https-only"}


class CloudFrontHttpsOnly(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_8",
            name="CloudFront behaviors redirect viewers to HTTPS or allow HTTPS only",
            severity="HIGH",
            resources=["aws_cloudfront_distribution"],
            category="ENCRYPTION",
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = [
            "default_cache_behavior/[0]/viewer_protocol_policy",
            "ordered_cache_behavior/[*]/viewer_protocol_policy",
        ]
        behaviors = s.blocks(conf, "default_cache_behavior") + s.blocks(conf, "ordered_cache_behavior")
        if not behaviors:
            return s.FAILED
        bad = [b for b in behaviors if s.scalar(b, "viewer_protocol_policy") not in HTTPS]
        if bad:
            self.details.append(f"{len(bad)} behavior(s) allow plain HTTP")
            return s.FAILED
        return s.PASSED


check = CloudFrontHttpsOnly()
