"""CKV_ORG_10: Aurora Serverless v2 max capacity stays under the environment's ACU cap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


class AuroraAcuCap(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_10",
            name="Aurora Serverless v2 max_capacity is within the environment's ACU cap",
            severity="MEDIUM",
            resources=["aws_rds_cluster"],
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        scaling = s.blocks(conf, "serverlessv2_scaling_configuration")
        if not scaling:
            return s.UNKNOWN  # provisioned or Serverless v1: not a v2 cluster
        self.evaluated_keys = ["serverlessv2_scaling_configuration/[0]/max_capacity"]
        cap = s.env_limits().aurora_max_acu
        max_acu = s.scalar(scaling[0], "max_capacity")
        if isinstance(max_acu, int | float) and not isinstance(max_acu, bool) and max_acu <= cap:
            return s.PASSED
        self.details.append(f"max_capacity {max_acu} above cap {cap}")
        return s.FAILED


check = AuroraAcuCap()
