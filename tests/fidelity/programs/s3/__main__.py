"""S3: a locked-down bucket (separate versioning, KMS encryption, public access block) and an open one."""

import pulumi_aws as aws

key = aws.kms.Key("s3key", description="bucket key", enable_key_rotation=True, deletion_window_in_days=10)

logs = aws.s3.Bucket("logs", bucket="fidelity-logs", tags={"team": "platform"})
aws.s3.BucketVersioning(
    "logs_versioning",
    bucket=logs.id,
    versioning_configuration={"status": "Enabled"},
)
aws.s3.BucketServerSideEncryptionConfiguration(
    "logs_sse",
    bucket=logs.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": key.arn,
            },
            "bucket_key_enabled": True,
        }
    ],
)
aws.s3.BucketPublicAccessBlock(
    "logs_pab",
    bucket=logs.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)

open_bucket = aws.s3.Bucket("open", bucket="fidelity-open", acl="public-read")
aws.s3.BucketPublicAccessBlock("open_pab", bucket=open_bucket.id, block_public_acls=False)
