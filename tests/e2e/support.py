"""Helpers of the LocalStack end-to-end test: find LocalStack, pick the stacks the emulator can apply,
build the Git repository the agent reconciles, read what Pulumi applied, check it through the AWS API.

Pure functions (no LocalStack needed) except `probe_health`, which only ever talks to loopback, and
the verifiers, which call the boto3 clients they are given (moto in the unit tests).
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import git
import yaml

DEFAULT_ENDPOINT = "http://localhost:4566"
"""Where the committed Pulumi.dev.yaml files point every AWS endpoint."""

ORDER = ("database", "serverless", "edge")
"""The reference stacks in dependency order (each depends on the one before it)."""

UPSTREAM = {"serverless": "database", "edge": "serverless"}

COMMUNITY_STACKS = ("database", "serverless")
"""What the LocalStack community edition can apply (with COMMUNITY_KNOBS): edge needs CloudFront and WAFv2."""

COMMUNITY_KNOBS: dict[str, dict[str, Any]] = {
    "database": {"aurora": False, "backupPlan": False},  # RDS and AWS Backup are LocalStack Pro
    "serverless": {"httpApi": False},  # API Gateway v2 is LocalStack Pro
}
"""Config set in the test's own copy of the stacks only; the committed dev configs never set them."""

CHANGED_KEY = "logRetentionDays"
"""The config key the test changes to make a visible change (every stack's log groups follow it)."""

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

EXPECTED_TYPES: dict[str, tuple[str, ...]] = {
    "database": ("aws:dynamodb/table:Table", "aws:kms/key:Key", "aws:ec2/vpc:Vpc", LOG_GROUP),
    "serverless": ("aws:lambda/function:Function", "aws:sqs/queue:Queue", "aws:kms/key:Key", LOG_GROUP),
    "edge": ("aws:s3/bucket:Bucket", "aws:kms/key:Key", LOG_GROUP),
}
"""Resource types each stack must have applied whatever the edition (checked through the AWS API)."""

PRO_TYPES: dict[str, tuple[str, ...]] = {
    "database": ("aws:rds/cluster:Cluster",),
    "serverless": ("aws:apigatewayv2/api:Api",),
    "edge": ("aws:cloudfront/distribution:Distribution", "aws:wafv2/webAcl:WebAcl"),
}
"""Extra types expected when the Pro-only resources are applied (no COMMUNITY_KNOBS)."""


class E2EConfigError(ValueError):
    """A bad E2E_* setting (names the variable and the value)."""


# --- LocalStack -----------------------------------------------------------------------------------


