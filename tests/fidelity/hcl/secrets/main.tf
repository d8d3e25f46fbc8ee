provider "aws" {
  region = "us-east-1"
}

# The program reads the secure config value `dbPassword`; its Terraform counterpart is a sensitive
# variable with no default, which Checkov leaves unresolved (the gate sees a placeholder string).
variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_kms_key" "secretkey" {
  description         = "secrets key"
  enable_key_rotation = true
}

resource "aws_secretsmanager_secret" "db-credentials" {
  name                    = "prod/db/credentials"
  kms_key_id              = aws_kms_key.secretkey.arn
  recovery_window_in_days = 30
}

resource "aws_secretsmanager_secret_version" "db-credentials-v1" {
  secret_id     = aws_secretsmanager_secret.db-credentials.id
  secret_string = jsonencode({ username = "app", password = var.db_password })
}

resource "aws_secretsmanager_secret_rotation" "db-rotation" {
  secret_id           = aws_secretsmanager_secret.db-credentials.id
  rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:rotate-db"
  rotation_rules {
    automatically_after_days = 30
  }
}

resource "aws_secretsmanager_secret_policy" "db-policy" {
  secret_arn = aws_secretsmanager_secret.db-credentials.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "app-read"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:role/app" }
        Action    = "secretsmanager:GetSecretValue"
        Resource  = "*"
      }
    ]
  })
}

resource "aws_secretsmanager_secret" "api-token" {
  name = "prod/api/token"
}

resource "aws_ssm_parameter" "db-host" {
  name  = "/prod/db/host"
  type  = "String"
  value = "db.internal.example.com"
}

resource "aws_ssm_parameter" "db-password" {
  name   = "/prod/db/password"
  type   = "SecureString"
  key_id = aws_kms_key.secretkey.arn
  value  = var.db_password
}

resource "aws_ssm_document" "restart-app" {
  name            = "restart-app"
  document_type   = "Command"
  document_format = "JSON"
  content = jsonencode({
    schemaVersion = "2.2"
    description   = "restart the app service"
    mainSteps = [
      {
        action = "aws:runShellScript"
        name   = "restart"
        inputs = { runCommand = ["systemctl restart app"] }
      }
    ]
  })
}
