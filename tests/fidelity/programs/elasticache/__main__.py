"""ElastiCache: an encrypted Redis replication group whose AUTH token is a secret config value,
a legacy Redis group without encryption, a Memcached cluster, and their subnet and parameter groups."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
key = aws.kms.Key("cachekey", description="cache key", enable_key_rotation=True)

subnets = aws.elasticache.SubnetGroup(
    "cache-subnets",
    name="cache-subnets",
    subnet_ids=["subnet-0a1b2c3d", "subnet-0e1f2a3b"],
)

params = aws.elasticache.ParameterGroup(
    "redis7",
    name="redis7-tuned",
    family="redis7",
    parameters=[
        {"name": "maxmemory-policy", "value": "allkeys-lru"},
        {"name": "notify-keyspace-events", "value": "Ex"},
    ],
)

aws.elasticache.ReplicationGroup(
    "sessions",
    replication_group_id="sessions",
    description="session store",
    engine="redis",
    engine_version="7.1",
    node_type="cache.r6g.large",
    num_cache_clusters=2,
    automatic_failover_enabled=True,
    multi_az_enabled=True,
    parameter_group_name=params.name,
    subnet_group_name=subnets.name,
    at_rest_encryption_enabled=True,
    kms_key_id=key.arn,
    transit_encryption_enabled=True,
    auth_token=config.require_secret("authToken"),
    snapshot_retention_limit=7,
)

aws.elasticache.ReplicationGroup(
    "legacy",
    replication_group_id="legacy",
    description="old cache, no encryption",
    engine="redis",
    node_type="cache.t3.micro",
    num_cache_clusters=1,
    subnet_group_name=subnets.name,
)

aws.elasticache.Cluster(
    "memcached",
    cluster_id="memcached",
    engine="memcached",
    node_type="cache.t3.small",
    num_cache_nodes=2,
    subnet_group_name=subnets.name,
)
