provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "ebskey" {
  description         = "volume key"
  enable_key_rotation = true
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 50
  encrypted         = true
  kms_key_id        = aws_kms_key.ebskey.arn
}

resource "aws_ebs_volume" "scratch" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = false
}
