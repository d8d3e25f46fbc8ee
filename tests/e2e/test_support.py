"""Unit tests of the end-to-end helpers: LocalStack probe and skip reasons, stack selection, the repo
the agent gets, the file-backend checkpoint reader, and the AWS API verifiers (on moto, in-process)."""

from __future__ import annotations

import gzip
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from tests.e2e import support
from tests.e2e.scenario import REPO_ROOT, changed_value
from tests.e2e.support import (
    COMMUNITY_KNOBS,
    COMMUNITY_STACKS,
    E2EConfigError,
    applied_digests,
    build_repo,
    checkpoint_file,
    checkpoint_resources,
    edition_mismatch,
    expected_types,
    is_loopback,
    knobs_for,
    log_group_retention,
    missing_resources,
    missing_types,
    of_type,
    probe_health,
    selected_stacks,
    skip_reason,
    stack_outputs,
    statuses,
)

# --- LocalStack probe ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://localhost:4566", True),
        ("http://127.0.0.1:4566", True),
        ("http://127.8.9.10:4566", True),
        ("http://[::1]:4566", True),
        ("http://localstack:4566", False),
        ("http://192.0.2.10:4566", False),
        ("https://sqs.us-east-1.amazonaws.com", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


class _Health(http.server.BaseHTTPRequestHandler):
    body = b'{"edition": "community", "version": "4.4.0", "services": {"sqs": "available"}}'

    def do_GET(self) -> None:
        ok = self.path == "/_localstack/health"
        self.send_response(200 if ok else 404)
        self.end_headers()
        if ok:
            self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_probe_health_reads_the_health_json_on_loopback(health_server: str) -> None:
    health = probe_health(health_server)
    assert health is not None and health["edition"] == "community"
    assert probe_health(f"http://127.0.0.1:{_closed_port()}", timeout=0.5) is None


def test_probe_health_never_leaves_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("probed a non-loopback address")

    monkeypatch.setattr(support.urllib.request, "urlopen", no_network)
    assert probe_health("http://192.0.2.10:4566") is None
    assert probe_health("http://localstack:4566") is None


def test_skip_reasons_name_what_is_missing(monkeypatch: pytest.MonkeyPatch, health_server: str) -> None:
    monkeypatch.setattr(support.shutil, "which", lambda name: None)
    reason = skip_reason({"LOCALSTACK_ENDPOINT": health_server})
    assert reason is not None and "Pulumi CLI not on PATH" in reason
    monkeypatch.setattr(support.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert skip_reason({"LOCALSTACK_ENDPOINT": health_server}) is None
    dead = f"http://127.0.0.1:{_closed_port()}"
    reason = skip_reason({"LOCALSTACK_ENDPOINT": dead}, timeout=0.5)
    assert reason is not None and f"LocalStack not reachable at {dead}" in reason
    reason = skip_reason({"LOCALSTACK_ENDPOINT": "http://192.0.2.10:4566/"})
    assert reason is not None and "not a loopback address" in reason


# --- stack selection ------------------------------------------------------------------------------


def test_selected_stacks_defaults_by_edition_and_validates() -> None:
    assert selected_stacks({}) == COMMUNITY_STACKS == ("database", "serverless")
    assert selected_stacks({"LOCALSTACK_AUTH_TOKEN": "t"}) == ("database", "serverless", "edge")
    assert selected_stacks({"E2E_STACKS": " serverless, database "}) == ("database", "serverless")
    assert selected_stacks({"E2E_STACKS": "database", "LOCALSTACK_AUTH_TOKEN": "t"}) == ("database",)
    with pytest.raises(E2EConfigError, match=r"E2E_STACKS=database,web: unknown stack 'web'"):
        selected_stacks({"E2E_STACKS": "database,web"})
    with pytest.raises(E2EConfigError, match="edge needs its upstream stack serverless"):
        selected_stacks({"E2E_STACKS": "database,edge"})


def test_knobs_only_without_a_pro_token() -> None:
    assert knobs_for(("database", "serverless"), {}) == COMMUNITY_KNOBS
    assert knobs_for(("database",), {}) == {"database": {"aurora": False, "backupPlan": False}}
    assert knobs_for(("database", "serverless", "edge"), {"LOCALSTACK_AUTH_TOKEN": "t"}) == {}
    assert "aws:rds/cluster:Cluster" not in expected_types("database", COMMUNITY_KNOBS)
    assert "aws:rds/cluster:Cluster" in expected_types("database", {})
    assert "aws:apigatewayv2/api:Api" in expected_types("serverless", {})
    assert changed_value(30) == 60 and changed_value(60) == 90


def test_a_pro_run_against_the_community_edition_is_named() -> None:
    community, pro = {"edition": "community"}, {"edition": "pro"}
    assert edition_mismatch(community, COMMUNITY_KNOBS, "http://localhost:4566") is None
    assert edition_mismatch(pro, {}, "http://localhost:4566") is None
    message = edition_mismatch(community, {}, "http://localhost:4566")
    assert message is not None and "community edition" in message and "localstack-pro" in message


# --- the repository the agent gets ----------------------------------------------------------------


def test_build_repo_copies_only_what_the_agent_needs_and_leaves_the_project_alone(tmp_path: Path) -> None:
    before = {
        p: (REPO_ROOT / p).read_text()
        for p in ("stacks/database/Pulumi.dev.yaml", "stacks/database/Pulumi.yaml")
    }
    venv = tmp_path / "venv"
    repo = build_repo(
        REPO_ROOT,
        tmp_path / "repo",
        ("database", "serverless"),
        endpoint="http://127.0.0.1:4599",
        venv=venv,
        knobs=COMMUNITY_KNOBS,
    )
    root = tmp_path / "repo"
    assert not repo.is_dirty(untracked_files=True) and repo.active_branch.name == "main"
    assert sorted(p.name for p in (root / "stacks").iterdir()) == [
        "database",
        "platform_components",
        "serverless",
    ]
    assert (root / "policies" / "enforcement.yaml").is_file()
    assert (root / "stacks" / "serverless" / "app" / "orders_api.py").is_file()
    assert not list(root.rglob("__pycache__"))
    db = yaml.safe_load((root / "stacks" / "database" / "Pulumi.dev.yaml").read_text())["config"]
    assert db["database:aurora"] is False and db["database:backupPlan"] is False
    assert db["database:owner"] == "platform-team"
    assert set(db["aws:endpoints"][0].values()) == {"http://127.0.0.1:4599"}
    sl = yaml.safe_load((root / "stacks" / "serverless" / "Pulumi.dev.yaml").read_text())["config"]
    assert sl["serverless:httpApi"] is False and sl["serverless:databaseStack"] == "organization/database/dev"
    project = yaml.safe_load((root / "stacks" / "database" / "Pulumi.yaml").read_text())
    assert project["name"] == "database" and project["runtime"]["options"]["virtualenv"] == str(venv)
    assert project["runtime"]["options"]["toolchain"] == "pip"
    assert {p: (REPO_ROOT / p).read_text() for p in before} == before  # the real dev stack is unchanged


# --- the agent's JSON ------------------------------------------------------------------------------


def test_status_and_history_parsing() -> None:
    status = json.dumps([{"project": "a", "status": "applied"}, {"project": "b", "status": "blocked"}])
    assert statuses(status) == {"a": "applied", "b": "blocked"}
    history = json.dumps(
        [
            {"project": "a", "revision": "r1", "action": "applied", "plan_digest": "d1"},
            {"project": "a", "revision": "r2", "action": "unchanged", "plan_digest": "d1"},
            {"project": "a", "revision": "r2", "action": "applied", "plan_digest": "d2"},
            {"project": "b", "revision": "r2", "action": "applied", "plan_digest": "d3"},
        ]
    )
    assert applied_digests(history, "a", "r2") == ["d2"]
    assert applied_digests(history, "a", "r3") == []


# --- the file backend's checkpoint ----------------------------------------------------------------

RESOURCES: list[dict[str, Any]] = [
    {"urn": "urn:pulumi:dev::database::pulumi:pulumi:Stack::database-dev", "custom": False,
     "type": "pulumi:pulumi:Stack", "outputs": {"tableName": "orders-1"}},
    {"urn": "urn:...::aws:dynamodb/table:Table::orders", "custom": True, "type": "aws:dynamodb/table:Table",
     "id": "orders-1", "outputs": {"name": "orders-1"}},
    {"urn": "urn:...::aws:dynamodb/table:Table::old", "custom": True, "type": "aws:dynamodb/table:Table",
     "id": "old-1", "delete": True},
]  # fmt: skip


def _write_checkpoint(path: Path, resources: list[dict[str, Any]], *, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "version": 3,
        "checkpoint": {"stack": "organization/database/dev", "latest": {"resources": resources}},
    }
    raw = json.dumps(doc).encode()
    path.write_bytes(gzip.compress(raw) if gz else raw)


def test_checkpoint_reader_layouts(tmp_path: Path) -> None:
    stacks = tmp_path / "backend" / ".pulumi" / "stacks"
    with pytest.raises(FileNotFoundError, match="no checkpoint of database/dev under"):
        checkpoint_file(tmp_path / "backend", "database", "dev")
    _write_checkpoint(stacks / "dev.json", RESOURCES[:1])  # legacy, unscoped
    assert checkpoint_resources(tmp_path / "backend", "database", "dev") == RESOURCES[:1]
    _write_checkpoint(stacks / "database" / "dev.json.gz", RESOURCES, gz=True)  # project-scoped wins
    resources = checkpoint_resources(tmp_path / "backend", "database", "dev")
    assert stack_outputs(resources) == {"tableName": "orders-1"}
    assert [r["id"] for r in of_type(resources, "aws:dynamodb/table:Table")] == ["orders-1"]
    assert missing_types(resources, ["aws:dynamodb/table:Table", "aws:kms/key:Key"]) == ["aws:kms/key:Key"]


# --- the AWS API verifiers, on moto ---------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        cache: dict[str, Any] = {}

        def clients(service: str) -> Any:
            if service not in cache:
                cache[service] = boto3.client(service, region_name="us-east-1")
            return cache[service]

        yield clients


def _res(type_token: str, id_: str, **outputs: Any) -> dict[str, Any]:
    return {"type": type_token, "custom": True, "id": id_, "outputs": outputs}


def test_verifiers_find_existing_resources_and_report_missing_ones(aws: Any) -> None:
    aws("dynamodb").create_table(
        TableName="orders-1",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    key_id = aws("kms").create_key()["KeyMetadata"]["KeyId"]
    queue_url = aws("sqs").create_queue(QueueName="orders-q")["QueueUrl"]
    aws("logs").create_log_group(logGroupName="/aws/lambda/orders-api")
    aws("logs").put_retention_policy(logGroupName="/aws/lambda/orders-api", retentionInDays=30)
    aws("logs").create_log_group(logGroupName="/aws/lambda/orders-api-2")  # same prefix, never expires
    aws("s3").create_bucket(Bucket="site-1")
    vpc_id = aws("ec2").create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    role = aws("iam").create_role(
        RoleName="fn",
        AssumeRolePolicyDocument=json.dumps(
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole"}]}
        ),
    )["Role"]["Arn"]  # fmt: skip
    aws("lambda").create_function(
        FunctionName="orders-api",
        Runtime="python3.12",
        Role=role,
        Handler="h.handler",
        Code={"ZipFile": b"x"},
    )
    present = [
        _res("aws:dynamodb/table:Table", "orders-1"),
        _res("aws:kms/key:Key", key_id),
        _res("aws:sqs/queue:Queue", queue_url, name="orders-q"),
        _res("aws:sqs/queue:Queue", queue_url),  # name from the URL when outputs lack it
        _res("aws:cloudwatch/logGroup:LogGroup", "/aws/lambda/orders-api"),
        _res("aws:s3/bucket:Bucket", "site-1"),
        _res("aws:ec2/vpc:Vpc", vpc_id),
        _res("aws:lambda/function:Function", "orders-api"),
        _res("aws:iam/role:Role", "not-verified"),  # a type without a verifier is ignored
        {**_res("aws:s3/bucket:Bucket", "gone"), "delete": True},  # pending delete: not expected to exist
    ]
    assert missing_resources(present, aws) == []

    absent = [
        _res("aws:dynamodb/table:Table", "nope"),
        _res("aws:sqs/queue:Queue", "http://x/000000000000/nope", name="nope"),
        _res("aws:cloudwatch/logGroup:LogGroup", "/aws/lambda/orders"),  # a prefix of existing ones
        _res("aws:s3/bucket:Bucket", "nope"),
        _res("aws:lambda/function:Function", "nope"),
    ]
    problems = missing_resources(absent, aws)
    assert [p.split(":")[0:2] for p in problems] == [
        ["aws", "dynamodb/table"],
        ["aws", "sqs/queue"],
        ["aws", "cloudwatch/logGroup"],
        ["aws", "s3/bucket"],
        ["aws", "lambda/function"],
    ]
    assert "nope" in problems[0] and "/aws/lambda/orders" in problems[2]

    aws("kms").disable_key(KeyId=key_id)
    (problem,) = missing_resources([_res("aws:kms/key:Key", key_id)], aws)
    assert "key state Disabled" in problem

    retention = log_group_retention(aws, ["/aws/lambda/orders-api", "/aws/lambda/orders-api-2", "/x"])
    assert retention == {"/aws/lambda/orders-api": 30, "/aws/lambda/orders-api-2": 0, "/x": None}
