"""CKV_ORG_6: Lambda functions have a concurrency cap (reserved_concurrent_executions > 0)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


class LambdaConcurrencyCap(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_6",
            name="Lambda functions set a reserved concurrency cap greater than 0",
            severity="MEDIUM",
            resources=["aws_lambda_function"],
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = ["reserved_concurrent_executions"]
        cap = s.scalar(conf, "reserved_concurrent_executions")
        # -1 (the provider's "unreserved") and 0 (throttled to nothing) are not a usable cap.
        if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0:
            return s.PASSED
        return s.FAILED


check = LambdaConcurrencyCap()
