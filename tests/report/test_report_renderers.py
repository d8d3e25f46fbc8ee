"""The five renderers over hand-built Reports."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from report_samples import make_finding
from rich.console import Console

from compliance import report as r
from compliance.model import Report, StackReport

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())

FINDING_KEYS = {"check_id", "title", "severity", "result", "resource", "type", "file", "line", "guideline"}
STACK_KEYS = {"project", "path", "env", "resources", "error", "findings"}


# ------------------------------------------------------------------------------------------- JSON


def test_json_contract_keys_and_types(report: Report) -> None:
    doc = json.loads(r.render_json(report))
    assert set(doc) == {"stacks", "summary"}
    assert [s["project"] for s in doc["stacks"]] == ["database", "edge", "serverless"]
    for stack in doc["stacks"]:
        assert set(stack) >= STACK_KEYS
        assert isinstance(stack["resources"], int)
        assert stack["error"] is None or isinstance(stack["error"], str)
        for finding in stack["findings"]:
            assert set(finding) >= FINDING_KEYS
            assert finding["result"] in {"passed", "failed", "waived", "skipped"}
    edge = doc["stacks"][1]["findings"][0]
    assert edge["resource"] == "assets"
    assert edge["type"] == "aws:s3/bucketV2:BucketV2"
    assert (edge["file"], edge["line"]) == ("stacks/edge/__main__.py", 42)
    assert doc["stacks"][2]["error"].startswith("stacks/serverless/__main__.py:12")
    assert doc["summary"]["policies"] == {"source": "3f2c1d0", "differs": ["policies/enforcement.yaml"]}


def test_json_round_trips_through_the_model(report: Report) -> None:
    assert Report.model_validate_json(r.render_json(report)) == report


# ------------------------------------------------------------------------------------------ SARIF


def test_sarif_is_valid_against_the_official_schema(report: Report) -> None:
    sarif = r.render_sarif(report)
    jsonschema.validate(sarif, SCHEMA)
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"]) == 1


def test_sarif_empty_report_is_valid() -> None:
    sarif = r.render_sarif(Report())
    jsonschema.validate(sarif, SCHEMA)
    assert sarif["runs"][0]["results"] == []


def test_sarif_only_failed_and_waived_results_with_levels(report: Report) -> None:
    results = r.render_sarif(report)["runs"][0]["results"]
    by_rule = {res["ruleId"]: res for res in results}
    assert set(by_rule) == {"CKV_AWS_145", "CKV_AWS_157", "CKV_AWS_18", "CKV_AWS_86"}
    assert by_rule["CKV_AWS_145"]["level"] == "error"
    assert by_rule["CKV_AWS_157"]["level"] == "warning"  # advisory
    assert by_rule["CKV_AWS_18"]["level"] == "note"
    assert by_rule["CKV_AWS_18"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "log bucket cannot log to itself"}
    ]
    assert "suppressions" not in by_rule["CKV_AWS_145"]


def test_sarif_locations_are_repo_relative_python_lines(report: Report) -> None:
    results = {res["ruleId"]: res for res in r.render_sarif(report)["runs"][0]["results"]}
    loc = results["CKV_AWS_145"]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "stacks/edge/__main__.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 42}
    # a component file keeps its own path; a bare project-relative file gets the project prefix
    comp = results["CKV_AWS_18"]["locations"][0]["physicalLocation"]
    assert comp["artifactLocation"]["uri"] == "stacks/platform_components/bucket.py"
    bare = results["CKV_AWS_86"]["locations"][0]["physicalLocation"]
    assert bare["artifactLocation"]["uri"] == "stacks/edge/__main__.py"
    assert bare["region"]["startLine"] == 77
    props = results["CKV_AWS_145"]["properties"]
    assert (props["resource"], props["type"]) == ("assets", "aws:s3/bucketV2:BucketV2")


def test_sarif_rules_have_help_tags_and_security_severity(report: Report) -> None:
    run = r.render_sarif(report)["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert run["tool"]["driver"]["name"] == "gitops-check"
    assert rules["CKV_AWS_145"]["properties"]["security-severity"] == "8.0"
    assert rules["CKV_AWS_145"]["helpUri"].startswith("https://")
    assert "CIS-AWS-2.1.1" in rules["CKV_AWS_145"]["properties"]["tags"]
    assert rules["CKV_AWS_86"]["properties"]["security-severity"] == "7.0"  # no severity: by level
    assert "helpUri" not in rules["CKV_AWS_86"]
    for res in run["results"]:
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]


def test_sarif_fingerprints_are_stable_and_distinct(report: Report) -> None:
    first = [res["partialFingerprints"] for res in r.render_sarif(report)["runs"][0]["results"]]
    moved = report.model_copy(deep=True)
    for f in moved.stacks[1].findings:
        f.line = (f.line or 0) + 10  # code moved: the alert must stay the same
    second = [res["partialFingerprints"] for res in r.render_sarif(moved)["runs"][0]["results"]]
    assert first == second
    assert len({fp["gitopsFinding/v1"] for fp in first}) == len(first)


def test_sarif_reports_stack_errors_as_notifications(report: Report) -> None:
    invocation = r.render_sarif(report)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert "serverless" in note["message"]["text"] and "NameError" in note["message"]["text"]


def test_sarif_finding_without_file_points_at_the_project() -> None:
    stack = StackReport(
        project="p", path="stacks/p", env="dev", resources=1, findings=[make_finding(file=None, line=None)]
    )
    sarif = r.render_sarif(Report(stacks=[stack]))
    jsonschema.validate(sarif, SCHEMA)
    loc = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "stacks/p/Pulumi.yaml"
    assert loc["region"]["startLine"] == 1


# ------------------------------------------------------------------------------------------ JUnit


def test_junit_one_suite_per_stack_and_failures(report: Report) -> None:
    root = ET.fromstring(r.render_junit(report))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"database/dev", "edge/dev", "serverless/dev"}
    edge = suites["edge/dev"]
    assert edge.get("tests") == "4" and edge.get("failures") == "2" and edge.get("skipped") == "1"
    failing = [c for c in edge.findall("testcase") if c.find("failure") is not None]
    assert {c.get("name") for c in failing} == {"CKV_AWS_145 assets", "CKV_AWS_86 cdn"}
    failure = failing[0].find("failure")
    assert failure is not None and "mandatory" in (failure.get("message") or "")
    assert "stacks/edge/__main__.py:42" in (failure.text or "")
    error = suites["serverless/dev"].find("testcase/error")
    assert error is not None and "NameError" in (error.get("message") or "")
    assert root.get("failures") == "3" and root.get("errors") == "1"


# ------------------------------------------------------------------------------------------ table


def test_table_lists_failed_findings_with_level(report: Report) -> None:
    console = Console(record=True, width=200, file=io.StringIO())
    r.render_table(report, console)
    out = console.export_text()
    assert "CKV_AWS_145" in out and "mandatory" in out
    assert "CKV_AWS_157" in out and "advisory" in out
    assert "CKV_AWS_21" not in out  # passed checks are counted, not listed
    assert "evaluation error: stacks/serverless/__main__.py:12" in out
    assert "verdict: evaluation error" in out
    assert "stale waiver" in out


# --------------------------------------------------------------------------------------- Markdown


def test_markdown_verdict_marker_and_counts(report: Report) -> None:
    md = r.render_markdown(report)
    assert md.startswith(r.MARKER + "\n## gitops check (dev)\n")
    assert "🛑 **gitops check: evaluation error**" in md
    assert "| edge | dev | `stacks/edge` | 12 | 2 | 0 | 1 | 1 | ❌ blocked |" in md
    assert "| database | dev | `stacks/database` | 7 | 0 | 1 | 0 | 1 | ⚠️ ok (advisory) |" in md
    assert "> [!CAUTION]" in md and "NameError: name 'bucket' is not defined" in md


def test_markdown_links_failed_findings_to_lines(report: Report) -> None:
    base = "https://github.com/o/r/blob/0123abc/"
    md = r.render_markdown(report, link_base=base)
    assert f"[stacks/edge/\\_\\_main\\_\\_.py:42]({base}stacks/edge/__main__.py#L42)" in md
    assert f"[stacks/edge/\\_\\_main\\_\\_.py:77]({base}stacks/edge/__main__.py#L77)" in md
    assert "🔴 mandatory" in md and "🟡 advisory" in md
    without = r.render_markdown(report)
    assert "`stacks/edge/__main__.py:42`" in without and base not in without


def test_markdown_waivers_warnings_frameworks_and_details(report: Report) -> None:
    md = r.render_markdown(report)
    assert "log bucket cannot log to itself | team-edge | 2027-01-31 |" in md
    assert "waiver expiring soon: `CKV_AWS_18` on `logs` (edge): expires 2027-01-31" in md
    assert "stale waiver (matches no finding): `CKV_AWS_20` on `old-bucket`: owner team-data" in md
    assert "policies in this change differ from `3f2c1d0`" in md and "`policies/enforcement.yaml`" in md
    assert "| CIS AWS Foundations Benchmark v3.0.0 (`CIS-AWS`) | 2 | 1 | 0 | `CIS-AWS-2.1.1` |" in md
    assert "| SOC 2 Trust Services Criteria (`SOC2`) | 0 | 1 | 1 | `SOC2-CC6.1` |" in md
    details = md[md.index("<details>") :]
    assert details.rstrip().endswith("</details>")
    assert "Passed checks (2)" in details
    assert "`CKV_AWS_21`" in details and "`CKV_AWS_16`" in details
    failed_table = md[md.index("### Failed checks") : md.index("<details>")]
    assert "CKV_AWS_21" not in failed_table


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda rep: rep.stacks.pop(), "❌ **gitops check failed**"),
        (lambda rep: [rep.stacks.pop(), rep.stacks.pop()], "⚠️ **gitops check passed with warnings**"),
    ],
)
def test_markdown_verdicts(report: Report, mutate: object, expected: str) -> None:
    mutate(report)  # type: ignore[operator]
    assert expected in r.render_markdown(report)


def test_markdown_frameworks_with_counts_instead_of_lists() -> None:
    stack = StackReport(project="p", path="stacks/p", env="dev", resources=1)
    rep = Report(stacks=[stack], summary={"frameworks": {"PCI": {"passed": 3, "failed": 0}}})
    assert "| PCI | 3 | 0 |  |  |" in r.render_markdown(rep)


def test_markdown_passes_clean_report() -> None:
    stack = StackReport(
        project="p", path="stacks/p", env="dev", resources=1, findings=[make_finding(result="passed")]
    )
    md = r.render_markdown(Report(stacks=[stack], summary={"stacks": 1}))
    assert "✅ **gitops check passed**: 1 stack, 0 mandatory findings failed." in md
    assert r.verdict(Report(stacks=[stack])) == "passed"


def test_markdown_when_no_stack_is_affected() -> None:
    md = r.render_markdown(Report(summary={"stacks": 0, "policies": {"source": "abc", "differs": []}}))
    assert "✅ **gitops check passed**: no stack is affected by this change." in md
    assert "### Stacks" not in md


def test_markdown_expired_waiver_fails() -> None:
    stack = StackReport(project="p", path="stacks/p", env="dev", resources=1)
    rep = Report(stacks=[stack], summary={"waivers": {"expired": [{"check": "CKV_AWS_1", "resource": "b"}]}})
    md = r.render_markdown(rep)
    assert "❌ **gitops check failed**: 1 expired waiver must be renewed or removed (1 stack)." in md
    assert "0 mandatory findings failed" not in md
    assert "> - expired waiver `CKV_AWS_1` on `b`: the gate fails until it is renewed or removed" in md


def test_markdown_escapes_table_breaking_and_html_text() -> None:
    finding = make_finding(title="bad | title <script>alert(1)</script>\nsecond line")
    stack = StackReport(project="p", path="stacks/p", env="dev", resources=1, findings=[finding])
    md = r.render_markdown(Report(stacks=[stack]))
    assert "<script>" not in md
    assert "bad \\| title &lt;script&gt;" in md
    row = next(line for line in md.splitlines() if "bad \\| title" in line)
    assert row.endswith("second line |")


def test_markdown_truncates_to_the_limit_with_a_note() -> None:
    failed = [make_finding(resource=f"bucket-{i:05d}", line=i + 1) for i in range(3000)]
    passed = [make_finding(check_id=f"CKV_AWS_{i}", resource=f"b{i}", result="passed") for i in range(3000)]
    stack = StackReport(project="big", path="stacks/big", env="dev", resources=6000, findings=failed + passed)
    rep = Report(stacks=[stack])
    full = r.render_markdown(rep, max_chars=10_000_000)
    assert len(full) > r.COMMENT_LIMIT
    md = r.render_markdown(rep)
    assert len(md) <= r.MAX_MARKDOWN_CHARS < r.COMMENT_LIMIT
    assert md.startswith(r.MARKER)
    assert "❌ **gitops check failed**: 1 stack, 3000 mandatory findings failed" in md
    assert "more failed findings not shown (comment size limit)" in md
    assert "bucket-00000" in md  # the first rows are kept
    assert md.rstrip().endswith("</details>")  # the collapsed block is still closed
    small = r.render_markdown(rep, max_chars=5000)
    assert len(small) <= 5000 and "| big | dev |" in small


def test_renderers_do_not_leak_waiver_or_message_secrets_they_do_not_show() -> None:
    finding = make_finding(message="inputs: password=hunter2")
    stack = StackReport(project="p", path="stacks/p", env="dev", resources=1, findings=[finding])
    rep = Report(stacks=[stack])
    console = Console(record=True, width=200, file=io.StringIO())
    r.render_table(rep, console)
    outputs = [
        r.render_markdown(rep),
        json.dumps(r.render_sarif(rep)),
        r.render_junit(rep),
        console.export_text(),
    ]
    assert all("hunter2" not in out for out in outputs)
