provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "search" {
  description         = "search domains"
  enable_key_rotation = true
}

resource "aws_cloudwatch_log_group" "search-audit" {
  name              = "/aws/opensearch/audit"
  retention_in_days = 400
}

resource "aws_cloudwatch_log_group" "search-slow" {
  name              = "/aws/opensearch/slow"
  retention_in_days = 400
}

resource "aws_opensearch_domain" "logs" {
  domain_name    = "logs"
  engine_version = "OpenSearch_2.13"
  cluster_config {
    instance_type            = "r6g.large.search"
    instance_count           = 3
    zone_awareness_enabled   = true
    dedicated_master_enabled = true
    dedicated_master_count   = 3
    dedicated_master_type    = "m6g.large.search"
  }
  encrypt_at_rest {
    enabled    = true
    kms_key_id = aws_kms_key.search.key_id
  }
  node_to_node_encryption {
    enabled = true
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }
  advanced_security_options {
    enabled                        = true
    internal_user_database_enabled = false
  }
  ebs_options {
    ebs_enabled = true
    volume_size = 100
  }
  log_publishing_options {
    log_type                 = "AUDIT_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.search-audit.arn
    enabled                  = true
  }
  log_publishing_options {
    log_type                 = "INDEX_SLOW_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.search-slow.arn
    enabled                  = true
  }
}

resource "aws_opensearch_domain" "scratch" {
  domain_name    = "scratch"
  engine_version = "OpenSearch_2.13"
}

resource "aws_elasticsearch_domain" "legacy" {
  domain_name           = "legacy"
  elasticsearch_version = "7.10"
  encrypt_at_rest {
    enabled = true
  }
  node_to_node_encryption {
    enabled = true
  }
  log_publishing_options {
    log_type                 = "AUDIT_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.search-audit.arn
  }
}
