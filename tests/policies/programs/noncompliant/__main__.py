"""Each resource breaks the CKV_ORG check named in its comment (environment dev)."""

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

aws.sqs.Queue("untagged")  # CKV_ORG_1 (and CKV_ORG_4: no KMS key)
bucket = aws.s3.BucketV2("public", acl="public-read", tags=TAGS)  # CKV_ORG_12
aws.s3.BucketServerSideEncryptionConfigurationV2(  # CKV_ORG_4: AWS-managed key
    "public",
    bucket=bucket.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": "alias/aws/s3",
            }
        }
    ],
)
aws.s3.BucketPublicAccessBlock("public", bucket=bucket.id, block_public_acls=False)  # CKV_ORG_13
aws.dynamodb.Table(  # CKV_ORG_4: AWS-owned key
    "orders",
    hash_key="id",
    attributes=[{"name": "id", "type": "S"}],
    billing_mode="PAY_PER_REQUEST",
    tags=TAGS,
)
aws.sns.Topic("events", kms_master_key_id="alias/aws/sns", tags=TAGS)  # CKV_ORG_4
aws.cloudwatch.LogGroup("forever", tags=TAGS)  # CKV_ORG_9 (never expires) + CKV_ORG_4
cluster = aws.rds.Cluster(  # CKV_ORG_10 (8 ACU > dev cap 2) + CKV_ORG_4 (not encrypted)
    "db",
    engine="aurora-postgresql",
    engine_mode="provisioned",
    master_username="app",
    manage_master_user_password=True,
    serverlessv2_scaling_configuration={"min_capacity": 0.5, "max_capacity": 8},
    tags=TAGS,
)
aws.rds.ClusterInstance(  # CKV_ORG_14
    "db-1",
    cluster_identifier=cluster.id,
    instance_class="db.serverless",
    engine="aurora-postgresql",
    publicly_accessible=True,
    tags=TAGS,
)
aws.lambda_.Function(  # CKV_ORG_5 (x86_64), CKV_ORG_6 (no cap), CKV_ORG_11 (2048 > 512), CKV_ORG_3 (region)
    "api",
    role="arn:aws:iam::111122223333:role/api",
    runtime="python3.12",
    handler="app.handler",
    architectures=["x86_64"],
    memory_size=2048,
    region="ap-southeast-2",
    tags=TAGS,
)
aws.cloudfront.Distribution(  # CKV_ORG_7 (default certificate) + CKV_ORG_8 (allow-all)
    "site",
    enabled=True,
    origins=[ORIGIN],
    default_cache_behavior={
        "target_origin_id": "app",
        "viewer_protocol_policy": "allow-all",
        "allowed_methods": ["GET", "HEAD"],
        "cached_methods": ["GET", "HEAD"],
    },
    restrictions={"geo_restriction": {"restriction_type": "none"}},
    viewer_certificate={"cloudfront_default_certificate": True},
    tags=TAGS,
)
