provider "aws" {
  region = "us-east-1"
}

resource "aws_iam_role" "fn_role" {
  name = "fn-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }
    ]
  })
}

resource "aws_kms_key" "fnkey" {
  description         = "function env key"
  enable_key_rotation = true
}

resource "aws_sqs_queue" "dlq" {
  name              = "fn-dlq"
  kms_master_key_id = aws_kms_key.fnkey.arn
}

resource "aws_security_group" "fn_sg" {
  name        = "fn-sg"
  description = "function egress"
  vpc_id      = "vpc-123"
}

resource "aws_lambda_function" "worker" {
  function_name                  = "worker"
  role                           = aws_iam_role.fn_role.arn
  runtime                        = "python3.12"
  handler                        = "index.handler"
  s3_bucket                      = "artifacts"
  s3_key                         = "worker.zip"
  reserved_concurrent_executions = 5
  kms_key_arn                    = aws_kms_key.fnkey.arn
  environment {
    variables = {
      STAGE = "dev"
    }
  }
  tracing_config {
    mode = "Active"
  }
  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }
  vpc_config {
    subnet_ids         = ["subnet-1", "subnet-2"]
    security_group_ids = [aws_security_group.fn_sg.id]
  }
  code_signing_config_arn = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1"
}

resource "aws_lambda_function" "quick" {
  function_name = "quick"
  role          = aws_iam_role.fn_role.arn
  runtime       = "python3.12"
  handler       = "index.handler"
  s3_bucket     = "artifacts"
  s3_key        = "quick.zip"
  environment {
    variables = {
      AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
    }
  }
}
