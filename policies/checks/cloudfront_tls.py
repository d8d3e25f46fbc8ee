"""CKV_ORG_7: CloudFront distributions require TLS 1.2 or later from viewers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from policies.sibling import load_sibling

if TYPE_CHECKING:
    import orgpolicy_support as s
else:  # by path: this directory's helpers, never a same-named module loaded from elsewhere
    s = load_sibling(__file__, "orgpolicy_support")


# Security policies whose minimum is TLS 1.2 or newer: TLSv1.2_2018, TLSv1.2_2019, TLSv1.2_2021,
# TLSv1.2_2025, TLSv1.3_2025, ... (the default certificate forces TLSv1, so it fails).
MODERN = re.compile(r"^TLSv1\.[2-9](_\d{4})?$")


class CloudFrontTls12(s.OrgCheck):
    def __init__(self) -> None:
        super().__init__(
            id="CKV_ORG_7",
            name="CloudFront viewer certificate requires TLS 1.2 or later",
            severity="HIGH",
            resources=["aws_cloudfront_distribution"],
            category="ENCRYPTION",
        )

    def evaluate(self, conf: dict[str, Any]) -> s.CheckResult:
        self.evaluated_keys = ["viewer_certificate/[0]/minimum_protocol_version"]
        certs = s.blocks(conf, "viewer_certificate")
        if not certs:
            return s.FAILED
        cert = certs[0]
        if s.scalar(cert, "cloudfront_default_certificate") is True:
            self.details.append("the default *.cloudfront.net certificate allows TLS 1.0")
            return s.FAILED
        version = s.scalar(cert, "minimum_protocol_version")
        return s.PASSED if isinstance(version, str) and MODERN.match(version) else s.FAILED


check = CloudFrontTls12()
