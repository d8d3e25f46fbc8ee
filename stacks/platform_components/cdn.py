"""A CloudFront distribution in front of a private S3 origin (Origin Access Control) and an
optional API origin under `/api/*`: HTTPS only, TLS 1.2+, WAF, security headers, logging."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
from pulumi_aws import cloudfront as cf

from platform_components.iam import policy_document
from platform_components.secure_bucket import SecureBucket, deny_insecure_transport

# AWS managed CloudFront policies (ids are global constants).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

MINIMUM_PROTOCOL_VERSION = "TLSv1.2_2021"
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; upgrade-insecure-requests"
)

# Viewer-request function on the default behavior: `/docs/` -> `/docs/index.html`, `/about` ->
# `/about/index.html` (S3 REST origins have no index documents).
INDEX_REWRITE_CODE = """\
function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri.endsWith('/')) {
        request.uri += 'index.html';
    } else if (!uri.includes('.')) {
        request.uri += '/index.html';
    }
    return request;
}
"""

# Viewer-request function on `/api/*`: the HTTP API's routes have no `/api` prefix.
API_PREFIX_STRIP_CODE = """\
function handler(event) {
    var request = event.request;
    request.uri = request.uri.replace(/^\\/api(?=\\/|$)/, '') || '/';
    return request;
}
"""


def _function(name: str, comment: str, code: str, opts: pulumi.ResourceOptions) -> cf.Function:
    return cf.Function(name, runtime="cloudfront-js-2.0", comment=comment, code=code, publish=True, opts=opts)


class SecureDistribution(pulumi.ComponentResource):
    """Knobs: `origin_bucket` (a SecureBucket created with manage_policy=False: this component
    writes its policy), `log_bucket_domain` (bucket for standard logs), `certificate_arn` and
    `aliases`, `web_acl_arn`, `api_domain` (adds the `/api/*` behavior), `geo_restriction_type`
    (none|whitelist|blacklist) with `geo_locations`, `default_root_object` (index.html),
    `price_class` (PriceClass_100), `content_security_policy`."""

    distribution: cf.Distribution
    domain_name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        origin_bucket: SecureBucket,
        log_bucket_domain: pulumi.Input[str],
        certificate_arn: pulumi.Input[str],
        web_acl_arn: pulumi.Input[str],
        api_domain: pulumi.Input[str] | None = None,
        aliases: Sequence[str] = (),
        geo_restriction_type: str = "none",
        geo_locations: Sequence[str] = (),
        default_root_object: str = "index.html",
        price_class: str = "PriceClass_100",
        content_security_policy: str = DEFAULT_CSP,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:edge:SecureDistribution", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
        oac = cf.OriginAccessControl(
            name,
            name=prefix,
            description=f"{prefix}: signed requests to the private origin bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        headers = cf.ResponseHeadersPolicy(
            name,
            name=f"{prefix}-security-headers",
            comment="HSTS, nosniff, DENY framing, XSS block, strict referrer, CSP",
            security_headers_config=cf.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=cf.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=63072000, include_subdomains=True, preload=True, override=True
                ),
                content_type_options=cf.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                    override=True
                ),
                frame_options=cf.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option="DENY", override=True
                ),
                xss_protection=cf.ResponseHeadersPolicySecurityHeadersConfigXssProtectionArgs(
                    protection=True, mode_block=True, override=True
                ),
                referrer_policy=cf.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy="strict-origin-when-cross-origin", override=True
                ),
                content_security_policy=cf.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs(
                    content_security_policy=content_security_policy, override=True
                ),
            ),
            opts=child,
        )
        rewrite = _function(
            f"{name}-index-rewrite", "directory URLs to index.html", INDEX_REWRITE_CODE, child
        )
        origins = [
            cf.DistributionOriginArgs(
                origin_id="s3-origin",
                domain_name=origin_bucket.bucket.bucket_regional_domain_name,
                origin_access_control_id=oac.id,
            )
        ]
        ordered: list[cf.DistributionOrderedCacheBehaviorArgs] = []
        if api_domain is not None:
            strip = _function(
                f"{name}-api-prefix", "strip /api before the HTTP API", API_PREFIX_STRIP_CODE, child
            )
            origins.append(
                cf.DistributionOriginArgs(
                    origin_id="api-origin",
                    domain_name=api_domain,
                    custom_origin_config=cf.DistributionOriginCustomOriginConfigArgs(
                        http_port=80,
                        https_port=443,
                        origin_protocol_policy="https-only",
                        origin_ssl_protocols=["TLSv1.2"],
                    ),
                )
            )
            ordered.append(
                cf.DistributionOrderedCacheBehaviorArgs(
                    path_pattern="/api/*",
                    target_origin_id="api-origin",
                    viewer_protocol_policy="https-only",
                    allowed_methods=["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                    cached_methods=["GET", "HEAD"],
                    cache_policy_id=CACHING_DISABLED,
                    origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy_id=headers.id,
                    compress=True,
                    function_associations=[
                        cf.DistributionOrderedCacheBehaviorFunctionAssociationArgs(
                            event_type="viewer-request", function_arn=strip.arn
                        )
                    ],
                )
            )
        self.distribution = cf.Distribution(
            name,
            enabled=True,
            comment=prefix,
            aliases=list(aliases) or None,
            default_root_object=default_root_object,
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=price_class,
            web_acl_id=web_acl_arn,
            origins=origins,
            default_cache_behavior=cf.DistributionDefaultCacheBehaviorArgs(
                target_origin_id="s3-origin",
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=CACHING_OPTIMIZED,
                response_headers_policy_id=headers.id,
                compress=True,
                function_associations=[
                    cf.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                        event_type="viewer-request", function_arn=rewrite.arn
                    )
                ],
            ),
            ordered_cache_behaviors=ordered,
            restrictions=cf.DistributionRestrictionsArgs(
                geo_restriction=cf.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type=geo_restriction_type, locations=list(geo_locations)
                )
            ),
            viewer_certificate=cf.DistributionViewerCertificateArgs(
                acm_certificate_arn=certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version=MINIMUM_PROTOCOL_VERSION,
            ),
            logging_config=cf.DistributionLoggingConfigArgs(
                bucket=log_bucket_domain, include_cookies=False, prefix="cloudfront/"
            ),
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-origin",
            bucket=origin_bucket.bucket_id,
            policy=policy_document(
                [
                    deny_insecure_transport(origin_bucket.arn),
                    {
                        "Sid": "CloudFrontReadsThroughOriginAccessControl",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": pulumi.Output.concat(origin_bucket.arn, "/*"),
                        "Condition": {"StringEquals": {"AWS:SourceArn": self.distribution.arn}},
                    },
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[origin_bucket.public_access_block]),
        )
        self.domain_name = self.distribution.domain_name
        self.arn = self.distribution.arn
        self.register_outputs({"domain_name": self.domain_name, "arn": self.arn})
