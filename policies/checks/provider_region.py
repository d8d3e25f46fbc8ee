"""CKV_ORG_2: the aws provider's region is in the environment's allow-list (policies/config.yaml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.provider.base_check import BaseProviderCheck
from checkov.terraform.checks.provider.registry import provider_registry

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


class ProviderRegion(BaseProviderCheck):
    def __init__(self) -> None:
        s.forget_check(provider_registry, "CKV_ORG_2")
        super().__init__(
            name="AWS provider region is in the environment's allowed regions",
            id="CKV_ORG_2",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_provider=["aws"],
            guideline="docs/policies.md#ckv_org_2",
        )
        self.severity = Severities["HIGH"]  # type: ignore[assignment]

    def scan_provider_conf(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = ["region"]
        region = s.scalar(conf, "region")
        allowed = s.env_limits().regions
        if not isinstance(region, str) or not region:
            self.details.append("the aws provider sets no region")
            return s.FAILED
        if region not in allowed:
            self.details.append(f"region {region} not in {', '.join(allowed)}")
            return s.FAILED
        return s.PASSED


check = ProviderRegion()
