provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "dbkey" {
  description         = "database key"
  enable_key_rotation = true
}

resource "aws_rds_cluster" "main" {
  cluster_identifier                  = "main"
  engine                              = "aurora-postgresql"
  master_username                     = "app"
  manage_master_user_password         = true
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.dbkey.arn
  backup_retention_period             = 14
  iam_database_authentication_enabled = true
  deletion_protection                 = true
  copy_tags_to_snapshot               = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]
}

resource "aws_db_instance" "legacy" {
  identifier                  = "legacy"
  engine                      = "mysql"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "admin"
  manage_master_user_password = true
  publicly_accessible         = true
  storage_encrypted           = false
  skip_final_snapshot         = true
}
