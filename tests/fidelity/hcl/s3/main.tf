provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "s3key" {
  description             = "bucket key"
  enable_key_rotation     = true
  deletion_window_in_days = 10
}

resource "aws_s3_bucket" "logs" {
  bucket = "fidelity-logs"
  tags = {
    team = "platform"
  }
}

resource "aws_s3_bucket_versioning" "logs_versioning" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs_sse" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.s3key.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "logs_pab" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "open" {
  bucket = "fidelity-open"
  acl    = "public-read"
}

resource "aws_s3_bucket_public_access_block" "open_pab" {
  bucket            = aws_s3_bucket.open.id
  block_public_acls = false
}
