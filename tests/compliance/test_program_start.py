"""How a program is started: helper-module lines, config errors and --config, error chains, other
providers, and a program pinned to an older Pulumi SDK in its own virtualenv."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from compliance.errors import ConfigError
from compliance.evaluate import evaluate_project, parse_overrides
from compliance.evaluation import launcher, starter
from compliance.model import StackGraph

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".venv" / "wheelhouse"
OLD_PULUMI = "pulumi==3.140.0"


def project(root: Path, name: str, files: dict[str, str], config: str | None = None) -> Path:
    """A project `name` under root with the given files (dedented) and an optional Pulumi.dev.yaml."""
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    for rel, text in files.items():
        (path / rel).write_text(textwrap.dedent(text))
    if config is not None:
        (path / "Pulumi.dev.yaml").write_text(textwrap.dedent(config))
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def named(graph: StackGraph, name: str) -> dict[str, object]:
    (found,) = [r for r in graph.resources if r.name == name]
    return found.model_dump()


HELPER_VPC = """\
import pulumi_aws as aws

vpc = aws.ec2.Vpc("main", cidr_block="10.0.0.0/16")
subnet = aws.ec2.Subnet("private", vpc_id=vpc.id, cidr_block="10.0.1.0/24")
"""

HELPER_IAM = """\
import json

import pulumi
import pulumi_aws as aws


