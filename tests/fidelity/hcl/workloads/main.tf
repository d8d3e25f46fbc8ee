provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "workkey" {
  description         = "workloads key"
  enable_key_rotation = true
}

resource "aws_cloudwatch_log_group" "flow-logs" {
  name              = "/states/etl"
  retention_in_days = 90
  kms_key_id        = aws_kms_key.workkey.arn
}

resource "aws_codebuild_project" "build" {
  name           = "build"
  service_role   = "arn:aws:iam::123456789012:role/codebuild"
  encryption_key = aws_kms_key.workkey.arn
  artifacts {
    type                = "S3"
    location            = "build-artifacts"
    encryption_disabled = false
  }
  environment {
    compute_type    = "BUILD_GENERAL1_SMALL"
    image           = "aws/codebuild/standard:7.0"
    type            = "LINUX_CONTAINER"
    privileged_mode = false
  }
  source {
    type     = "GITHUB"
    location = "https://github.com/example/app.git"
  }
  logs_config {
    cloudwatch_logs {
      status     = "ENABLED"
      group_name = "/codebuild/build"
    }
  }
}

resource "aws_codebuild_project" "docker-build" {
  name         = "docker-build"
  service_role = "arn:aws:iam::123456789012:role/codebuild"
  artifacts {
    type                = "S3"
    location            = "build-artifacts"
    encryption_disabled = true
  }
  environment {
    compute_type    = "BUILD_GENERAL1_MEDIUM"
    image           = "aws/codebuild/standard:7.0"
    type            = "LINUX_CONTAINER"
    privileged_mode = true
  }
  source {
    type      = "NO_SOURCE"
    buildspec = "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"
  }
}

resource "aws_sfn_state_machine" "etl" {
  name     = "etl"
  role_arn = "arn:aws:iam::123456789012:role/states"
  definition = jsonencode({
    StartAt = "Extract"
    States = {
      Extract = {
        Type     = "Task"
        Resource = "arn:aws:lambda:us-east-1:123456789012:function:extract"
        End      = true
      }
    }
  })
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.flow-logs.arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }
  tracing_configuration {
    enabled = true
  }
}

resource "aws_sfn_state_machine" "adhoc" {
  name     = "adhoc"
  role_arn = "arn:aws:iam::123456789012:role/states"
  definition = jsonencode({
    StartAt = "Extract"
    States = {
      Extract = {
        Type     = "Task"
        Resource = "arn:aws:lambda:us-east-1:123456789012:function:extract"
        End      = true
      }
    }
  })
}

resource "aws_sagemaker_notebook_instance" "research" {
  name                   = "research"
  role_arn               = "arn:aws:iam::123456789012:role/sagemaker"
  instance_type          = "ml.t3.medium"
  kms_key_id             = aws_kms_key.workkey.arn
  subnet_id              = "subnet-0a1b2c3d"
  security_groups        = ["sg-0a1b2c3d"]
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
}

resource "aws_sagemaker_notebook_instance" "scratchpad" {
  name          = "scratchpad"
  role_arn      = "arn:aws:iam::123456789012:role/sagemaker"
  instance_type = "ml.t3.medium"
}

resource "aws_efs_file_system" "shared" {
  creation_token   = "shared"
  encrypted        = true
  kms_key_id       = aws_kms_key.workkey.arn
  performance_mode = "generalPurpose"
}

resource "aws_efs_mount_target" "shared-a" {
  file_system_id  = aws_efs_file_system.shared.id
  subnet_id       = "subnet-0a1b2c3d"
  security_groups = ["sg-0a1b2c3d"]
}

resource "aws_backup_vault" "vault" {
  name        = "vault"
  kms_key_arn = aws_kms_key.workkey.arn
}

resource "aws_backup_vault" "default-key-vault" {
  name = "default-key-vault"
}

resource "aws_backup_plan" "daily" {
  name = "daily"
  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.vault.name
    schedule          = "cron(0 5 * * ? *)"
    lifecycle {
      delete_after = 35
    }
  }
}
