"""A WAFv2 web ACL for CloudFront: AWS managed rule groups, a per-IP rate limit, logging."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from platform_components.log_group import EncryptedLogGroup

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
ANONYMOUS_IP_GROUP = "AWSManagedRulesAnonymousIpList"


def _visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
    return aws.wafv2.WebAclVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _rule_visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


class EdgeWebAcl(pulumi.ComponentResource):
    """Knobs: `rate_limit` (requests per 5 minutes per IP, default 2000), `scope` (CLOUDFRONT,
    which must be deployed in us-east-1), `block_anonymous_ips` (True: the AnonymousIpList group,
    VPNs/Tor/hosting providers), `kms_key_arn` and `log_retention_days` for WAF logs."""

    web_acl: aws.wafv2.WebAcl
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        kms_key_arn: pulumi.Input[str],
        log_retention_days: int,
        rate_limit: int = 2000,
        scope: str = "CLOUDFRONT",
        block_anonymous_ips: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:edge:EdgeWebAcl", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        rules = [
            aws.wafv2.WebAclRuleArgs(
                name=group,
                priority=priority,
                override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                    none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
                ),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        name=group, vendor_name="AWS"
                    )
                ),
                visibility_config=_rule_visibility(group),
            )
            for priority, group in enumerate(
                [*MANAGED_RULE_GROUPS, *([ANONYMOUS_IP_GROUP] if block_anonymous_ips else [])], start=1
            )
        ]
        rules.append(
            aws.wafv2.WebAclRuleArgs(
                name="rate-limit-per-ip",
                priority=len(rules) + 1,
                action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                        limit=rate_limit, aggregate_key_type="IP"
                    )
                ),
                visibility_config=_rule_visibility("rate-limit-per-ip"),
            )
        )
        self.web_acl = aws.wafv2.WebAcl(
            name,
            scope=scope,
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=_visibility(name),
            opts=child,
        )
        # WAF only delivers to log groups whose name starts with aws-waf-logs-.
        logs = EncryptedLogGroup(
            f"{name}-logs",
            log_group_name=f"aws-waf-logs-{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            retention_in_days=log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            name,
            resource_arn=self.web_acl.arn,
            log_destination_configs=[logs.arn],
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(
                        name="authorization"
                    )
                )
            ],
            opts=child,
        )
        self.arn = self.web_acl.arn
        self.register_outputs({"arn": self.arn})