class ServiceRole(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("acme:iam:ServiceRole", name)
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


def logs_bucket(name: str) -> aws.s3.BucketV2:
    return aws.s3.BucketV2(name)


worker = ServiceRole("worker")
"""

HELPER_MAIN = """\
import pulumi

import iam
import vpc

api = iam.ServiceRole("api")
logs = iam.logs_bucket("logs")
pulumi.export("vpc", vpc.vpc.id)
"""


def test_resources_of_helper_modules_are_reported_on_the_helper_lines(tmp_path: Path) -> None:
    path = project(tmp_path, "net", {"vpc.py": HELPER_VPC, "iam.py": HELPER_IAM, "__main__.py": HELPER_MAIN})
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error is None, graph.error
    main, vpc, iam = path / "__main__.py", path / "vpc.py", path / "iam.py"

    def at(name: str) -> tuple[object, object]:
        found = named(graph, name)
        return found["source"], found["source_inner"]

    # module level of a helper module: the helper's line, not `import vpc` in __main__.py
    assert at("main") == ({"file": "net/vpc.py", "line": line_of(vpc, '"main"')}, None)
    assert at("private")[0] == {"file": "net/vpc.py", "line": line_of(vpc, '"private"')}
    # a plain helper function: its own line (innermost user frame)
    assert at("logs")[0] == {"file": "net/iam.py", "line": line_of(iam, "return aws.s3.BucketV2")}
    # inside a component constructor: the line that builds the component, the inner line kept
    role_line = {"file": "net/iam.py", "line": line_of(iam, 'f"{name}-role"') - 1}
    assert at("api-role") == (
        {"file": "net/__main__.py", "line": line_of(main, 'ServiceRole("api")')},
        role_line,
    )
    assert at("worker-role") == (
        {"file": "net/iam.py", "line": line_of(iam, 'ServiceRole("worker")')},
        role_line,
    )
    assert at("api")[0] == {"file": "net/__main__.py", "line": line_of(main, 'ServiceRole("api")')}


def test_an_exception_whose_cause_is_itself_is_described_at_once(tmp_path: Path) -> None:
    program = """\
    import pulumi

    def fail():
        error = ValueError("the cause is me")
        error.__cause__ = error
        raise error

    try:
        fail()
    except ValueError as first:
        other = RuntimeError("context loop")
        other.__context__ = first
        first.__context__ = other
        raise first
    """
    path = project(tmp_path, "cycle", {"__main__.py": program})
    started = time.monotonic()
    graph = evaluate_project(path, "dev", repo_root=tmp_path, timeout=60)
    assert time.monotonic() - started < 50
    assert (
        graph.error
        == f"cycle/__main__.py:{line_of(path / '__main__.py', 'raise error')}: ValueError: the cause is me"
    )


def test_a_cause_without_user_frames_is_followed_to_the_users_line(tmp_path: Path) -> None:
    program = """\
    import json

    try:
        json.loads("{not json")
    except ValueError as exc:
        raise KeyError("settings") from exc
    """
    path = project(tmp_path, "chain", {"__main__.py": program})
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error is not None
    assert graph.error.startswith(
        f"chain/__main__.py:{line_of(path / '__main__.py', 'raise KeyError')}: KeyError"
    )


def test_a_failing_apply_callback_is_reported_on_its_own_line(tmp_path: Path) -> None:
    program = """\
    import pulumi
    import pulumi_aws as aws

    bucket = aws.s3.BucketV2("logs")
    pulumi.export("shard", bucket.bucket.apply(lambda name: name.split("-")[9]))
    """
    path = project(tmp_path, "applied", {"__main__.py": program})
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    line = line_of(path / "__main__.py", "lambda name")
    assert graph.error == f"applied/__main__.py:{line}: IndexError: list index out of range"


def test_a_crash_after_a_flood_of_output_reports_the_last_line(tmp_path: Path) -> None:
    program = """\
    import os
    import sys

    for _ in range(2000):
        print("x" * 4000)
    print("the last words", flush=True)
    sys.stdout.flush()
    os._exit(3)
    """
    path = project(tmp_path, "flood", {"__main__.py": program})
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error == "evaluation crashed (exit 3): the last words"


NEEDS_DB = """\
import pulumi

cfg = pulumi.Config()
pulumi.export("db", cfg.require("dbName"))
"""


def test_missing_stack_file_is_said_plainly(tmp_path: Path) -> None:
    path = project(tmp_path, "orders", {"__main__.py": NEEDS_DB})
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error == (
        "orders/__main__.py:4: ConfigMissingError: missing required config orders:dbName: "
        "orders/Pulumi.dev.yaml does not exist: create it with `config:` and under it "
        "`orders:dbName: <value>`, "
        "or pass --config orders:dbName=VALUE"
    )


def test_missing_key_names_the_file_and_the_line_to_add(tmp_path: Path) -> None:
    path = project(tmp_path, "orders", {"__main__.py": NEEDS_DB}, config="config:\n  aws:region: eu-west-1\n")
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error is not None
    assert "add `orders:dbName: <value>` to orders/Pulumi.dev.yaml (under `config:`)" in graph.error
    assert "pulumi config set" not in graph.error


def test_command_line_config_supplies_and_overrides_values(tmp_path: Path) -> None:
    path = project(tmp_path, "orders", {"__main__.py": NEEDS_DB}, config="config:\n  orders:dbName: old\n")
    graph = evaluate_project(
        path, "dev", repo_root=tmp_path, config_overrides=parse_overrides(["dbName=orders"])
    )
    assert graph.error is None and graph.outputs == {"db": "orders"}
    full = parse_overrides(["orders:dbName=a=b"])
    assert evaluate_project(path, "dev", repo_root=tmp_path, config_overrides=full).outputs == {"db": "a=b"}
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_overrides(["dbName"])


def test_gitops_check_config_flag_reaches_the_program(tmp_path: Path) -> None:
    project(
        tmp_path / "stacks", "orders", {"__main__.py": NEEDS_DB}, config="config:\n  aws:region: eu-west-1\n"
    )
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "enforcement.yaml").write_text("default: disabled\n")
    (tmp_path / "policies" / "waivers.yaml").write_text("waivers: []\n")
    cmd = [sys.executable, "-m", "gitops_agent.cli", "check", "stacks", "--format", "json"]
    missing = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert (
        missing.returncode == 2
        and "add `orders:dbName: <value>` to stacks/orders/Pulumi.dev.yaml" in missing.stderr
    )
    given = subprocess.run(
        [*cmd, "--config", "orders:dbName=orders"], cwd=tmp_path, capture_output=True, text=True
    )
    assert given.returncode == 0, given.stderr
    bad = subprocess.run([*cmd, "--config", "nonsense"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 2 and "--config 'nonsense': expected KEY=VALUE" in bad.stderr


OTHER_PROVIDERS = """\
import pulumi
import pulumi_aws as aws

password = pulumi.CustomResource("random:index/randomPassword:RandomPassword", "db-password", {"length": 24})
image = pulumi.CustomResource("docker:index/image:Image", "api", {"imageName": "api:latest"})
bucket = aws.s3.BucketV2("assets", tags={"password-id": password.id})
"""


def test_resources_of_other_providers_register_like_any_other(tmp_path: Path) -> None:
    path = project(tmp_path, "mixed", {"__main__.py": OTHER_PROVIDERS})
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error is None, graph.error
    by_type = {r.type: r for r in graph.resources}
    assert by_type["random:index/randomPassword:RandomPassword"].inputs == {"length": 24}
    assert by_type["docker:index/image:Image"].custom is True
    assert by_type["aws:s3/bucketV2:BucketV2"].inputs["tags"] == {
        "password-id": by_type["random:index/randomPassword:RandomPassword"].id
    }
    assert by_type["aws:s3/bucketV2:BucketV2"].outputs["bucketDomainName"].endswith(".s3.amazonaws.com")


OLD_SDK_PROGRAM = """\
import pulumi

import queues


class Store(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("acme:storage:Store", name, None, opts)
        self.bucket = pulumi.CustomResource(
            "aws:s3/bucketV2:BucketV2", f"{name}-bucket", {"bucket": name, "acl": "public-read"},
            pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


store = Store(pulumi.Config().require("bucketName"))
pulumi.export("bucket", store.bucket.id)
pulumi.export("sdk", pulumi.__version__ if hasattr(pulumi, "__version__") else "unknown")
"""

OLD_SDK_QUEUES = """\
import pulumi

jobs = pulumi.CustomResource("aws:sqs/queue:Queue", "jobs", {"name": "jobs"})
"""


@pytest.mark.slow
def test_program_pinned_to_an_older_sdk_in_its_own_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheels = list(WHEELHOUSE.glob("pulumi-3.140.0-*.whl"))
    if not wheels:
        pytest.skip(f"no {OLD_PULUMI} wheel in {WHEELHOUSE} (make install fetches it)")
    uv = shutil.which("uv", path=str(REPO / ".venv" / "bin")) or shutil.which("uv")
    assert uv is not None
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(python),
            "--no-index",
            "--find-links",
            str(WHEELHOUSE),
            OLD_PULUMI,
        ],
        check=True,
        timeout=300,
    )
    path = project(
        tmp_path / "repo",
        "legacy",
        {"__main__.py": OLD_SDK_PROGRAM, "queues.py": OLD_SDK_QUEUES},
        config="config:\n  aws:region: eu-west-1\n  legacy:bucketName: uploads\n",
    )
    seen: list[Path] = []

    def interpreter(project_dir: Path, settings: object) -> Path:
        seen.append(project_dir)
        return python

    monkeypatch.setattr(launcher, "project_interpreter", interpreter)
    graph = evaluate_project(path, "dev", repo_root=tmp_path / "repo")
    assert seen == [path.resolve()]
    assert graph.error is None, graph.error
    assert [r.name for r in graph.resources] == ["jobs", "uploads", "uploads-bucket"]
    bucket = named(graph, "uploads-bucket")
    assert bucket["inputs"] == {"acl": "public-read", "bucket": "uploads"}
    assert bucket["source"] == {
        "file": "legacy/__main__.py",
        "line": line_of(path / "__main__.py", "store = Store("),
    }
    assert named(graph, "jobs")["source"] == {"file": "legacy/queues.py", "line": 3}
    assert graph.outputs["bucket"] == "uploads"
    probe = subprocess.run(
        [str(python), "-c", "import pulumi, grpc; print(grpc.__version__)"], capture_output=True, text=True
    )
    assert probe.stdout.strip() == "1.66.2"  # really the program's own, older stack


def test_a_missing_project_interpreter_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project(tmp_path, "gone", {"__main__.py": "import pulumi\n"})
    monkeypatch.setattr(launcher, "project_interpreter", lambda d, s: tmp_path / "venv" / "bin" / "python")
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error is not None and graph.error.startswith("gone: cannot start ")
    assert graph.resources == []


def test_the_program_is_started_through_the_sandbox_with_its_mode_and_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.sandbox import Confined

    calls: list[dict[str, object]] = []

    def spy(
        argv: list[str],
        *,
        mode: str,
        read_only: list[Path],
        writable: list[Path],
        env: dict[str, str],
        **kw: object,
    ) -> Confined:
        calls.append(
            {"argv": argv, "mode": mode, "read_only": read_only, "writable": writable, "env": env, **kw}
        )
        return Confined(argv=list(argv), env=dict(env), confinement="process")

    monkeypatch.setattr(starter, "confine", spy)
    path = project(tmp_path, "boxed", {"__main__.py": "import pulumi\npulumi.export('ok', True)\n"})
    graph = evaluate_project(path, "dev", repo_root=tmp_path, sandbox="required")
    assert graph.error is None and graph.outputs == {"ok": True}
    assert graph.confinement == "process"
    (call,) = calls
    assert call["mode"] == "required"
    (writable,) = call["writable"]  # type: ignore[misc]
    assert call["argv"][1:] == ["-s", "-B", str(launcher.BOOTSTRAP)]  # type: ignore[index]  # request: stdin
    private = writable.parent
    assert writable == private / "home"  # the program writes only its home
    assert call["env"]["HOME"] == str(writable)  # type: ignore[index]
    assert "PULUMI_CONFIG" not in call["env"]  # type: ignore[operator]  # config comes with the request
    read_only = call["read_only"]
    assert private / "monitor" in read_only  # type: ignore[operator]
    assert tmp_path.resolve() in read_only and launcher.BOOTSTRAP.parent in read_only  # type: ignore[operator]
    assert call["cwd"] == path.resolve()
    assert not private.exists()  # the private directory is gone after the run
