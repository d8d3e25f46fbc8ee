"""CKV_ORG_11: Lambda memory_size stays under the environment's cap (policies/config.yaml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


PROVIDER_DEFAULT_MB = 128


class LambdaMemoryCap(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_11",
            name="Lambda memory_size is within the environment's cap",
            severity="MEDIUM",
            resources=["aws_lambda_function"],
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = ["memory_size"]
        memory = s.scalar(conf, "memory_size", PROVIDER_DEFAULT_MB)
        cap = s.env_limits().lambda_max_memory_mb
        if isinstance(memory, int) and not isinstance(memory, bool) and memory <= cap:
            return s.PASSED
        self.details.append(f"memory_size {memory} MB above cap {cap} MB")
        return s.FAILED


check = LambdaMemoryCap()
