"""CKV_ORG_13: S3 public access blocks turn all four protections on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


class S3PublicAccessBlock(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_13",
            name="S3 public access block enables all four settings",
            severity="CRITICAL",
            resources=["aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block"],
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = list(FLAGS)
        off = [flag for flag in FLAGS if s.scalar(conf, flag) is not True]
        if off:
            self.details.append(f"off: {', '.join(off)}")
            return s.FAILED
        return s.PASSED


check = S3PublicAccessBlock()
