"""`gitops check --changed-since REV --format markdown`: the failed findings grouped into those this
change introduces, those it fixes and those already there at REV (pure; rendered as one section)."""

from __future__ import annotations

from collections.abc import Mapping

from compliance.model import Finding, Report
from compliance.preview.escape import code
from compliance.preview.model import FindingsDelta

__all__ = ["MAX_ROWS", "grouping_section", "insert_section"]

MAX_ROWS = 30

StackKey = tuple[str, str]


def _row(kind: str, project: str, env: str, finding: Finding) -> str:
    level = "🔴 mandatory" if finding.level == "mandatory" else "🟡 advisory"
    where = f"{finding.file}:{finding.line}" if finding.file else ""
    cells = [
        kind,
        level,
        code(finding.check_id),
        code(finding.resource),
        f"{code(project)}/{code(env)}",
        code(where),
    ]
    return "| " + " | ".join(cells) + " |"


def grouping_section(report: Report, deltas: Mapping[StackKey, FindingsDelta], base: str) -> str:
    """A Markdown section: new failed findings, fixed ones, and how many were already there."""
    rows: list[str] = []
    new_count = fixed_count = 0
    new_keys: set[tuple[str, str, str, str, str]] = set()
    for (project, env), delta in deltas.items():
        new_count += len(delta.new)
        fixed_count += len(delta.fixed)
        rows += [_row("❗ new", project, env, f) for f in delta.new]
        new_keys |= {(project, env, f.check_id, f.type, f.resource) for f in delta.new}
    for (project, env), delta in deltas.items():
        rows += [_row("✅ fixed", project, env, f) for f in delta.fixed]
    failed_now = [
        (s.project, s.env, f.check_id, f.type, f.resource)
        for s in report.stacks
        for f in s.findings
        if f.result == "failed"
    ]
    already = sum(1 for key in failed_now if key not in new_keys)
    lines = [
        f"### Compared with {code(base)}",
        "",
        f"**{new_count} new** failed findings · **{fixed_count} fixed** · {already} already there",
    ]
    if rows:
        lines += [
            "",
            "| | Level | Check | Resource | Stack | Location |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += rows[:MAX_ROWS]
        if len(rows) > MAX_ROWS:
            lines.append(f"| … {len(rows) - MAX_ROWS} more | | | | | |")
    return "\n".join(lines) + "\n"


def insert_section(markdown: str, section: str) -> str:
    """`section` placed before the first `### ` heading of a gate report (at the end if none)."""
    at = markdown.find("\n### ")
    if at < 0:
        return markdown.rstrip("\n") + "\n\n" + section
    return markdown[: at + 1] + section + "\n" + markdown[at + 1 :]
