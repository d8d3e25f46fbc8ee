"""Build and batch workloads: a CodeBuild project with encrypted artifacts and one without, Step
Functions state machines with and without logging and tracing, SageMaker notebooks, an EFS file
system with a mount target, and a backup vault and plan."""

import json

import pulumi_aws as aws

key = aws.kms.Key("workkey", description="workloads key", enable_key_rotation=True)
flow_logs = aws.cloudwatch.LogGroup("flow-logs", name="/states/etl", retention_in_days=90, kms_key_id=key.arn)

aws.codebuild.Project(
    "build",
    name="build",
    service_role="arn:aws:iam::123456789012:role/codebuild",
    encryption_key=key.arn,
    artifacts={"type": "S3", "location": "build-artifacts", "encryption_disabled": False},
    environment={
        "compute_type": "BUILD_GENERAL1_SMALL",
        "image": "aws/codebuild/standard:7.0",
        "type": "LINUX_CONTAINER",
        "privileged_mode": False,
    },
    source={"type": "GITHUB", "location": "https://github.com/example/app.git"},
    logs_config={"cloudwatch_logs": {"status": "ENABLED", "group_name": "/codebuild/build"}},
)

aws.codebuild.Project(
    "docker-build",
    name="docker-build",
    service_role="arn:aws:iam::123456789012:role/codebuild",
    artifacts={"type": "S3", "location": "build-artifacts", "encryption_disabled": True},
    environment={
        "compute_type": "BUILD_GENERAL1_MEDIUM",
        "image": "aws/codebuild/standard:7.0",
        "type": "LINUX_CONTAINER",
        "privileged_mode": True,
    },
    source={
        "type": "NO_SOURCE",
        "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n",
    },
)

definition = json.dumps(
    {
        "StartAt": "Extract",
        "States": {
            "Extract": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:extract",
                "End": True,
            }
        },
    }
)

aws.sfn.StateMachine(
    "etl",
    name="etl",
    role_arn="arn:aws:iam::123456789012:role/states",
    definition=definition,
    logging_configuration={
        "log_destination": flow_logs.arn.apply(lambda arn: f"{arn}:*"),
        "include_execution_data": True,
        "level": "ALL",
    },
    tracing_configuration={"enabled": True},
)

aws.sfn.StateMachine(
    "adhoc",
    name="adhoc",
    role_arn="arn:aws:iam::123456789012:role/states",
    definition=definition,
)

aws.sagemaker.NotebookInstance(
    "research",
    name="research",
    role_arn="arn:aws:iam::123456789012:role/sagemaker",
    instance_type="ml.t3.medium",
    kms_key_id=key.arn,
    subnet_id="subnet-0a1b2c3d",
    security_groups=["sg-0a1b2c3d"],
    direct_internet_access="Disabled",
    root_access="Disabled",
)

aws.sagemaker.NotebookInstance(
    "scratchpad",
    name="scratchpad",
    role_arn="arn:aws:iam::123456789012:role/sagemaker",
    instance_type="ml.t3.medium",
)

shared = aws.efs.FileSystem(
    "shared",
    creation_token="shared",
    encrypted=True,
    kms_key_id=key.arn,
    performance_mode="generalPurpose",
)

aws.efs.MountTarget(
    "shared-a",
    file_system_id=shared.id,
    subnet_id="subnet-0a1b2c3d",
    security_groups=["sg-0a1b2c3d"],
)

vault = aws.backup.Vault("vault", name="vault", kms_key_arn=key.arn)

aws.backup.Vault("default-key-vault", name="default-key-vault")

aws.backup.Plan(
    "daily",
    name="daily",
    rules=[
        {
            "rule_name": "daily",
            "target_vault_name": vault.name,
            "schedule": "cron(0 5 * * ? *)",
            "lifecycle": {"delete_after": 35},
        }
    ],
)
