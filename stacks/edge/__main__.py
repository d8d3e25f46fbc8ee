"""edge: CloudFront + WAF in front of a private S3 site and the serverless stack's orders API."""

import pulumi

from platform_components import (
    EdgeWebAcl,
    EncryptionKey,
    SecureBucket,
    SecureDistribution,
    load_settings,
    register_default_tags,
)

settings = load_settings()
register_default_tags(settings)
config = pulumi.Config()

serverless = pulumi.StackReference(config.require("serverlessStack"))

key = EncryptionKey(
    "edge",
    description=f"{settings.resource_name('edge')}: site content, WAF logs",
    cloudfront_distributions=True,
    # S3 server access logs and CloudFront standard logs are written to the KMS-encrypted logs bucket.
    service_principals=["logging.s3.amazonaws.com", "delivery.logs.amazonaws.com"],
)
# CloudFront standard logging delivers with ACLs, so the logs bucket keeps them enabled.
logs = SecureBucket(
    "logs",
    kms_key_arn=key.arn,
    object_ownership="BucketOwnerPreferred",
    expiration_days=settings.log_retention_days,
)
# The distribution writes the site bucket's policy (it names the distribution's ARN).
site = SecureBucket(
    "site", kms_key_arn=key.arn, log_bucket=logs.bucket_id, log_prefix="s3/site/", manage_policy=False
)
waf = EdgeWebAcl(
    "edge",
    kms_key_arn=key.arn,
    log_retention_days=settings.log_retention_days,
    rate_limit=config.get_int("wafRateLimit") or 2000,
)
cdn = SecureDistribution(
    "site",
    origin_bucket=site,
    log_bucket_domain=logs.bucket.bucket_domain_name,
    certificate_arn=config.require("certificateArn"),
    aliases=config.get_object("aliases") or [],
    web_acl_arn=waf.arn,
    api_domain=serverless.require_output("apiDomain"),
    geo_restriction_type=config.get("geoRestrictionType") or "none",
    geo_locations=config.get_object("geoLocations") or [],
)

pulumi.export("distributionDomainName", cdn.domain_name)
pulumi.export("distributionArn", cdn.arn)
pulumi.export("siteBucket", site.bucket_id)
pulumi.export("logBucket", logs.bucket_id)
pulumi.export("webAclArn", waf.arn)
