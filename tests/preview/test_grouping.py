"""Grouping of the gate's failed findings into new / fixed / already there (pure)."""

from __future__ import annotations

from compliance.model import Finding, Report, StackReport
from compliance.preview.findings import group_report
from compliance.preview.grouping import grouping_section, insert_section


def finding(check: str, resource: str, result: str = "failed", level: str = "mandatory") -> Finding:
    return Finding(
        check_id=check, title="t", result=result, resource=resource, type="aws:sqs/queue:Queue", level=level
    )  # type: ignore[arg-type]


def report(*findings: Finding) -> Report:
    return Report(
        stacks=[
            StackReport(project="app", path="stacks/app", env="dev", resources=3, findings=list(findings))
        ]
    )


def test_new_fixed_and_already_there() -> None:
    base = report(finding("CKV_1", "a"), finding("CKV_2", "b"), finding("CKV_3", "c", "passed"))
    head = report(
        finding("CKV_1", "a"), finding("CKV_2", "b", "passed"), finding("CKV_3", "c", level="advisory")
    )
    delta = group_report(base, head)[("app", "dev")]
    assert [(f.check_id, f.resource) for f in delta.new] == [("CKV_3", "c")]
    assert [(f.check_id, f.resource) for f in delta.fixed] == [("CKV_2", "b")]
    assert delta.existing == 1
    section = grouping_section(head, group_report(base, head), "main")
    assert "**1 new** failed findings · **1 fixed** · 1 already there" in section
    assert section.index("❗ new") < section.index("✅ fixed")


def test_a_stack_only_at_the_base_has_all_its_failures_fixed() -> None:
    base = report(finding("CKV_1", "a"))
    delta = group_report(base, Report())[("app", "dev")]
    assert len(delta.fixed) == 1 and delta.new == []


def test_section_goes_before_the_first_subheading() -> None:
    text = "<!-- m -->\n## gitops check\n\nverdict\n\n### Stacks\n\n| a |\n"
    out = insert_section(text, "### Compared with `x`\n")
    assert out.index("### Compared with") < out.index("### Stacks") and out.startswith("<!-- m -->")
    assert insert_section("no sections", "### S\n").endswith("### S\n")
