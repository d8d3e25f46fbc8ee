provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "private-bucket" {
  bucket = "fidelity-private"
}

resource "aws_s3_bucket_versioning" "private-versioning" {
  bucket = aws_s3_bucket.private-bucket.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "private-pab" {
  bucket                  = aws_s3_bucket.private-bucket.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "shared-bucket" {
  bucket = "fidelity-shared"
}

resource "aws_s3_bucket_versioning" "shared-versioning" {
  bucket = aws_s3_bucket.shared-bucket.id
  versioning_configuration {
    status = "Suspended"
  }
}

resource "aws_s3_bucket_public_access_block" "shared-pab" {
  bucket                  = aws_s3_bucket.shared-bucket.id
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}
