provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "msgkey" {
  description         = "messaging key"
  enable_key_rotation = true
}

resource "aws_sqs_queue" "jobs" {
  name              = "jobs"
  kms_master_key_id = aws_kms_key.msgkey.arn
}

resource "aws_sqs_queue" "plain" {
  name                    = "plain"
  sqs_managed_sse_enabled = false
}

resource "aws_sns_topic" "alerts" {
  name              = "alerts"
  kms_master_key_id = aws_kms_key.msgkey.arn
}

resource "aws_sns_topic" "public" {
  name = "public"
}

resource "aws_sns_topic_subscription" "alerts_to_jobs" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.jobs.arn
}
