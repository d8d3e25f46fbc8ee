"""CloudFront + WAFv2: a distribution behind a web ACL with managed rules, and an unprotected one."""

import pulumi_aws as aws

waf = aws.wafv2.WebAcl(
    "edge",
    name="edge",
    scope="CLOUDFRONT",
    default_action={"allow": {}},
    visibility_config={
        "cloudwatch_metrics_enabled": True,
        "metric_name": "edge",
        "sampled_requests_enabled": True,
    },
    rules=[
        {
            "name": "known-bad-inputs",
            "priority": 1,
            "override_action": {"none": {}},
            "statement": {
                "managed_rule_group_statement": {
                    "name": "AWSManagedRulesKnownBadInputsRuleSet",
                    "vendor_name": "AWS",
                }
            },
            "visibility_config": {
                "cloudwatch_metrics_enabled": True,
                "metric_name": "known-bad-inputs",
                "sampled_requests_enabled": True,
            },
        }
    ],
)


def origin() -> dict:
    return {
        "domain_name": "origin.example.com",
        "origin_id": "app",
        "custom_origin_config": {
            "http_port": 80,
            "https_port": 443,
            "origin_protocol_policy": "https-only",
            "origin_ssl_protocols": ["TLSv1.2"],
        },
    }


aws.cloudfront.Distribution(
    "site",
    enabled=True,
    default_root_object="index.html",
    web_acl_id=waf.arn,
    origins=[origin()],
    default_cache_behavior={
        "allowed_methods": ["GET", "HEAD"],
        "cached_methods": ["GET", "HEAD"],
        "target_origin_id": "app",
        "viewer_protocol_policy": "redirect-to-https",
        "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    },
    logging_config={"bucket": "cdn-logs.s3.amazonaws.com", "include_cookies": False},
    restrictions={"geo_restriction": {"restriction_type": "whitelist", "locations": ["US", "CA"]}},
    viewer_certificate={
        "acm_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        "ssl_support_method": "sni-only",
        "minimum_protocol_version": "TLSv1.2_2021",
    },
)

aws.cloudfront.Distribution(
    "legacy",
    enabled=True,
    origins=[origin()],
    default_cache_behavior={
        "allowed_methods": ["GET", "HEAD"],
        "cached_methods": ["GET", "HEAD"],
        "target_origin_id": "app",
        "viewer_protocol_policy": "allow-all",
        "forwarded_values": {"query_string": False, "cookies": {"forward": "none"}},
    },
    restrictions={"geo_restriction": {"restriction_type": "none"}},
    viewer_certificate={"cloudfront_default_certificate": True},
)
