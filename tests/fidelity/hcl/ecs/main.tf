provider "aws" {
  region = "us-east-1"
}

resource "aws_ecr_repository" "api" {
  name                 = "api"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_lifecycle_policy" "api-lifecycle" {
  repository = aws_ecr_repository.api.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "keep the last 30 images"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
        action       = { type = "expire" }
      }
    ]
  })
}

resource "aws_ecr_repository_policy" "api-pull" {
  repository = aws_ecr_repository.api.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ci-pull"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:role/ci" }
        Action    = ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      }
    ]
  })
}

resource "aws_cloudwatch_log_group" "api-logs" {
  name              = "/ecs/api"
  retention_in_days = 30
}

resource "aws_ecs_cluster" "main" {
  name = "main"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster" "scratch" {
  name = "scratch"
}

resource "aws_ecs_task_definition" "api-task" {
  family                   = "api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "512"
  memory                   = "1024"
  execution_role_arn       = "arn:aws:iam::123456789012:role/ecs-execution"
  container_definitions = jsonencode([
    {
      name                   = "api"
      image                  = "${aws_ecr_repository.api.repository_url}:1.4.2"
      essential              = true
      readonlyRootFilesystem = true
      portMappings           = [{ containerPort = 8080, protocol = "tcp" }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = aws_cloudwatch_log_group.api-logs.name
          "awslogs-region"        = "us-east-1"
          "awslogs-stream-prefix" = "api"
        }
      }
    }
  ])
}

resource "aws_ecs_service" "api-service" {
  name            = "api"
  cluster         = aws_ecs_cluster.main.arn
  task_definition = aws_ecs_task_definition.api-task.arn
  desired_count   = 2
  launch_type     = "FARGATE"
  network_configuration {
    subnets          = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
    security_groups  = ["sg-0a1b2c3d"]
    assign_public_ip = false
  }
}

resource "aws_ecs_task_definition" "agent-task" {
  family       = "agent"
  network_mode = "host"
  pid_mode     = "host"
  container_definitions = jsonencode([
    {
      name        = "agent"
      image       = "public.ecr.aws/example/agent:latest"
      essential   = true
      privileged  = true
      memory      = 256
      environment = [{ name = "AWS_SECRET_ACCESS_KEY", value = "not-a-real-key" }]
    }
  ])
}
