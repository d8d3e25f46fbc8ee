"""OpenSearch and Elasticsearch domains: `log_publishing_options` keeps its plural in Terraform."""

import pulumi_aws as aws

key = aws.kms.Key("search", description="search domains", enable_key_rotation=True)
audit = aws.cloudwatch.LogGroup("search-audit", name="/aws/opensearch/audit", retention_in_days=400)
slow = aws.cloudwatch.LogGroup("search-slow", name="/aws/opensearch/slow", retention_in_days=400)

aws.opensearch.Domain(
    "logs",
    domain_name="logs",
    engine_version="OpenSearch_2.13",
    cluster_config={
        "instance_type": "r6g.large.search",
        "instance_count": 3,
        "zone_awareness_enabled": True,
        "dedicated_master_enabled": True,
        "dedicated_master_count": 3,
        "dedicated_master_type": "m6g.large.search",
    },
    encrypt_at_rest={"enabled": True, "kms_key_id": key.key_id},
    node_to_node_encryption={"enabled": True},
    domain_endpoint_options={"enforce_https": True, "tls_security_policy": "Policy-Min-TLS-1-2-2019-07"},
    advanced_security_options={"enabled": True, "internal_user_database_enabled": False},
    ebs_options={"ebs_enabled": True, "volume_size": 100},
    log_publishing_options=[
        {"log_type": "AUDIT_LOGS", "cloudwatch_log_group_arn": audit.arn, "enabled": True},
        {"log_type": "INDEX_SLOW_LOGS", "cloudwatch_log_group_arn": slow.arn, "enabled": True},
    ],
)
aws.opensearch.Domain("scratch", domain_name="scratch", engine_version="OpenSearch_2.13")
aws.elasticsearch.Domain(
    "legacy",
    domain_name="legacy",
    elasticsearch_version="7.10",
    encrypt_at_rest={"enabled": True},
    node_to_node_encryption={"enabled": True},
    log_publishing_options=[{"log_type": "AUDIT_LOGS", "cloudwatch_log_group_arn": audit.arn}],
)
