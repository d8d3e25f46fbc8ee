provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "rdskey" {
  description         = "rds key"
  enable_key_rotation = true
}

resource "aws_iam_role" "rds-monitoring" {
  name = "rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "monitoring.rds.amazonaws.com" }
        Action    = "sts:AssumeRole"
      }
    ]
  })
}

resource "aws_db_subnet_group" "db-subnets" {
  name       = "db-subnets"
  subnet_ids = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
}

resource "aws_db_parameter_group" "pg16" {
  name   = "pg16-hardened"
  family = "postgres16"
  parameter {
    name  = "log_connections"
    value = "1"
  }
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}

resource "aws_db_option_group" "mysql-audit" {
  name                 = "mysql-audit"
  engine_name          = "mysql"
  major_engine_version = "8.0"
  option {
    option_name = "MARIADB_AUDIT_PLUGIN"
    option_settings {
      name  = "SERVER_AUDIT_EVENTS"
      value = "CONNECT,QUERY"
    }
  }
}

resource "aws_db_instance" "orders" {
  identifier                          = "orders"
  engine                              = "postgres"
  engine_version                      = "16.3"
  instance_class                      = "db.m6g.large"
  allocated_storage                   = 100
  username                            = "orders"
  manage_master_user_password         = true
  db_subnet_group_name                = aws_db_subnet_group.db-subnets.name
  parameter_group_name                = aws_db_parameter_group.pg16.name
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.rdskey.arn
  iam_database_authentication_enabled = true
  multi_az                            = true
  monitoring_interval                 = 30
  monitoring_role_arn                 = aws_iam_role.rds-monitoring.arn
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = aws_kms_key.rdskey.arn
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  backup_retention_period             = 14
  deletion_protection                 = true
  copy_tags_to_snapshot               = true
  auto_minor_version_upgrade          = true
  publicly_accessible                 = false
}

resource "aws_db_event_subscription" "orders-events" {
  name             = "orders-events"
  sns_topic        = "arn:aws:sns:us-east-1:123456789012:db-events"
  source_type      = "db-instance"
  source_ids       = [aws_db_instance.orders.identifier]
  event_categories = ["failover", "failure", "low storage", "maintenance"]
}

resource "aws_db_instance" "reporting" {
  identifier                  = "reporting"
  engine                      = "mysql"
  engine_version              = "8.0.36"
  instance_class              = "db.t3.medium"
  allocated_storage           = 20
  username                    = "report"
  manage_master_user_password = true
  option_group_name           = aws_db_option_group.mysql-audit.name
  publicly_accessible         = true
  storage_encrypted           = false
  auto_minor_version_upgrade  = false
  skip_final_snapshot         = true
}
