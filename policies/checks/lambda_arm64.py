"""CKV_ORG_5: Lambda functions run on arm64 (Graviton: cheaper per GB-second)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


class LambdaArm64(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_5",
            name="Lambda functions use the arm64 architecture",
            severity="LOW",
            resources=["aws_lambda_function"],
            category="GENERAL_SECURITY",
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = ["architectures"]
        return s.PASSED if s.items(conf, "architectures") == ["arm64"] else s.FAILED


check = LambdaArm64()
