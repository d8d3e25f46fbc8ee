"""ECS/ECR: a cluster with Container Insights, a task definition whose container definitions are
built with Output.json_dumps from an ECR repository URL and a log group, a private Fargate service,
an ECR repository with a lifecycle policy and a repository policy, and a privileged host-mode task."""

import json

import pulumi
import pulumi_aws as aws

repo = aws.ecr.Repository(
    "api",
    name="api",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)

aws.ecr.LifecyclePolicy(
    "api-lifecycle",
    repository=repo.name,
    policy=json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "keep the last 30 images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
                    "action": {"type": "expire"},
                }
            ]
        }
    ),
)

aws.ecr.RepositoryPolicy(
    "api-pull",
    repository=repo.name,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ci-pull",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci"},
                    "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                }
            ],
        }
    ),
)

logs = aws.cloudwatch.LogGroup("api-logs", name="/ecs/api", retention_in_days=30)

cluster = aws.ecs.Cluster(
    "main",
    name="main",
    settings=[{"name": "containerInsights", "value": "enabled"}],
)

aws.ecs.Cluster("scratch", name="scratch")

task = aws.ecs.TaskDefinition(
    "api-task",
    family="api",
    requires_compatibilities=["FARGATE"],
    network_mode="awsvpc",
    cpu="512",
    memory="1024",
    execution_role_arn="arn:aws:iam::123456789012:role/ecs-execution",
    container_definitions=pulumi.Output.json_dumps(
        [
            {
                "name": "api",
                "image": pulumi.Output.concat(repo.repository_url, ":1.4.2"),
                "essential": True,
                "readonlyRootFilesystem": True,
                "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": logs.name,
                        "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "api",
                    },
                },
            }
        ]
    ),
)

aws.ecs.Service(
    "api-service",
    name="api",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    network_configuration={
        "subnets": ["subnet-0a1b2c3d", "subnet-0e1f2a3b"],
        "security_groups": ["sg-0a1b2c3d"],
        "assign_public_ip": False,
    },
)

aws.ecs.TaskDefinition(
    "agent-task",
    family="agent",
    network_mode="host",
    pid_mode="host",
    container_definitions=json.dumps(
        [
            {
                "name": "agent",
                "image": "public.ecr.aws/example/agent:latest",
                "essential": True,
                "privileged": True,
                "memory": 256,
                "environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "not-a-real-key"}],
            }
        ]
    ),
)
