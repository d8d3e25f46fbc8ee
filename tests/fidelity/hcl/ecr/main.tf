provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "ecrkey" {
  description         = "registry key"
  enable_key_rotation = true
}

resource "aws_ecr_repository" "app" {
  name                 = "app"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.ecrkey.arn
  }
}

resource "aws_ecr_repository" "sandbox" {
  name                 = "sandbox"
  image_tag_mutability = "MUTABLE"
}
