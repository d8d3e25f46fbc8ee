"""Smoke tests of the benchmark generators: valid Pulumi code, equivalent HCL, a real multi-stack repo."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from unittest.mock import ANY

import hcl2
import pytest
import yaml

from bench.generate import (
    commit_stack_change,
    git,
    write_hcl,
    write_multistack_repo,
    write_program,
)
from bench.render import identifier
from bench.spec import KINDS, TF_RENAMES, UNIT_SIZE, Expr, Map, Ref, estate

REPO = Path(__file__).resolve().parents[2]


def test_estate_size_and_mix() -> None:
    resources = estate(70)
    assert len(resources) == 70
    assert len({r.name for r in resources}) == 70
    assert Counter(r.kind for r in resources) == {kind: 5 for kind in KINDS}
    with pytest.raises(ValueError, match="multiple of 14"):
        estate(71)


def test_variations_make_some_checks_fail() -> None:
    resources = estate(14 * 8)
    retention = [r.props["retention_in_days"] for r in resources if r.kind == "log_group"]
    open_ssh = [r for r in resources if r.kind == "security_group" and len(r.props["ingress"]) == 2]
    assert 7 in retention and 365 in retention
    assert len(open_ssh) == 1 and open_ssh[0].props["ingress"][1]["cidr_blocks"] == ["0.0.0.0/0"]


def _as_parsed(value: object) -> object:
    """What python-hcl2 (Checkov's parser) returns for a spec value: attributes come wrapped in a list."""
    if isinstance(value, Ref):
        return ["${" + f"{KINDS[value.kind][1]}.{identifier(value.name)}.{value.attr}" + "}"]
    if isinstance(value, Expr):
        return [json.loads(value.tf)] if value.tf.startswith('"') else ANY
    if isinstance(value, Map):
        return [dict(value)]
    if isinstance(value, dict):
        return [{k: _as_parsed(v) for k, v in value.items()}]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [{k: _as_parsed(v) for k, v in block.items()} for block in value]
    return [value]


def test_hcl_has_the_same_resources_and_settings(tmp_path: Path) -> None:
    write_hcl(tmp_path, 154)
    files = sorted(p.name for p in tmp_path.glob("*.tf"))
    assert files == ["main.tf", "resources-000.tf", "resources-001.tf", "resources-002.tf"]
    assert "provider" in hcl2.loads((tmp_path / "main.tf").read_text())
    parsed = [hcl2.loads((tmp_path / name).read_text()) for name in files[1:]]
    blocks = {
        (tf_type, label): {k: v for k, v in body.items() if not k.startswith("__")}
        for doc in parsed
        for entry in doc["resource"]
        for tf_type, labelled in entry.items()
        for label, body in labelled.items()
    }
    spec = estate(154)
    assert len(blocks) == len(spec)
    for res in spec:
        renames = TF_RENAMES.get(res.kind, {})
        expected = {renames.get(k, k): _as_parsed(v) for k, v in res.props.items()}
        assert blocks[(KINDS[res.kind][1], identifier(res.name))] == expected, res.name
    sg = blocks[("aws_security_group", "sg_0003")]
    assert [b["from_port"] for b in sg["ingress"]] == [[443], [22]]
    assert blocks[("aws_lambda_function", "fn_0000")]["filename"] == ["lambda_function_payload.zip"]
    assert blocks[("aws_lambda_function", "fn_0000")]["function_name"] == ["bench-fn-0000"]
    assert blocks[("aws_iam_role", "fn_role_0000")]["assume_role_policy"][0].startswith("${jsonencode(")


@pytest.mark.slow
def test_program_runs_under_pulumi_mocks(tmp_path: Path) -> None:
    write_program(tmp_path / "p", 28)
    out = subprocess.run(
        [sys.executable, "-m", "bench.mock_eval", str(tmp_path / "p")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["project"] == "bench-28"
    assert result["resources"] == 28
    assert (
        result["types"][
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        ]
        == 2
    )
    assert result["types"]["aws:lambda/function:Function"] == 2


def test_multistack_repo_and_one_stack_commit(tmp_path: Path) -> None:
    repo = write_multistack_repo(tmp_path / "repo", stacks=20, policies=REPO / "policies")
    assert len(repo.projects) == 20
    assert git(repo.root, "rev-list", "--count", "HEAD") == "1"
    config = yaml.safe_load((repo.project_dir("svc-05") / "Pulumi.dev.yaml").read_text())["config"]
    assert config["svc-05:dep0Stack"] == "organization/svc-01/dev"
    assert (
        'pulumi.StackReference(config.require("dep0Stack"))'
        in (repo.project_dir("svc-05") / "__main__.py").read_text()
    )
    assert repo.depends_on["svc-10"] == []
    enforcement = yaml.safe_load((repo.root / "policies" / "enforcement.yaml").read_text())
    assert enforcement == {"default": "advisory"}

    commit_stack_change(repo, "svc-01")
    changed = git(repo.root, "diff", "--name-only", "HEAD~1", "HEAD").splitlines()
    assert changed == ["stacks/svc-01/__main__.py"]
    assert git(repo.root, "status", "--porcelain") == ""


def test_unit_size_matches_unit() -> None:
    assert len(estate(UNIT_SIZE)) == UNIT_SIZE
