"""CKV_ORG_14: database instances are not publicly accessible."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


class DatabaseNotPublic(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_14",
            name="RDS/Aurora database instances are not publicly accessible",
            severity="CRITICAL",
            resources=["aws_db_instance", "aws_rds_cluster_instance"],
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = ["publicly_accessible"]
        return s.FAILED if s.scalar(conf, "publicly_accessible") is True else s.PASSED


check = DatabaseNotPublic()
