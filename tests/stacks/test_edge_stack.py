"""The edge program: HTTPS-only CloudFront with TLS 1.2_2021, WAF, security headers, a private
OAC origin, logging, and `/api/*` routed to the serverless stack's API."""

from __future__ import annotations

import json

import pytest

ENVS = ["dev", "prod"]
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"


def _behaviors(distribution):
    return [distribution["defaultCacheBehavior"], *distribution.get("orderedCacheBehaviors", [])]


@pytest.mark.parametrize("env", ENVS)
def test_viewers_only_use_https_with_tls12_2021_and_the_configured_certificate(stack_graph, env):
    graph = stack_graph("edge", env)
    distribution = graph.one(DISTRIBUTION, "site")
    assert {b["viewerProtocolPolicy"] for b in _behaviors(distribution)} <= {
        "redirect-to-https",
        "https-only",
    }
    certificate = distribution["viewerCertificate"]
    assert certificate["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate["sslSupportMethod"] == "sni-only"
    assert certificate["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
    assert "cloudfrontDefaultCertificate" not in certificate
    assert distribution["httpVersion"] == "http2and3"
    assert distribution["defaultRootObject"] == "index.html"
    assert distribution["restrictions"]["geoRestriction"]["restrictionType"] == "none"


def test_api_behavior_routes_to_the_serverless_stack_domain_over_tls(stack_graph):
    api_domain = stack_graph("serverless", "dev").outputs["apiDomain"]
    distribution = stack_graph("edge", "dev").one(DISTRIBUTION, "site")
    origins = {o["originId"]: o for o in distribution["origins"]}
    assert origins["api-origin"]["domainName"] == api_domain
    assert origins["api-origin"]["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert origins["api-origin"]["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]
    (api,) = distribution["orderedCacheBehaviors"]
    assert api["pathPattern"] == "/api/*"
    assert api["targetOriginId"] == "api-origin"
    assert "POST" in api["allowedMethods"]
    assert api["functionAssociations"][0]["eventType"] == "viewer-request"


def test_site_origin_is_private_behind_origin_access_control(stack_graph):
    graph = stack_graph("edge", "dev")
    distribution = graph.one(DISTRIBUTION, "site")
    s3_origin = next(o for o in distribution["origins"] if o["originId"] == "s3-origin")
    assert s3_origin["domainName"] == "site-bucket.s3.us-east-1.amazonaws.com"
    assert s3_origin["originAccessControlId"] == "site-id"  # the OAC's mock id
    oac = graph.one("aws:cloudfront/originAccessControl:OriginAccessControl", "site")
    assert (oac["originAccessControlOriginType"], oac["signingBehavior"], oac["signingProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    policy = json.loads(graph.one("aws:s3/bucketPolicy:BucketPolicy", "site-origin")["policy"])
    allow = next(s for s in policy["Statement"] if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Condition"] == {"StringEquals": {"AWS:SourceArn": graph.outputs["distributionArn"]}}
    deny = next(s for s in policy["Statement"] if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_default_behavior_runs_the_viewer_request_function_and_security_headers(stack_graph):
    graph = stack_graph("edge", "dev")
    default = graph.one(DISTRIBUTION, "site")["defaultCacheBehavior"]
    (association,) = default["functionAssociations"]
    assert association["eventType"] == "viewer-request"
    assert association["functionArn"].endswith(":site-index-rewrite")
    function = graph.one("aws:cloudfront/function:Function", "site-index-rewrite")
    assert function["runtime"] == "cloudfront-js-2.0" and "index.html" in function["code"]
    headers = graph.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "site")
    security = headers["securityHeadersConfig"]
    assert security["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31536000
    assert security["strictTransportSecurity"]["includeSubdomains"] is True
    assert security["contentTypeOptions"]["override"] is True
    assert security["frameOptions"]["frameOption"] == "DENY"
    assert security["xssProtection"] == {"protection": True, "modeBlock": True, "override": True}
    assert security["referrerPolicy"]["referrerPolicy"] == "strict-origin-when-cross-origin"
    assert "default-src 'self'" in security["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert all(b["responseHeadersPolicyId"] == "site-id" for b in _behaviors(graph.one(DISTRIBUTION, "site")))


def test_waf_uses_managed_rule_groups_a_rate_limit_and_logs(stack_graph):
    graph = stack_graph("edge", "dev")
    acl = graph.one("aws:wafv2/webAcl:WebAcl", "edge")
    assert acl["scope"] == "CLOUDFRONT"
    managed = {
        r["statement"]["managedRuleGroupStatement"]["name"]
        for r in acl["rules"]
        if "managedRuleGroupStatement" in r["statement"]
    }
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesAnonymousIpList",
    }
    rate = next(r for r in acl["rules"] if "rateBasedStatement" in r["statement"])
    assert rate["statement"]["rateBasedStatement"] == {"limit": 2000, "aggregateKeyType": "IP"}
    assert "block" in rate["action"]
    assert graph.one(DISTRIBUTION, "site")["webAclId"] == graph.outputs["webAclArn"]
    logging = graph.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "edge")
    (destination,) = logging["logDestinationConfigs"]
    assert destination.split(":log-group:")[1].startswith("aws-waf-logs-")


@pytest.mark.parametrize("env", ENVS)
def test_every_bucket_blocks_public_access_is_versioned_encrypted_and_lifecycled(stack_graph, env):
    graph = stack_graph("edge", env)
    buckets = {r["name"] for r in graph.of_type("aws:s3/bucket:Bucket")}
    assert buckets == {"site", "logs"}
    for name in buckets:
        block = graph.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name)
        assert all(
            block[k] is True
            for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        )
        assert (
            graph.one("aws:s3/bucketVersioning:BucketVersioning", name)["versioningConfiguration"]["status"]
            == "Enabled"
        )
        assert graph.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name)["rules"]
        assert "acl" not in graph.one("aws:s3/bucket:Bucket", name)
    sse_type = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    for name in buckets:
        (rule,) = graph.one(sse_type, name)["rules"]
        assert rule["applyServerSideEncryptionByDefault"] == {
            "sseAlgorithm": "aws:kms",
            "kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/edge-key-id",
        }
        assert rule["bucketKeyEnabled"] is True
    logging = graph.one("aws:s3/bucketLogging:BucketLogging", "site")
    assert logging["targetBucket"] == "logs-id"
    distribution = graph.one(DISTRIBUTION, "site")
    assert distribution["loggingConfig"]["bucket"] == "logs-bucket.s3.amazonaws.com"
    expiry = graph.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "logs")["rules"][0]
    assert expiry["expiration"]["days"] == (365 if env == "prod" else 30)


def test_kms_key_lets_cloudfront_decrypt_only_for_this_accounts_distributions(stack_graph):
    key = stack_graph("edge", "dev").one("aws:kms/key:Key", "edge")
    assert key["enableKeyRotation"] is True
    statement = next(
        s for s in json.loads(key["policy"])["Statement"] if s["Sid"] == "CloudFrontDecryptsOriginObjects"
    )
    assert (
        statement["Condition"]["StringLike"]["AWS:SourceArn"]
        == "arn:aws:cloudfront::123456789012:distribution/*"
    )
    services = next(
        s for s in json.loads(key["policy"])["Statement"] if s["Sid"] == "ServicesUseForThisAccount"
    )
    assert services["Principal"] == {"Service": ["delivery.logs.amazonaws.com", "logging.s3.amazonaws.com"]}
    assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
