"""Account, region and partition facts that policies and ARNs are built from."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def account_id() -> pulumi.Output[str]:
    """The AWS account id of the provider's credentials."""
    return aws.get_caller_identity_output().account_id


def region() -> str:
    """The configured `aws:region`; every stack config sets it."""
    value = aws.config.region
    if not value:
        raise pulumi.RunError(f"stack {pulumi.get_project()}/{pulumi.get_stack()}: missing config aws:region")
    return str(value)
