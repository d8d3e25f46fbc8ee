provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "logkey" {
  description         = "log key"
  enable_key_rotation = false
}

resource "aws_cloudwatch_log_group" "audit" {
  name              = "/app/audit"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.logkey.arn
}

resource "aws_cloudwatch_log_group" "debug" {
  name              = "/app/debug"
  retention_in_days = 3
}
