"""`gitops init` on a Pulumi repository nobody here wrote, then `gitops check` on it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from gitops_agent.cli import main, version
from gitops_agent.scaffold import DEFAULT_ACTION, plan, write

GITOPS = [sys.executable, "-m", "gitops_agent.cli"]

PROGRAM = '''\
"""A team's website bucket, written the way a new user would."""
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
site = aws.s3.BucketV2("site", tags={"team": config.require("team")})
aws.s3.BucketPublicAccessBlock(
    "site",
    bucket=site.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
pulumi.export("bucket", site.bucket)
'''


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "their-infra"
    project = root / "infra" / "web"
    project.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: web\nruntime: python\n")
    (project / "Pulumi.prod.yaml").write_text("config:\n  aws:region: eu-west-1\n  web:team: web\n")
    (project / "__main__.py").write_text(PROGRAM)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    return root


def test_version_is_the_distributions() -> None:
    done = subprocess.run([*GITOPS, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"gitops {version()}"
    assert version()[0].isdigit()


def test_init_adds_policies_workflow_and_codeowners_then_the_gate_runs(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    done = subprocess.run([*GITOPS, "init", str(root), "--env", "prod"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    created = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("created ")}
    assert created == {
        "policies/enforcement.yaml",
        "policies/waivers.yaml",
        ".github/workflows/gitops-check.yml",
        ".github/CODEOWNERS",
    }
    enforcement = yaml.safe_load((root / "policies/enforcement.yaml").read_text())
    assert enforcement["default"] == "mandatory"
    assert yaml.safe_load((root / "policies/waivers.yaml").read_text()) == {"waivers": []}
    workflow = yaml.safe_load((root / ".github/workflows/gitops-check.yml").read_text())
    step = next(s for s in workflow["jobs"]["check"]["steps"] if s.get("id") == "gate")
    assert step["uses"] == DEFAULT_ACTION
    assert step["with"]["paths"] == "infra/web" and step["with"]["env"] == "prod"
    assert "/policies/" in (root / ".github/CODEOWNERS").read_text()

    # The commented example in the waivers header is a real waiver: uncommented, it loads.
    from policies.waivers import load_waivers

    header = [
        line.removeprefix("#").rstrip()
        for line in (root / "policies/waivers.yaml").read_text().splitlines()
        if line.startswith("#   ")
    ]
    example = yaml.safe_load("waivers:\n" + "\n".join(header))
    (tmp_path / "example").mkdir()
    (tmp_path / "example" / "waivers.yaml").write_text(yaml.safe_dump(example))
    (loaded,) = load_waivers(tmp_path / "example")
    assert loaded.resource == "site-bucket"  # a Pulumi logical name, like every finding's `resource`

    out = tmp_path / "report.json"
    gate = subprocess.run(
        [*GITOPS, "check", str(root / "infra"), "--env", "prod", "--format", "json", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert gate.returncode == 1, gate.stderr  # Checkov's defaults: all mandatory, a bare bucket fails
    report = json.loads(out.read_text())
    (stack,) = report["stacks"]
    assert stack["project"] == "web" and stack["error"] is None
    failed = {f["check_id"] for f in stack["findings"] if f["result"] == "failed"}
    assert "CKV_AWS_145" in failed  # no KMS encryption: a built-in Checkov check, mandatory by default
    assert all(f["level"] == "mandatory" for f in stack["findings"])
    assert not any(f["check_id"].startswith("CKV_ORG_") for f in stack["findings"])


def test_init_never_overwrites_and_says_what_it_skipped(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = _repo(tmp_path)
    (root / "policies").mkdir()
    (root / "policies" / "waivers.yaml").write_text("waivers: []  # ours\n")
    assert main(["init", str(root)]) == 0
    out = capsys.readouterr().out
    assert "skipped policies/waivers.yaml" in out and "created policies/enforcement.yaml" in out
    assert (root / "policies" / "waivers.yaml").read_text() == "waivers: []  # ours\n"
    assert main(["init", str(root)]) == 0
    assert "created" not in capsys.readouterr().out


def test_init_on_a_missing_directory_is_one_line_exit_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["init", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a directory" in err[0]


def test_plan_points_the_workflow_at_the_projects_common_parent(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / "stacks" / name).mkdir(parents=True)
        (tmp_path / "stacks" / name / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (tmp_path / ".venv" / "x").mkdir(parents=True)
    (tmp_path / ".venv" / "x" / "Pulumi.yaml").write_text("name: x\n")
    workflow = next(
        p for p in plan(tmp_path, env="dev", action="o/r@v1", owners="@o") if "workflows" in p.path
    )
    assert "paths: stacks\n" in workflow.content
    created, skipped = write(tmp_path, [workflow])
    assert created == [".github/workflows/gitops-check.yml"] and skipped == []
