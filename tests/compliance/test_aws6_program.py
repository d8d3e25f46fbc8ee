"""A user's program on the previous generation of everything: Pulumi SDK 3.140 and pulumi-aws 6.x,
in the project's own virtualenv, installed by `gitops install` from a local wheelhouse, then gated.

pulumi-aws 6 differs from the 7.x the gate itself ships: S3 buckets take `acl`, `versioning` and
`server_side_encryption_configuration` inline, `get_region()` answers `.name`, and the argument and
result classes are the 6.x ones. The gate must evaluate it with the program's own SDK and map it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from compliance.discovery import load_project_file
from compliance.environments import project_interpreter
from compliance.evaluate import evaluate_project
from gitops_agent.cli import main

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".venv" / "wheelhouse"
PULUMI = "pulumi==3.140.0"
PULUMI_AWS = "pulumi-aws==6.64.0"

PROJECT = """\
name: legacy-web
runtime:
  name: python
  options:
    virtualenv: venv
"""

MAIN = '''\
"""Static site and its bastion, written against pulumi-aws 6."""

import importlib.metadata

import pulumi
import pulumi_aws as aws

import network

region = aws.get_region()
identity = aws.get_caller_identity()

site = aws.s3.Bucket(
    "site",
    acl="public-read",
    website=aws.s3.BucketWebsiteArgs(index_document="index.html"),
    tags={"region": region.name, "account": identity.account_id},
)
archive = aws.s3.Bucket(
    "archive",
    acl="private",
    versioning=aws.s3.BucketVersioningArgs(enabled=True),
    server_side_encryption_configuration=aws.s3.BucketServerSideEncryptionConfigurationArgs(
        rule=aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms",
            ),
        ),
    ),
)

pulumi.export("bastion_group", network.bastion.id)
pulumi.export("provider_version", importlib.metadata.version("pulumi-aws"))
pulumi.export("region", region.name)
'''

NETWORK = '''\
"""The bastion's network: the default VPC and a security group open to the world on SSH."""

import pulumi_aws as aws

vpc = aws.ec2.get_vpc(default=True)
bastion = aws.ec2.SecurityGroup(
    "bastion",
    vpc_id=vpc.id,
    description="bastion",
    ingress=[
        aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=22, to_port=22, cidr_blocks=["0.0.0.0/0"]),
    ],
)
'''


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository with legacy-web, its venv installed by `gitops install` from the wheelhouse."""
    if not list(WHEELHOUSE.glob("pulumi_aws-6.64.0-*.whl")):
        pytest.skip(f"no {PULUMI_AWS} wheel in {WHEELHOUSE} (make install fetches it)")
    repo = tmp_path_factory.mktemp("aws6") / "repo"
    app = repo / "legacy-web"
    app.mkdir(parents=True)
    (app / "Pulumi.yaml").write_text(PROJECT)
    (app / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-central-1\n")
    (app / "requirements.txt").write_text(f"{PULUMI}\n{PULUMI_AWS}\n")
    (app / "__main__.py").write_text(MAIN)
    (app / "network.py").write_text(NETWORK)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    code = main(["install", str(repo), "--no-index", "--find-links", str(WHEELHOUSE)])
    assert code == 0
    return repo


@pytest.mark.slow
def test_an_aws6_program_is_evaluated_with_its_own_sdk(installed: Path) -> None:
    app = installed / "legacy-web"
    python = project_interpreter(app, load_project_file(app))
    assert python is not None and Path(python).is_relative_to(app / "venv")
    graph = evaluate_project(app, "dev", repo_root=installed)
    assert graph.error is None, graph.error
    assert graph.outputs["provider_version"] == "6.64.0"
    assert graph.outputs["region"] == "eu-central-1"  # get_region().name, the 6.x result field
    site = next(r for r in graph.resources if r.name == "site")
    assert site.type == "aws:s3/bucket:Bucket"
    assert site.inputs["acl"] == "public-read"
    assert site.inputs["tags"] == {"region": "eu-central-1", "account": "123456789012"}
    assert site.source is not None
    assert site.source.line == line_of(app / "__main__.py", "site = aws.s3.Bucket(")
    bastion = next(r for r in graph.resources if r.name == "bastion")
    assert bastion.source is not None and bastion.source.file == "legacy-web/network.py"
    assert bastion.inputs["vpcId"].startswith("vpc-")


@pytest.mark.slow
def test_the_gate_maps_and_checks_an_aws6_program(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = installed / "legacy-web"
    monkeypatch.chdir(installed)  # the gate runs from the repository, as in CI
    out = tmp_path / "report.json"
    code = main(["check", str(app), "--format", "json", "--out", str(out)])
    report = json.loads(out.read_text())
    stack = report["stacks"][0]
    assert stack["error"] is None
    assert code == 1  # failed mandatory findings, not an evaluation error
    assert stack["unchecked"] == []

    def result(check_id: str, resource: str) -> dict[str, object]:
        found = [f for f in stack["findings"] if f["check_id"] == check_id and f["resource"] == resource]
        assert len(found) == 1, (check_id, resource, [f["check_id"] for f in stack["findings"]])
        return found[0]

    ssh = result("CKV_AWS_24", "bastion")  # SSH open to 0.0.0.0/0
    assert ssh["result"] == "failed"
    assert (ssh["file"], ssh["line"]) == ("legacy-web/network.py", line_of(app / "network.py", "ingress="))
    assert result("CKV_AWS_20", "site")["result"] == "failed"  # public-read ACL, inline (6.x style)
    assert result("CKV_AWS_20", "archive")["result"] == "passed"
    assert result("CKV_AWS_21", "archive")["result"] == "passed"  # inline versioning
    assert result("CKV_AWS_21", "site")["result"] == "failed"
    assert result("CKV_AWS_145", "archive")["result"] == "passed"  # inline KMS encryption
