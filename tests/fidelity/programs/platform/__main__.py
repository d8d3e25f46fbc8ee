"""Assorted platform resources with nested blocks: ALB + listener, EKS, OpenSearch, EFS, CloudTrail,
Secrets Manager, Kinesis and ElastiCache."""

import pulumi_aws as aws

key = aws.kms.Key("platkey", description="platform key", enable_key_rotation=True)

alb = aws.lb.LoadBalancer(
    "web",
    name="web",
    load_balancer_type="application",
    internal=False,
    subnets=["subnet-1", "subnet-2"],
    drop_invalid_header_fields=True,
    enable_deletion_protection=True,
    access_logs={"bucket": "alb-logs", "enabled": True},
)
aws.lb.Listener(
    "http",
    load_balancer_arn=alb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}
    ],
)
aws.lb.Listener(
    "plain",
    load_balancer_arn=alb.arn,
    port=8080,
    protocol="HTTP",
    default_actions=[
        {"type": "forward", "target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:1:tg/x"}
    ],
)

aws.eks.Cluster(
    "k8s",
    name="k8s",
    role_arn="arn:aws:iam::123456789012:role/eks",
    vpc_config={"subnet_ids": ["subnet-1", "subnet-2"], "endpoint_public_access": True},
    encryption_config={"resources": ["secrets"], "provider": {"key_arn": key.arn}},
    enabled_cluster_log_types=["api", "audit"],
)

aws.opensearch.Domain(
    "search",
    domain_name="search",
    engine_version="OpenSearch_2.11",
    cluster_config={"instance_type": "t3.small.search", "instance_count": 1},
    ebs_options={"ebs_enabled": True, "volume_size": 10},
    encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
    node_to_node_encryption={"enabled": False},
    domain_endpoint_options={"enforce_https": True, "tls_security_policy": "Policy-Min-TLS-1-2-2019-07"},
)

aws.efs.FileSystem("shared", encrypted=True, kms_key_id=key.arn)
aws.efs.FileSystem("scratch", encrypted=False)

aws.cloudtrail.Trail(
    "audit",
    name="audit",
    s3_bucket_name="trail-logs",
    is_multi_region_trail=True,
    enable_log_file_validation=True,
    kms_key_id=key.arn,
    event_selectors=[{"read_write_type": "All", "include_management_events": True}],
)

aws.secretsmanager.Secret("api_token", name="api-token", kms_key_id=key.arn)
aws.secretsmanager.Secret("plain_token", name="plain-token")

aws.kinesis.Stream("events", name="events", shard_count=1, encryption_type="KMS", kms_key_id=key.arn)
aws.kinesis.Stream("clicks", name="clicks", shard_count=1)

aws.elasticache.ReplicationGroup(
    "cache",
    replication_group_id="cache",
    description="cache",
    node_type="cache.t3.micro",
    num_cache_clusters=2,
    automatic_failover_enabled=True,
    at_rest_encryption_enabled=True,
    transit_encryption_enabled=True,
    kms_key_id=key.arn,
    auth_token="[secret]",
)
