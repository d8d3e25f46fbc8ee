"""Every resource here passes every CKV_ORG check that applies to it (environment dev)."""

import pulumi_aws as aws

TAGS = {"owner": "team-a", "cost-center": "cc-42", "data-classification": "internal"}
ORIGIN = {
    "domain_name": "origin.example.com",
    "origin_id": "app",
    "custom_origin_config": {
        "http_port": 80,
        "https_port": 443,
        "origin_protocol_policy": "https-only",
        "origin_ssl_protocols": ["TLSv1.2"],
    },
}

key = aws.kms.Key("data", enable_key_rotation=True, tags=TAGS)
bucket = aws.s3.BucketV2("assets", tags=TAGS)
aws.s3.BucketServerSideEncryptionConfigurationV2(
    "assets",
    bucket=bucket.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": key.arn,
            }
        }
    ],
)
aws.s3.BucketPublicAccessBlock(
    "assets",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
aws.s3.BucketAclV2("assets", bucket=bucket.id, acl="private")
aws.dynamodb.Table(
    "orders",
    hash_key="id",
    attributes=[{"name": "id", "type": "S"}],
    billing_mode="PAY_PER_REQUEST",
    server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
    tags=TAGS,
)
aws.sqs.Queue("jobs", kms_master_key_id=key.arn, tags=TAGS)
aws.sns.Topic("events", kms_master_key_id=key.arn, tags=TAGS)
aws.cloudwatch.LogGroup("api", retention_in_days=90, kms_key_id=key.arn, tags=TAGS)
cluster = aws.rds.Cluster(
    "db",
    engine="aurora-postgresql",
    engine_mode="provisioned",
    master_username="app",
    manage_master_user_password=True,
    storage_encrypted=True,
    kms_key_id=key.arn,
    serverlessv2_scaling_configuration={"min_capacity": 0.5, "max_capacity": 2},
    tags=TAGS,
)
aws.rds.ClusterInstance(
    "db-1",
    cluster_identifier=cluster.id,
    instance_class="db.serverless",
    engine="aurora-postgresql",
    publicly_accessible=False,
    tags=TAGS,
)
aws.lambda_.Function(
    "api",
    role="arn:aws:iam::111122223333:role/api",
    runtime="python3.12",
    handler="app.handler",
    architectures=["arm64"],
    memory_size=512,
    reserved_concurrent_executions=20,
    region="us-east-1",
    tags=TAGS,
)
aws.cloudfront.Distribution(
    "site",
    enabled=True,
    origins=[ORIGIN],
    default_cache_behavior={
        "target_origin_id": "app",
        "viewer_protocol_policy": "redirect-to-https",
        "allowed_methods": ["GET", "HEAD"],
        "cached_methods": ["GET", "HEAD"],
    },
    ordered_cache_behaviors=[
        {
            "path_pattern": "/api/*",
            "target_origin_id": "app",
            "viewer_protocol_policy": "https-only",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
        }
    ],
    restrictions={"geo_restriction": {"restriction_type": "none"}},
    viewer_certificate={
        "acm_certificate_arn": "arn:aws:acm:us-east-1:111122223333:certificate/abc",
        "ssl_support_method": "sni-only",
        "minimum_protocol_version": "TLSv1.2_2021",
    },
    tags=TAGS,
)
