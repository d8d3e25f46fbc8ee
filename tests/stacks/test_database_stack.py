"""The database program's resources are encrypted, private, backed up and protected in prod."""

from __future__ import annotations

import json

import pytest

ENVS = ["dev", "prod"]


@pytest.mark.parametrize("env", ENVS)
def test_table_is_on_demand_encrypted_with_the_cmk_and_recoverable(stack_graph, env):
    graph = stack_graph("database", env)
    table = graph.one("aws:dynamodb/table:Table", "orders")
    key_arn = graph.outputs["kmsKeyArn"]
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": key_arn}
    assert table["ttl"] == {"attributeName": "expiresAt", "enabled": True}
    assert table["streamEnabled"] is True
    assert table["streamViewType"] == "NEW_AND_OLD_IMAGES"
    assert table["deletionProtectionEnabled"] is (env == "prod")


@pytest.mark.parametrize("env", ENVS)
def test_aurora_cluster_is_serverless_v2_encrypted_iam_auth_managed_secret(stack_graph, env):
    graph = stack_graph("database", env)
    cluster = graph.one("aws:rds/cluster:Cluster", "orders-db")
    key_arn = graph.outputs["kmsKeyArn"]
    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["engineMode"] == "provisioned"
    assert cluster["serverlessv2ScalingConfiguration"] == {
        "minCapacity": 0.5,
        "maxCapacity": {"dev": 2, "prod": 8}[env],
    }
    assert cluster["storageEncrypted"] is True
    assert cluster["kmsKeyId"] == key_arn
    assert cluster["iamDatabaseAuthenticationEnabled"] is True
    assert cluster["manageMasterUserPassword"] is True
    assert cluster["masterUserSecretKmsKeyId"] == key_arn
    assert "masterPassword" not in cluster
    assert cluster["backupRetentionPeriod"] >= 7
    assert cluster["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert cluster["copyTagsToSnapshot"] is True
    assert cluster["autoMinorVersionUpgrade"] is True
    assert cluster["deletionProtection"] is (env == "prod")
    assert cluster["skipFinalSnapshot"] is (env != "prod")


@pytest.mark.parametrize("env", ENVS)
def test_aurora_instances_are_private_serverless_with_encrypted_insights(stack_graph, env):
    graph = stack_graph("database", env)
    key_arn = graph.outputs["kmsKeyArn"]
    instances = graph.of_type("aws:rds/clusterInstance:ClusterInstance")
    assert instances
    for instance in (r["inputs"] for r in instances):
        assert instance["instanceClass"] == "db.serverless"
        assert instance["publiclyAccessible"] is False
        assert instance["performanceInsightsEnabled"] is True
        assert instance["performanceInsightsKmsKeyId"] == key_arn
        assert instance["autoMinorVersionUpgrade"] is True
        assert instance["monitoringInterval"] == 60


def test_cluster_parameters_force_tls_and_log_connections_ddl_and_slow_queries(stack_graph):
    graph = stack_graph("database", "dev")
    group = graph.one("aws:rds/clusterParameterGroup:ClusterParameterGroup", "orders-db")
    assert group["family"] == "aurora-postgresql16"
    parameters = {p["name"]: p["value"] for p in group["parameters"]}
    assert parameters == {
        "rds.force_ssl": "1",
        "log_connections": "1",
        "log_disconnections": "1",
        "log_statement": "ddl",
        "log_min_duration_statement": "1000",
    }


def test_table_and_cluster_are_in_an_encrypted_aws_backup_plan(stack_graph):
    graph = stack_graph("database", "dev")
    outputs = graph.outputs
    selection = graph.one("aws:backup/selection:Selection", "data")
    cluster_arn = "arn:aws:rds:us-east-1:123456789012:orders-db"  # the cluster's mock ARN
    assert selection["resources"] == [outputs["tableArn"], cluster_arn]
    assert graph.one("aws:backup/vault:Vault", "data")["kmsKeyArn"] == outputs["kmsKeyArn"]
    (rule,) = graph.one("aws:backup/plan:Plan", "data")["rules"]
    assert rule["lifecycle"]["deleteAfter"] == 35
    assert rule["schedule"].startswith("cron(")


def test_database_reachable_only_on_5432_from_inside_the_vpc(stack_graph):
    graph = stack_graph("database", "dev")
    vpc_cidr = graph.one("aws:ec2/vpc:Vpc", "db-network")["cidrBlock"]
    group = graph.one("aws:ec2/securityGroup:SecurityGroup", "orders-db")
    assert [(r["fromPort"], r["toPort"], r["cidrBlocks"]) for r in group["ingress"]] == [
        (5432, 5432, [vpc_cidr])
    ]
    assert all(r["cidrBlocks"] == [vpc_cidr] for r in group["egress"])
    default_group = graph.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "db-network")
    assert default_group.get("ingress", []) == [] and default_group.get("egress", []) == []


def test_subnets_are_private_in_two_zones_with_flow_logs(stack_graph):
    graph = stack_graph("database", "dev")
    subnets = [r["inputs"] for r in graph.of_type("aws:ec2/subnet:Subnet")]
    assert len({s["availabilityZone"] for s in subnets}) == 2
    assert all(s["mapPublicIpOnLaunch"] is False for s in subnets)
    assert not graph.of_type("aws:ec2/internetGateway:InternetGateway")
    assert not graph.of_type("aws:ec2/natGateway:NatGateway")
    flow_log = graph.one("aws:ec2/flowLog:FlowLog", "db-network")
    assert flow_log["trafficType"] == "ALL"
    assert flow_log["logDestinationType"] == "cloud-watch-logs"
    group_names = {r["inputs"]["name"] for r in graph.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert "/aws/rds/cluster/database-dev-orders-db/postgresql" in group_names


@pytest.mark.parametrize(("env", "days"), [("dev", 30), ("prod", 365)])
def test_every_log_group_has_retention_and_the_cmk(stack_graph, env, days):
    graph = stack_graph("database", env)
    groups = [r["inputs"] for r in graph.of_type("aws:cloudwatch/logGroup:LogGroup")]
    assert len(groups) == 2
    assert all(g["retentionInDays"] == days and g["kmsKeyId"] == graph.outputs["kmsKeyArn"] for g in groups)


def test_kms_key_rotates_and_its_policy_names_no_wildcard_principal(stack_graph):
    graph = stack_graph("database", "dev")
    key = graph.one("aws:kms/key:Key", "data")
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30
    policy = json.loads(key["policy"])
    principals = [s["Principal"] for s in policy["Statement"]]
    assert {"AWS": "arn:aws:iam::123456789012:root"} in principals
    assert "*" not in principals and {"AWS": "*"} not in principals
    logs = next(s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsForThisAccount")
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert "123456789012" in json.dumps(logs["Condition"])


def test_exports(stack_graph):
    outputs = stack_graph("database", "dev").outputs
    assert set(outputs) == {
        "tableName",
        "tableArn",
        "tableStreamArn",
        "clusterEndpoint",
        "clusterSecretArn",
        "kmsKeyArn",
    }
    assert outputs["clusterSecretArn"].startswith("arn:aws:secretsmanager:")
    assert outputs["tableStreamArn"].startswith(outputs["tableArn"])
