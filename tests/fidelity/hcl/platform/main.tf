provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "platkey" {
  description         = "platform key"
  enable_key_rotation = true
}

resource "aws_lb" "web" {
  name                       = "web"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = ["subnet-1", "subnet-2"]
  drop_invalid_header_fields = true
  enable_deletion_protection = true
  access_logs {
    bucket  = "alb-logs"
    enabled = true
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "plain" {
  load_balancer_arn = aws_lb.web.arn
  port              = 8080
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:1:tg/x"
  }
}

resource "aws_eks_cluster" "k8s" {
  name     = "k8s"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids             = ["subnet-1", "subnet-2"]
    endpoint_public_access = true
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.platkey.arn
    }
  }
  enabled_cluster_log_types = ["api", "audit"]
}

resource "aws_opensearch_domain" "search" {
  domain_name    = "search"
  engine_version = "OpenSearch_2.11"
  cluster_config {
    instance_type  = "t3.small.search"
    instance_count = 1
  }
  ebs_options {
    ebs_enabled = true
    volume_size = 10
  }
  encrypt_at_rest {
    enabled    = true
    kms_key_id = aws_kms_key.platkey.arn
  }
  node_to_node_encryption {
    enabled = false
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }
}

resource "aws_efs_file_system" "shared" {
  encrypted  = true
  kms_key_id = aws_kms_key.platkey.arn
}

resource "aws_efs_file_system" "scratch" {
  encrypted = false
}

resource "aws_cloudtrail" "audit" {
  name                       = "audit"
  s3_bucket_name             = "trail-logs"
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.platkey.arn
  event_selector {
    read_write_type           = "All"
    include_management_events = true
  }
}

resource "aws_secretsmanager_secret" "api_token" {
  name       = "api-token"
  kms_key_id = aws_kms_key.platkey.arn
}

resource "aws_secretsmanager_secret" "plain_token" {
  name = "plain-token"
}

resource "aws_kinesis_stream" "events" {
  name            = "events"
  shard_count     = 1
  encryption_type = "KMS"
  kms_key_id      = aws_kms_key.platkey.arn
}

resource "aws_kinesis_stream" "clicks" {
  name        = "clicks"
  shard_count = 1
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id       = "cache"
  description                = "cache"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  kms_key_id                 = aws_kms_key.platkey.arn
  auth_token                 = "[secret]"
}
