provider "aws" {
  region = "us-east-1"
}

# The program reads the secure config value `authToken`; its Terraform counterpart is a sensitive
# variable with no default, which Checkov leaves unresolved (the gate sees a placeholder string).
variable "auth_token" {
  type      = string
  sensitive = true
}

resource "aws_kms_key" "cachekey" {
  description         = "cache key"
  enable_key_rotation = true
}

resource "aws_elasticache_subnet_group" "cache-subnets" {
  name       = "cache-subnets"
  subnet_ids = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
}

resource "aws_elasticache_parameter_group" "redis7" {
  name   = "redis7-tuned"
  family = "redis7"
  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
  parameter {
    name  = "notify-keyspace-events"
    value = "Ex"
  }
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "session store"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.r6g.large"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  parameter_group_name       = aws_elasticache_parameter_group.redis7.name
  subnet_group_name          = aws_elasticache_subnet_group.cache-subnets.name
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.cachekey.arn
  transit_encryption_enabled = true
  auth_token                 = var.auth_token
  snapshot_retention_limit   = 7
}

resource "aws_elasticache_replication_group" "legacy" {
  replication_group_id = "legacy"
  description          = "old cache, no encryption"
  engine               = "redis"
  node_type            = "cache.t3.micro"
  num_cache_clusters   = 1
  subnet_group_name    = aws_elasticache_subnet_group.cache-subnets.name
}

resource "aws_elasticache_cluster" "memcached" {
  cluster_id        = "memcached"
  engine            = "memcached"
  node_type         = "cache.t3.small"
  num_cache_nodes   = 2
  subnet_group_name = aws_elasticache_subnet_group.cache-subnets.name
}
