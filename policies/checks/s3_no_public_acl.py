"""CKV_ORG_12: S3 buckets have no public canned ACL (public-read, public-read-write,
authenticated-read) nor a grant to the AllUsers/AuthenticatedUsers groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
PUBLIC_GROUPS = (
    "acs.amazonaws.com/groups/global/AllUsers",
    "acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _public_grants(conf: dict[str, Any]) -> bool:
    policies = s.blocks(conf, "access_control_policy")
    grants = [g for p in policies for g in s.blocks(p, "grant")] + s.blocks(conf, "grant")
    grantees = [e for g in grants for e in s.blocks(g, "grantee")] + grants
    return any(any(group in str(s.scalar(e, "uri", "")) for group in PUBLIC_GROUPS) for e in grantees)


class S3NoPublicAcl(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_12",
            name="S3 buckets have no public ACL",
            severity="CRITICAL",
            resources=["aws_s3_bucket", "aws_s3_bucket_acl"],
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = ["acl", "access_control_policy", "grant"]
        if s.scalar(conf, "acl") in PUBLIC_ACLS or _public_grants(conf):
            return s.FAILED
        return s.PASSED


check = S3NoPublicAcl()
