provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "trail" {
  description             = "CloudTrail logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_s3_bucket" "trail-logs" {
  bucket = "acme-trail-logs"
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = "/aws/cloudtrail/main"
  retention_in_days = 400
  kms_key_id        = aws_kms_key.trail.arn
}

resource "aws_iam_role" "trail-delivery" {
  name = "trail-delivery"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "sts:AssumeRole" }
    ]
  })
}

resource "aws_sns_topic" "trail-events" {
  name              = "trail-events"
  kms_master_key_id = aws_kms_key.trail.arn
}

resource "aws_cloudtrail" "main" {
  name                          = "main"
  s3_bucket_name                = aws_s3_bucket.trail-logs.bucket
  is_multi_region_trail         = true
  enable_log_file_validation    = true
  include_global_service_events = true
  kms_key_id                    = aws_kms_key.trail.arn
  sns_topic_name                = aws_sns_topic.trail-events.name
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.trail-delivery.arn
}

resource "aws_cloudtrail" "quiet" {
  name           = "quiet"
  s3_bucket_name = aws_s3_bucket.trail-logs.bucket
}
