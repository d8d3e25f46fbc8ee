"""CKV_ORG_3: a per-resource `region` (TF AWS v6 / pulumi-aws v7) is in the environment's allow-list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


class ResourceRegion(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_3",
            name="Resource-level region override is in the environment's allowed regions",
            severity="HIGH",
            resources=["aws_*"],
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        region = s.scalar(conf, "region")
        if region is None or s.is_unknown(region) or not isinstance(region, str):
            return s.UNKNOWN  # no override: the provider region applies (CKV_ORG_2)
        self.evaluated_keys = ["region"]
        allowed = s.env_limits().regions
        if region not in allowed:
            self.details.append(f"region {region} not in {', '.join(allowed)}")
            return s.FAILED
        return s.PASSED


check = ResourceRegion()
