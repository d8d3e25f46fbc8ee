"""scripts/render_report.py and scripts/preview_changed.py, as the workflows call them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from script_loader import ROOT, load_script

from compliance.model import Finding, Report, StackReport
from compliance.report import MARKER, render_json

render_report = load_script("render_report")
preview_changed = load_script("preview_changed")


def _report() -> Report:
    finding = Finding(
        check_id="CKV_AWS_145",
        title="Ensure that S3 buckets are encrypted with KMS by default",
        severity="HIGH",
        result="failed",
        resource="assets",
        type="aws:s3/bucketV2:BucketV2",
        file="stacks/edge/__main__.py",
        line=42,
    )
    stack = StackReport(project="edge", path="stacks/edge", env="dev", resources=3, findings=[finding])
    return Report(stacks=[stack], summary={"stacks": 1, "failed": 1})


# ---------------------------------------------------------------------------------- render_report


def test_render_report_writes_all_formats_from_the_gate_json(tmp_path: Path) -> None:
    src = tmp_path / "gitops.json"
    src.write_text(render_json(_report()))
    base = "https://github.com/acme/infra/blob/abc123/"
    out = tmp_path / "out"
    rc = render_report.main(
        [
            str(src),
            "--sarif",
            str(out / "gitops.sarif"),
            "--markdown",
            str(out / "report.md"),
            "--junit",
            str(out / "junit.xml"),
            "--link-base",
            base,
        ]
    )
    assert rc == 0
    sarif = json.loads((out / "gitops.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "CKV_AWS_145"
    md = (out / "report.md").read_text()
    assert md.startswith(MARKER)
    assert f"({base}stacks/edge/__main__.py#L42)" in md
    assert ET.parse(out / "junit.xml").getroot().get("failures") == "1"


def test_render_report_respects_the_markdown_budget(tmp_path: Path) -> None:
    report = _report()
    report.stacks[0].findings *= 500
    src = tmp_path / "gitops.json"
    src.write_text(render_json(report))
    out = tmp_path / "report.md"
    assert render_report.main([str(src), "--markdown", str(out), "--max-chars", "8000"]) == 0
    text = out.read_text()
    assert len(text) <= 8000 and "more failed findings not shown" in text


def test_render_report_bad_json_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "gitops.json"
    src.write_text(json.dumps({"stacks": [{"project": "x"}]}))
    assert render_report.main([str(src), "--markdown", str(tmp_path / "r.md")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"render_report: {src}: not a gitops check JSON report")
    assert err.count("\n") == 1
    assert not (tmp_path / "r.md").exists()
    assert render_report.main([str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


# --------------------------------------------------------------------------------- preview_changed


def test_preview_markdown_summarises_each_stack() -> None:
    ok = preview_changed.PreviewResult(
        "database",
        "stacks/database",
        0,
        "Previewing update (prod)\n ~ aws:rds:Instance main update\n"
        "Resources:\n    ~ 1 to update\n    7 unchanged",
    )
    new = preview_changed.PreviewResult("edge", "stacks/edge", 255, "error: no stack named 'prod' found")
    bad = preview_changed.PreviewResult("serverless", "stacks/serverless", 1, "error: ```boom```")
    md = preview_changed.preview_markdown([ok, new, bad], "prod")
    assert md.startswith("### pulumi preview (prod)")
    assert "<b>database</b> (<code>stacks/database</code>): ~ 1 to update, 7 unchanged</summary>" in md
    assert "stack not created yet" in md
    assert "<b>serverless</b> (<code>stacks/serverless</code>): ❌ preview failed" in md
    assert "'''boom'''" in md  # cannot close the code fence early
    assert md.count("<details>") == md.count("</details>") == 3


def test_preview_markdown_cuts_long_output() -> None:
    long = preview_changed.PreviewResult("p", "stacks/p", 0, "x" * 50000)
    md = preview_changed.preview_markdown([long], "prod", max_output=1000)
    assert len(md) < 2000 and "full preview is in the job log" in md


def test_preview_project_runs_pulumi_for_the_env_stack(tmp_path: Path) -> None:
    seen: list[tuple[list[str], Path]] = []

    def runner(cmd, cwd, env):  # type: ignore[no-untyped-def]
        seen.append((list(cmd), cwd))
        return subprocess.CompletedProcess(cmd, 0, stdout="\x1b[32m+ 1 to create\x1b[0m\n", stderr="")

    result = preview_changed.preview_project("edge", tmp_path, "prod", runner=runner)
    assert seen == [
        (
            ["pulumi", "preview", "--stack", "prod", "--diff", "--non-interactive", "--color", "never"],
            tmp_path,
        )
    ]
    assert result.returncode == 0 and result.output == "+ 1 to create"


def _git(repo: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@x",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@x",
    )
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def _project(repo: Path, name: str) -> None:
    d = repo / "stacks" / name
    d.mkdir(parents=True)
    (d / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (d / "Pulumi.prod.yaml").write_text("config: {}\n")
    (d / "__main__.py").write_text("import pulumi\n")


def test_preview_changed_end_to_end_with_a_fake_cli(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _project(repo, "alpha")
    _project(repo, "beta")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD").strip()
    (repo / "stacks" / "beta" / "__main__.py").write_text("import pulumi\n# changed\n")
    _git(repo, "commit", "-q", "-am", "change beta")

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(
        '#!/bin/sh\necho "Previewing update ($3) in $(basename "$PWD")"\necho "    + 2 to create"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "preview.md"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "preview_changed.py"),
            "--env",
            "prod",
            "--since",
            base,
            "--out",
            str(out),
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    md = out.read_text()
    assert "<b>beta</b> (<code>stacks/beta</code>): + 2 to create" in md
    assert "Previewing update (prod) in beta" in md
    assert "alpha" not in md  # unchanged stacks are not previewed


# -------------------------------------------------------------------------------- require_executed

require_executed = load_script("require_executed")


def _junit(tmp_path: Path, cases: str) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(f'<testsuites><testsuite name="pytest">{cases}</testsuite></testsuites>')
    return path


def test_require_executed_passes_when_every_test_ran(tmp_path: Path) -> None:
    path = _junit(tmp_path, '<testcase classname="a" name="t1"/><testcase classname="a" name="t2"/>')
    assert require_executed.main([str(path)]) == 0


def test_require_executed_fails_on_a_skip_or_no_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skipped = '<testcase classname="a" name="t1"><skipped message="no LocalStack"/></testcase>'
    assert (
        require_executed.main([str(_junit(tmp_path, skipped + '<testcase classname="a" name="t2"/>'))]) == 1
    )
    assert "a::t1: no LocalStack" in capsys.readouterr().err
    assert require_executed.main([str(_junit(tmp_path, ""))]) == 1
    assert "no test ran" in capsys.readouterr().err
    (tmp_path / "bad.xml").write_text("<nope")
    assert require_executed.main([str(tmp_path / "bad.xml")]) == 2


def test_require_executed_reads_real_pytest_junit(tmp_path: Path) -> None:
    test = tmp_path / "test_sample.py"
    test.write_text(
        "import pytest\n\ndef test_ok():\n    pass\n\n"
        "@pytest.mark.skip(reason='x')\ndef test_skip():\n    pass\n"
    )
    xml = tmp_path / "out.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", str(test)],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert require_executed.main([str(xml)]) == 1
