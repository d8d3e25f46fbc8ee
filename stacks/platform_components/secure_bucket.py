"""A private S3 bucket (pulumi-aws v7 split resources): public access blocked, versioned,
default encryption, owner-enforced objects, access logging, lifecycle, TLS-only policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from platform_components.iam import policy_document


def deny_insecure_transport(bucket_arn: pulumi.Input[str]) -> dict[str, Any]:
    """A bucket policy statement refusing every request not made over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


class SecureBucket(pulumi.ComponentResource):
    """Knobs: `kms_key_arn` (SSE-KMS with a bucket key; None means SSE-S3, which S3 server access
    logging targets require), `log_bucket`/`log_prefix` (server access logging), `object_ownership`
    (default BucketOwnerEnforced; CloudFront standard logs need BucketOwnerPreferred),
    `noncurrent_days` (default 90), `expiration_days` (None keeps current objects),
    `policy_statements` (extra bucket policy statements, e.g. for CloudFront), `manage_policy`
    (False when another component writes the bucket policy), `force_destroy` (default False)."""

    bucket: aws.s3.Bucket
    arn: pulumi.Output[str]
    bucket_id: pulumi.Output[str]
    public_access_block: aws.s3.BucketPublicAccessBlock

    def __init__(
        self,
        name: str,
        *,
        kms_key_arn: pulumi.Input[str] | None,
        log_bucket: pulumi.Input[str] | None = None,
        log_prefix: str = "",
        object_ownership: str = "BucketOwnerEnforced",
        noncurrent_days: int = 90,
        expiration_days: int | None = None,
        policy_statements: Sequence[dict[str, Any]] = (),
        manage_policy: bool = True,
        force_destroy: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:storage:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(name, force_destroy=force_destroy, opts=child)
        self.bucket_id = self.bucket.id
        self.arn = self.bucket.arn
        aws.s3.BucketOwnershipControls(
            name,
            bucket=self.bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership=object_ownership),
            opts=child,
        )
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            name,
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketVersioning(
            name,
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        default = (
            aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
            )
            if kms_key_arn is not None
            else aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="AES256"
            )
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=default,
                    bucket_key_enabled=kms_key_arn is not None,
                )
            ],
            opts=child,
        )
        if log_bucket is not None:
            aws.s3.BucketLogging(
                name, bucket=self.bucket.id, target_bucket=log_bucket, target_prefix=log_prefix, opts=child
            )
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="housekeeping",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=noncurrent_days
                    ),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expiration_days)
                    if expiration_days
                    else None,
                )
            ],
            opts=child,
        )
        if manage_policy:
            aws.s3.BucketPolicy(
                name,
                bucket=self.bucket.id,
                policy=policy_document([deny_insecure_transport(self.bucket.arn), *policy_statements]),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]),
            )
        self.register_outputs({"id": self.bucket_id, "arn": self.arn})
