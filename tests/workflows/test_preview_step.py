"""pr.yml's offline preview step and the scripts it calls (render_preview, render_report --preview)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from script_loader import ROOT, load_script

from compliance.model import Finding, Report, StackReport
from compliance.preview.model import FindingsDelta, Preview, StackPreview

render_preview = load_script("render_preview")
render_report = load_script("render_report")


def _pr() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / "pr.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_preview_runs_in_the_check_job_for_every_pr_and_goes_first_in_the_comment() -> None:
    jobs = _pr()["jobs"]
    check = jobs["check"]
    assert "if" not in check  # forks included: no secrets needed
    step = next(s for s in check["steps"] if "gitops preview" in str(s.get("run")))
    assert '--base "$BASE_SHA"' in step["run"] and "--format json" in step["run"]
    assert step["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert "exit 0" in step["run"]  # the preview never decides the verdict
    render = next(s for s in check["steps"] if "render_report.py" in str(s.get("run")))
    assert "--preview" in render["run"] and "changes-$STACK_ENV.md" in render["run"]
    comment = jobs["comment"]["steps"][-1]["run"]
    assert comment.index("changes-prod.md") < comment.index("report-prod.md") < comment.index("preview.md")
    assert "engine's own view" in jobs["preview"]["name"]


def _finding(resource: str) -> Finding:
    return Finding(
        check_id="CKV_AWS_27", title="t", result="failed", resource=resource, type="aws:sqs/queue:Queue"
    )


def test_render_report_groups_findings_with_the_preview(tmp_path: Path) -> None:
    report = Report(
        stacks=[
            StackReport(
                project="app",
                path="stacks/app",
                env="dev",
                resources=2,
                findings=[_finding("new"), _finding("old")],
            )
        ]
    )
    preview = Preview(
        base="abc",
        stacks=[
            StackPreview(
                project="app", path="stacks/app", env="dev", findings=FindingsDelta(new=[_finding("new")])
            )
        ],
    )
    (tmp_path / "r.json").write_text(report.model_dump_json())
    (tmp_path / "p.json").write_text(preview.model_dump_json())
    out = tmp_path / "r.md"
    args = [str(tmp_path / "r.json"), "--markdown", str(out), "--preview", str(tmp_path / "p.json")]
    assert render_report.main(args) == 0
    text = out.read_text()
    assert (
        "### Compared with `abc`" in text
        and "**1 new** failed findings · **0 fixed** · 1 already there" in text
    )
    assert render_report.main([str(tmp_path / "r.json"), "--markdown", str(out), "--preview", str(out)]) == 2


def test_render_preview_writes_the_section_and_rejects_other_files(tmp_path: Path) -> None:
    source = tmp_path / "p.json"
    source.write_text(Preview(base="abc").model_dump_json())
    out = tmp_path / "p.md"
    assert render_preview.main([str(source), "--markdown", str(out)]) == 0
    assert "No stack is affected by this change." in out.read_text()
    source.write_text("{}")
    assert render_preview.main([str(source), "--markdown", str(out)]) == 2
