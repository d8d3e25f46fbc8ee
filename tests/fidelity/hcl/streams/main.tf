provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "streamkey" {
  description         = "stream key"
  enable_key_rotation = true
}

resource "aws_kinesis_stream" "clicks" {
  name             = "clicks"
  shard_count      = 2
  retention_period = 48
  encryption_type  = "KMS"
  kms_key_id       = aws_kms_key.streamkey.arn
  stream_mode_details {
    stream_mode = "PROVISIONED"
  }
}

resource "aws_kinesis_stream" "raw" {
  name        = "raw"
  shard_count = 1
}

resource "aws_s3_bucket" "archive" {
  bucket = "clicks-archive"
}

resource "aws_iam_role" "firehose-role" {
  name = "firehose-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "firehose.amazonaws.com" }
        Action    = "sts:AssumeRole"
      }
    ]
  })
}

resource "aws_kinesis_firehose_delivery_stream" "to-archive" {
  name        = "to-archive"
  destination = "extended_s3"
  kinesis_source_configuration {
    kinesis_stream_arn = aws_kinesis_stream.clicks.arn
    role_arn           = aws_iam_role.firehose-role.arn
  }
  extended_s3_configuration {
    role_arn           = aws_iam_role.firehose-role.arn
    bucket_arn         = aws_s3_bucket.archive.arn
    kms_key_arn        = aws_kms_key.streamkey.arn
    buffering_interval = 300
    compression_format = "GZIP"
  }
}

resource "aws_kinesis_firehose_delivery_stream" "direct" {
  name        = "direct"
  destination = "extended_s3"
  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = aws_kms_key.streamkey.arn
  }
  extended_s3_configuration {
    role_arn   = aws_iam_role.firehose-role.arn
    bucket_arn = aws_s3_bucket.archive.arn
  }
}

resource "aws_kinesis_firehose_delivery_stream" "plain" {
  name        = "plain"
  destination = "extended_s3"
  extended_s3_configuration {
    role_arn   = aws_iam_role.firehose-role.arn
    bucket_arn = aws_s3_bucket.archive.arn
  }
}

resource "aws_kinesis_video_stream" "doorbell" {
  name                    = "doorbell"
  data_retention_in_hours = 24
  media_type              = "video/h264"
  kms_key_id              = aws_kms_key.streamkey.arn
}

resource "aws_kinesis_video_stream" "lobby" {
  name                    = "lobby"
  data_retention_in_hours = 1
}
