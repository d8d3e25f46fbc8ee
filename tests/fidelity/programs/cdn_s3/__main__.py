"""CloudFront in front of S3: the origin's domain is the bucket's regional domain name. One
distribution reaches the bucket through an origin access control, the other has none."""

import pulumi_aws as aws

site = aws.s3.BucketV2("site", bucket="acme-site")
assets = aws.s3.BucketV2("assets", bucket="acme-assets")
oac = aws.cloudfront.OriginAccessControl(
    "site",
    name="site",
    origin_access_control_origin_type="s3",
    signing_behavior="always",
    signing_protocol="sigv4",
)


def distribution(name: str, bucket: aws.s3.BucketV2, **origin: object) -> aws.cloudfront.Distribution:
    return aws.cloudfront.Distribution(
        name,
        enabled=True,
        default_root_object="index.html",
        origins=[{"domain_name": bucket.bucket_regional_domain_name, "origin_id": "s3", **origin}],
        default_cache_behavior={
            "target_origin_id": "s3",
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
            "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True},
    )


distribution("site", site, origin_access_control_id=oac.id)
distribution("assets", assets)
