"""The dependency choices documented in docs/dependencies.md hold in the installed environment."""

from __future__ import annotations

import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def test_pulumi_and_checkov_are_current_together() -> None:
    # The override exists so that neither side is held back.
    assert Version(version("pulumi")) >= Version("3.272.0")
    assert Version(version("pulumi-aws")) >= Version("7.51.0")
    assert Version(version("checkov")) >= Version("3.3.30")
    assert Version(version("packaging")) >= Version("26")


def test_checkov_runs_on_terraform_with_overridden_packaging(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n  sqs_managed_sse_enabled = false\n}\n'
    )
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.runner import Runner

    report = Runner().run(root_folder=str(tmp_path), runner_filter=RunnerFilter(framework=["terraform"]))
    failed = {(r.check_id, r.resource) for r in report.failed_checks}
    assert ("CKV_AWS_27", "aws_sqs_queue.q") in failed  # SQS encryption
    assert any(r.resource == "aws_s3_bucket.b" for r in report.failed_checks)


def test_actionlint_binary_is_installed() -> None:
    exe = shutil.which("actionlint", path=str(ROOT / ".venv" / "bin")) or shutil.which("actionlint")
    assert exe, "actionlint must be installed from the lock"
    out = subprocess.run([exe, "-version"], capture_output=True, text=True, check=True).stdout
    assert out.split()[0]  # prints a version