def localstack_endpoint(environ: Mapping[str, str] | None = None) -> str:
    """LOCALSTACK_ENDPOINT, default http://localhost:4566, without a trailing slash."""
    environ = os.environ if environ is None else environ
    return (environ.get("LOCALSTACK_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def is_loopback(url: str) -> bool:
    """Whether `url`'s host is this machine (localhost or a loopback address), without DNS lookups."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def probe_health(endpoint: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """LocalStack's /_localstack/health JSON, or None when nothing answers; never leaves loopback."""
    if not is_loopback(endpoint):
        return None
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=timeout) as response:
            body = json.loads(response.read().decode() or "{}")
    except (OSError, ValueError):  # URLError, timeouts, bad JSON
        return None
    return body if isinstance(body, dict) else None


def skip_reason(environ: Mapping[str, str] | None = None, timeout: float = 2.0) -> str | None:
    """Why the end-to-end test cannot run here (no Pulumi CLI, LocalStack not reachable), or None."""
    endpoint = localstack_endpoint(environ)
    if shutil.which("pulumi") is None:
        return "Pulumi CLI not on PATH (install it to run the LocalStack end-to-end test)"
    if not is_loopback(endpoint):
        return f"LOCALSTACK_ENDPOINT={endpoint} is not a loopback address (the test only talks to loopback)"
    if probe_health(endpoint, timeout) is None:
        return f"LocalStack not reachable at {endpoint}/_localstack/health (set LOCALSTACK_ENDPOINT)"
    return None


# --- which stacks, which knobs --------------------------------------------------------------------


def selected_stacks(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """E2E_STACKS (comma-separated) in dependency order; default all three with LOCALSTACK_AUTH_TOKEN
    (Pro), else COMMUNITY_STACKS. Every stack's upstream must be selected too."""
    environ = os.environ if environ is None else environ
    raw = environ.get("E2E_STACKS", "").strip()
    if not raw:
        return ORDER if environ.get("LOCALSTACK_AUTH_TOKEN") else COMMUNITY_STACKS
    names = {n.strip() for n in raw.split(",") if n.strip()}
    unknown = sorted(names - set(ORDER))
    if unknown:
        raise E2EConfigError(f"E2E_STACKS={raw}: unknown stack {unknown[0]!r} (known: {', '.join(ORDER)})")
    for name in sorted(names):
        parent = UPSTREAM.get(name)
        if parent and parent not in names:
            raise E2EConfigError(f"E2E_STACKS={raw}: {name} needs its upstream stack {parent}")
    return tuple(n for n in ORDER if n in names)


def knobs_for(stacks: Sequence[str], environ: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Config knobs for the test's copy: COMMUNITY_KNOBS without LOCALSTACK_AUTH_TOKEN, else none."""
    environ = os.environ if environ is None else environ
    if environ.get("LOCALSTACK_AUTH_TOKEN"):
        return {}
    return {s: dict(COMMUNITY_KNOBS[s]) for s in stacks if s in COMMUNITY_KNOBS}


def expected_types(stack: str, knobs: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """Resource types `stack` must have applied: EXPECTED_TYPES, plus PRO_TYPES unless knobs removed them."""
    return EXPECTED_TYPES[stack] + (() if knobs.get(stack) else PRO_TYPES[stack])


def edition_mismatch(
    health: Mapping[str, Any], knobs: Mapping[str, Mapping[str, Any]], endpoint: str
) -> str | None:
    """Why the Pro-only resources cannot apply: no knobs (LOCALSTACK_AUTH_TOKEN set) but LocalStack
    reports the community edition (the token does nothing in the localstack/localstack image)."""
    if knobs or health.get("edition") != "community":
        return None
    return (
        f"LOCALSTACK_AUTH_TOKEN is set but LocalStack at {endpoint} is the community edition: run the "
        "localstack/localstack-pro image, or unset the token / set E2E_STACKS for the community set"
    )


# --- the repository the agent reconciles -----------------------------------------------------------


def set_config(project_dir: Path, env: str, values: Mapping[str, Any]) -> None:
    """Set `<project>:<key>` values in `project_dir`/Pulumi.<env>.yaml (keys without a namespace)."""
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
    path = project_dir / f"Pulumi.{env}.yaml"
    doc = yaml.safe_load(path.read_text()) or {}
    config = doc.setdefault("config", {})
    for key, value in values.items():
        config[key if ":" in key else f"{project}:{key}"] = value
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def get_config(project_dir: Path, env: str, key: str) -> Any:
    """The value of `<project>:<key>` in `project_dir`/Pulumi.<env>.yaml (None when absent)."""
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
    doc = yaml.safe_load((project_dir / f"Pulumi.{env}.yaml").read_text()) or {}
    return (doc.get("config") or {}).get(key if ":" in key else f"{project}:{key}")


def point_at(project_dir: Path, env: str, endpoint: str) -> None:
    """Replace the committed LocalStack endpoint (DEFAULT_ENDPOINT) with `endpoint` in Pulumi.<env>.yaml."""
    path = project_dir / f"Pulumi.{env}.yaml"
    path.write_text(path.read_text().replace(DEFAULT_ENDPOINT, endpoint))


def use_virtualenv(project_dir: Path, venv: Path) -> None:
    """Point Pulumi.yaml's `runtime.options.virtualenv` at `venv` (absolute): the agent runs the program
    from its own export under the state dir, where the committed `../../.venv` does not exist."""
    path = project_dir / "Pulumi.yaml"
    doc = yaml.safe_load(path.read_text())
    runtime = doc.get("runtime")
    if not isinstance(runtime, dict):
        runtime = {"name": runtime or "python"}
    runtime.setdefault("options", {})["virtualenv"] = str(venv)
    doc["runtime"] = runtime
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def init_repo(root: Path) -> git.Repo:
    """An empty repository on `main` with a fixed author and no signing."""
    root.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "E2E Test")
        cw.set_value("user", "email", "e2e@example.com")
        cw.set_value("commit", "gpgsign", "false")
    return repo


def commit_paths(repo: git.Repo, message: str) -> str:
    """Stage everything in the (temporary) repository and commit; returns the new sha."""
    repo.git.add("-A")
    repo.git.commit("-m", message)
    return repo.head.commit.hexsha


def build_repo(
    source: Path,
    dest: Path,
    stacks: Sequence[str],
    *,
    env: str = "dev",
    endpoint: str = DEFAULT_ENDPOINT,
    venv: Path | None = None,
    knobs: Mapping[str, Mapping[str, Any]] | None = None,
) -> git.Repo:
    """A new Git repo at `dest` with `source`'s policies/, stacks/platform_components and the selected
    stacks (endpoint, virtualenv and knobs set in this copy only), committed on `main`."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    repo = init_repo(dest)
    shutil.copytree(source / "policies", dest / "policies", ignore=ignore)
    shutil.copytree(
        source / "stacks" / "platform_components", dest / "stacks" / "platform_components", ignore=ignore
    )
    for name in stacks:
        project = dest / "stacks" / name
        shutil.copytree(source / "stacks" / name, project, ignore=ignore)
        point_at(project, env, endpoint)
        use_virtualenv(project, venv or Path(sys.prefix))
        if knobs and knobs.get(name):
            set_config(project, env, knobs[name])
    commit_paths(repo, f"e2e: {', '.join(stacks)} for {env}")
    return repo


# --- the agent's CLI -------------------------------------------------------------------------------


def run_gitops(
    args: Sequence[str], *, env: Mapping[str, str], timeout: float = 1800
) -> subprocess.CompletedProcess[str]:
    """`python -m gitops_agent.cli ARGS` in a subprocess with `env` added to this environment."""
    return subprocess.run(
        [sys.executable, "-m", "gitops_agent.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def statuses(status_json: str) -> dict[str, str]:
    """`gitops status --format json` -> {project: status}."""
    return {row["project"]: row["status"] for row in json.loads(status_json)}


def applied_digests(history_json: str, project: str, revision: str) -> list[str]:
    """Plan digests of the `applied` history rows of `project` at `revision` (`gitops history` JSON)."""
    return [
        row["plan_digest"]
        for row in json.loads(history_json)
        if row["project"] == project and row["revision"] == revision and row["action"] == "applied"
    ]


# --- what Pulumi applied: the file backend's checkpoint --------------------------------------------


def checkpoint_file(backend_dir: Path, project: str, stack: str) -> Path:
    """The stack's checkpoint in a file backend (`.pulumi/stacks/<project>/<stack>.json[.gz]`, or the
    legacy unscoped `.pulumi/stacks/<stack>.json`); FileNotFoundError naming what was looked for."""
    base = backend_dir / ".pulumi" / "stacks"
    candidates = [base / project / f"{stack}.json", base / f"{stack}.json"]
    for candidate in candidates:
        for path in (candidate, candidate.with_name(candidate.name + ".gz")):
            if path.is_file():
                return path
    raise FileNotFoundError(f"no checkpoint of {project}/{stack} under {base}")


def checkpoint_resources(backend_dir: Path, project: str, stack: str) -> list[dict[str, Any]]:
    """The resources of the stack's latest deployment in the file backend."""
    path = checkpoint_file(backend_dir, project, stack)
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    latest = (json.loads(raw).get("checkpoint") or {}).get("latest") or {}
    return list(latest.get("resources") or [])


def stack_outputs(resources: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The stack's exports (outputs of its `pulumi:pulumi:Stack` resource; secrets stay encrypted)."""
    for resource in resources:
        if resource.get("type") == "pulumi:pulumi:Stack":
            return dict(resource.get("outputs") or {})
    return {}


def of_type(resources: Iterable[Mapping[str, Any]], type_token: str) -> list[Mapping[str, Any]]:
    """The custom resources of one type (not deleted or pending replacement)."""
    return [
        r
        for r in resources
        if r.get("type") == type_token and r.get("custom", True) and not r.get("delete", False)
    ]


# --- checking through the AWS API ------------------------------------------------------------------

Clients = Callable[[str], Any]
"""service name -> boto3 client (LocalStack in the test, moto in the unit tests)."""


def _dynamodb_table(clients: Clients, r: Mapping[str, Any]) -> None:
    table = clients("dynamodb").describe_table(TableName=r["id"])["Table"]
    _expect(table["TableStatus"] == "ACTIVE", f"table status {table['TableStatus']}")


def _lambda_function(clients: Clients, r: Mapping[str, Any]) -> None:
    config = clients("lambda").get_function(FunctionName=r["id"])["Configuration"]
    _expect(config.get("State", "Active") != "Failed", f"function state Failed: {config.get('StateReason')}")


def _sqs_queue(clients: Clients, r: Mapping[str, Any]) -> None:
    name = (r.get("outputs") or {}).get("name") or str(r["id"]).rstrip("/").rsplit("/", 1)[-1]
    clients("sqs").get_queue_url(QueueName=name)


def _kms_key(clients: Clients, r: Mapping[str, Any]) -> None:
    meta = clients("kms").describe_key(KeyId=r["id"])["KeyMetadata"]
    _expect(meta["KeyState"] == "Enabled", f"key state {meta['KeyState']}")


def _log_group(clients: Clients, r: Mapping[str, Any]) -> None:
    _expect(log_group_retention(clients, [r["id"]])[r["id"]] is not None, "log group not found")


def _vpc(clients: Clients, r: Mapping[str, Any]) -> None:
    clients("ec2").describe_vpcs(VpcIds=[r["id"]])


def _bucket(clients: Clients, r: Mapping[str, Any]) -> None:
    clients("s3").head_bucket(Bucket=r["id"])


def _http_api(clients: Clients, r: Mapping[str, Any]) -> None:
    clients("apigatewayv2").get_api(ApiId=r["id"])


def _rds_cluster(clients: Clients, r: Mapping[str, Any]) -> None:
    clients("rds").describe_db_clusters(DBClusterIdentifier=r["id"])


def _distribution(clients: Clients, r: Mapping[str, Any]) -> None:
    clients("cloudfront").get_distribution(Id=r["id"])


def _web_acl(clients: Clients, r: Mapping[str, Any]) -> None:
    out = r.get("outputs") or {}
    clients("wafv2").get_web_acl(Name=out["name"], Scope=out["scope"], Id=out.get("id") or r["id"])


VERIFIERS: dict[str, Callable[[Clients, Mapping[str, Any]], None]] = {
    "aws:dynamodb/table:Table": _dynamodb_table,
    "aws:lambda/function:Function": _lambda_function,
    "aws:sqs/queue:Queue": _sqs_queue,
    "aws:kms/key:Key": _kms_key,
    LOG_GROUP: _log_group,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
}
"""Pulumi type -> a check that the resource with that state entry exists (raises when it does not)."""


class Missing(Exception):
    """A resource exists but not in the expected state."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise Missing(message)


def missing_resources(resources: Iterable[Mapping[str, Any]], clients: Clients) -> list[str]:
    """Every resource of a VERIFIERS type that the AWS API does not show (as `type id: why`)."""
    problems = []
    for resource in resources:
        verify = VERIFIERS.get(str(resource.get("type")))
        if verify is None or not resource.get("custom", True) or resource.get("delete", False):
            continue
        try:
            verify(clients, resource)
        except Exception as exc:  # botocore ClientError, Missing, KeyError on a malformed entry
            problems.append(f"{resource.get('type')} {resource.get('id')}: {type(exc).__name__}: {exc}")
    return problems


def missing_types(resources: Iterable[Mapping[str, Any]], expected: Iterable[str]) -> list[str]:
    """The expected types of which the checkpoint holds no resource."""
    present = {r.get("type") for r in resources}
    return [t for t in expected if t not in present]


def log_group_retention(clients: Clients, names: Iterable[str]) -> dict[str, int | None]:
    """Retention in days of each named log group (None: not found; 0: never expires)."""
    logs = clients("logs")
    result: dict[str, int | None] = {}
    for name in names:
        groups = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
        match = [g for g in groups if g.get("logGroupName") == name]
        result[name] = match[0].get("retentionInDays", 0) if match else None
    return result


def boto3_clients(endpoint: str, region: str) -> Clients:
    """A cached client factory for LocalStack (dummy `test` credentials, path-style S3)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=region
    )
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(
                service,
                endpoint_url=endpoint,
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
            )
        return cache[service]

    return client
