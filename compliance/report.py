"""Render a gate Report: rich table, JSON, Markdown (PR comment), SARIF 2.1.0 and JUnit XML.

Every renderer is a pure function of the Report. Nothing here reads resource inputs: a Finding
only names the check, the resource and its source line, so secrets cannot leak through a report.
"""

from __future__ import annotations

import hashlib
import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from compliance.model import Finding, Report, StackReport

MARKER = "<!-- gitops-check -->"
"""Hidden marker that identifies the sticky PR comment."""

COMMENT_LIMIT = 65536
"""GitHub's maximum issue/PR comment body length."""

MAX_MARKDOWN_CHARS = 60000
"""Default budget for render_markdown: below COMMENT_LIMIT, leaving room for a preview section."""

TOOL_NAME = "gitops-check"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0", "INFO": "1.0"}
"""Checkov severity -> GitHub `security-severity` score (critical > 9, high 7-8.9, medium 4-6.9, low < 4)."""

DEFAULT_SECURITY_SEVERITY = {"mandatory": "7.0", "advisory": "4.0", "disabled": "1.0"}
"""Score when a check has no severity: by enforcement level."""

Verdict = Literal["error", "failed", "warning", "passed"]


# ---------------------------------------------------------------------------------------------------
# shared helpers


def verdict(report: Report) -> Verdict:
    """The overall outcome, consistent with the gate's exit code (error=2, failed=1, else 0)."""
    if any(s.error for s in report.stacks):
        return "error"
    if any(s.blocking() for s in report.stacks) or _waivers(report).get("expired"):
        return "failed"
    if any(f.result == "failed" for _, f in _findings(report)) or _has_warnings(report):
        return "warning"
    return "passed"


def repo_path(stack: StackReport, file: str | None) -> str:
    """The finding's file relative to the repository root (as SARIF and links need it).

    Files are repo-relative when the evaluator could make them so; a bare file name (e.g.
    `__main__.py`) is relative to the project and gets the project's path prefixed.
    """
    if not file:
        return posixpath.join(stack.path, "Pulumi.yaml") if stack.path not in ("", ".") else "Pulumi.yaml"
    path = file.replace("\\", "/")
    base = stack.path.replace("\\", "/").rstrip("/")
    if path.startswith("/") or base in ("", ".") or path.startswith(base + "/") or "/" in path:
        return posixpath.normpath(path) if not path.startswith("/") else path
    return posixpath.normpath(posixpath.join(base, path))


def fingerprint(stack: StackReport, finding: Finding) -> str:
    """Stable identity of a finding across runs: check, project, env, resource type and name.

    The line is left out on purpose, so moving code does not open a new code-scanning alert.
    """
    key = "|".join([finding.check_id, stack.project, stack.env, finding.type, finding.resource])
    return hashlib.sha256(key.encode()).hexdigest()


def _findings(report: Report) -> Iterable[tuple[StackReport, Finding]]:
    for stack in report.stacks:
        for finding in stack.findings:
            yield stack, finding


def _waivers(report: Report) -> dict[str, Any]:
    waivers = report.summary.get("waivers")
    return waivers if isinstance(waivers, dict) else {}


def _policies(report: Report) -> dict[str, Any]:
    policies = report.summary.get("policies")
    return policies if isinstance(policies, dict) else {}


def _has_warnings(report: Report) -> bool:
    waivers = _waivers(report)
    return bool(waivers.get("expiring") or waivers.get("stale") or _policies(report).get("differs"))


def _counts(stack: StackReport) -> dict[str, int]:
    counts = {"failed": 0, "advisory_failed": 0, "waived": 0, "passed": 0, "skipped": 0}
    for f in stack.findings:
        key = "advisory_failed" if f.result == "failed" and f.level == "advisory" else f.result
        counts[key] = counts.get(key, 0) + 1
    return counts


def _severity_score(finding: Finding) -> str:
    if finding.severity and finding.severity.upper() in SECURITY_SEVERITY:
        return SECURITY_SEVERITY[finding.severity.upper()]
    return DEFAULT_SECURITY_SEVERITY.get(finding.level, "5.0")


def _waiver_field(waiver: dict[str, Any] | None, *names: str) -> str:
    for name in names:
        if waiver and waiver.get(name):
            return str(waiver[name])
    return ""


# ---------------------------------------------------------------------------------------------------
# JSON


def render_json(report: Report) -> str:
    """The `gitops check --format json` document: {"stacks": [...], "summary": {...}}."""
    return report.model_dump_json(indent=2) + "\n"


# ---------------------------------------------------------------------------------------------------
# SARIF


def _sarif_level(finding: Finding) -> str:
    if finding.result == "waived":
        return "note"
    return "error" if finding.level == "mandatory" else "warning"


def _sarif_rule(finding: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": finding.check_id,
        "name": finding.check_id,
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": finding.title},
        "defaultConfiguration": {"level": "error" if finding.level == "mandatory" else "warning"},
        "properties": {
            "tags": ["security", "compliance", "iac", *finding.controls],
            "security-severity": _severity_score(finding),
            "precision": "very-high",
        },
    }
    if finding.guideline and finding.guideline.startswith(("https://", "http://")):
        rule["helpUri"] = finding.guideline
        rule["help"] = {"text": f"{finding.title}. See {finding.guideline}"}
    if finding.severity:
        rule["properties"]["problem.severity"] = finding.severity.lower()
    return rule


def _sarif_result(stack: StackReport, finding: Finding, rule_index: int) -> dict[str, Any]:
    where = f"{finding.resource} ({finding.type}) in {stack.project}/{stack.env}"
    text = f"{finding.title}: {where}"
    if finding.result == "waived":
        text += " (waived)"
    elif finding.level == "advisory":
        text += " (advisory)"
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": _sarif_level(finding),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": repo_path(stack, finding.file), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(finding.line or 1, 1)},
                },
                "logicalLocations": [
                    {
                        "name": finding.resource,
                        "fullyQualifiedName": f"{stack.project}/{stack.env}/{finding.resource}",
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {"gitopsFinding/v1": fingerprint(stack, finding)},
        "properties": {
            "resource": finding.resource,
            "type": finding.type,
            "project": stack.project,
            "env": stack.env,
            "level": finding.level,
        },
    }
    if finding.controls:
        result["properties"]["controls"] = list(finding.controls)
    if finding.result == "waived":
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        reason = _waiver_field(finding.waiver, "reason", "justification")
        if reason:
            suppression["justification"] = reason
        result["suppressions"] = [suppression]
    return result


def render_sarif(report: Report) -> dict[str, Any]:
    """A SARIF 2.1.0 log for GitHub code scanning: failed findings (and waived ones, suppressed)."""
    rules: dict[str, dict[str, Any]] = {}
    selected = [(s, f) for s, f in _findings(report) if f.result in ("failed", "waived")]
    for _, finding in sorted(selected, key=lambda sf: sf[1].check_id):
        rules.setdefault(finding.check_id, _sarif_rule(finding))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    results = [_sarif_result(s, f, index[f.check_id]) for s, f in selected]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{s.project} ({s.path}, {s.env}): {s.error}"},
            "descriptor": {"id": "evaluation-error"},
        }
        for s in report.stacks
        if s.error
    ]
    # No automationDetails: upload-sarif's `category` (one per env) fills it, and it only does so
    # when the run has none.
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "informationUri": "https://www.checkov.io/",
                "rules": list(rules.values()),
            }
        },
        "invocations": [
            {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
        ],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


# ---------------------------------------------------------------------------------------------------
# JUnit


def render_junit(report: Report) -> str:
    """JUnit XML: one testsuite per stack, one testcase per (check, resource); failed -> <failure>."""
    root = ET.Element("testsuites", name=TOOL_NAME)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for stack in report.stacks:
        suite = ET.SubElement(root, "testsuite", name=f"{stack.project}/{stack.env}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if stack.error:
            case = ET.SubElement(
                suite, "testcase", name="evaluation", classname=f"{stack.project}.{stack.env}"
            )
            ET.SubElement(case, "error", message=stack.error, type="EvaluationError").text = stack.error
            counts["tests"] += 1
            counts["errors"] += 1
        for f in stack.findings:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{f.check_id} {f.resource}",
                classname=f"{stack.project}.{stack.env}.{f.type}",
                file=repo_path(stack, f.file),
                line=str(f.line or 1),
            )
            counts["tests"] += 1
            if f.result == "failed":
                detail = [f"level: {f.level}", f"resource: {f.resource} ({f.type})"]
                detail.append(f"location: {repo_path(stack, f.file)}:{f.line or 1}")
                if f.guideline:
                    detail.append(f"guideline: {f.guideline}")
                ET.SubElement(
                    case, "failure", message=f"[{f.level}] {f.title}", type=f.check_id
                ).text = "\n".join(detail)
                counts["failures"] += 1
            elif f.result in ("waived", "skipped"):
                reason = _waiver_field(f.waiver, "reason") if f.result == "waived" else ""
                ET.SubElement(case, "skipped", message=f"{f.result}{': ' + reason if reason else ''}")
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ---------------------------------------------------------------------------------------------------
# rich table


_LEVEL_STYLE = {"mandatory": "bold red", "advisory": "yellow", "disabled": "dim"}
_VERDICT_TEXT = {
    "error": ("evaluation error: not applied", "bold red"),
    "failed": ("failed: mandatory findings", "bold red"),
    "warning": ("passed with warnings", "yellow"),
    "passed": ("passed", "bold green"),
}


def render_table(report: Report, console: Console) -> None:
    """Per stack: counts and a table of failed findings with their level; then the verdict."""
    for stack in report.stacks:
        c = _counts(stack)
        console.print(
            Text.assemble(
                (f"{stack.project}", "bold"),
                f" ({stack.env}, {stack.path}): {stack.resources} resources, ",
                (f"{c['failed']} failed", "red" if c["failed"] else ""),
                ", ",
                (f"{c['advisory_failed']} advisory", "yellow" if c["advisory_failed"] else ""),
                f", {c['waived']} waived, {c['passed']} passed",
            )
        )
        if stack.error:
            console.print(Text(f"  evaluation error: {stack.error}", style="bold red"))
        failed = [f for f in stack.findings if f.result == "failed"]
        if not failed:
            continue
        table = Table(show_header=True, header_style="bold", expand=False)
        for column in ("Level", "Check", "Resource", "Type", "Location", "Title"):
            keep_whole = column in ("Level", "Check", "Location")  # never split a path:line
            table.add_column(column, overflow="fold", no_wrap=keep_whole)
        for f in sorted(failed, key=lambda f: (f.level != "mandatory", f.check_id, f.resource)):
            table.add_row(
                Text(f.level, style=_LEVEL_STYLE.get(f.level, "")),
                f.check_id,
                f.resource,
                f.type,
                f"{repo_path(stack, f.file)}:{f.line or 1}",
                f.title,
            )
        console.print(table)
    for warning in _warning_lines(report, markdown=False):
        console.print(Text(f"warning: {warning}", style="yellow"))
    text, style = _VERDICT_TEXT[verdict(report)]
    s = report.summary
    console.print(
        Text.assemble(
            ("verdict: ", "bold"),
            (text, style),
            f" ({s.get('stacks', len(report.stacks))} stacks, {s.get('failed', 0)} failed, "
            f"{s.get('advisory_failed', 0)} advisory, {s.get('waived', 0)} waived, "
            f"{s.get('passed', 0)} passed, {s.get('errors', 0)} errors)",
        )
    )


# ---------------------------------------------------------------------------------------------------
# Markdown


@dataclass
class _Section:
    """A Markdown block whose rows may be cut to fit the comment limit (head and tail never are)."""

    head: str
    rows: list[str] = field(default_factory=list)
    tail: str = ""
    what: str = "rows"

    def text(self, rows: Sequence[str], dropped: int) -> str:
        note = f"\n\n_… {dropped} more {self.what} not shown (comment size limit); see the job summary._\n"
        body = "\n".join(rows)
        return self.head + body + (note if dropped else "") + self.tail


def _cell(value: object) -> str:
    """Text safe inside a Markdown table cell (no pipes, newlines or raw HTML)."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def _code(value: object) -> str:
    text = _cell(value).replace("`", "'")
    return f"`{text}`" if text else ""


def _safe_url(url: str | None) -> bool:
    """True for an http(s) URL that cannot break out of a Markdown link."""
    return (
        bool(url)
        and str(url).startswith(("https://", "http://"))
        and not any(ch in str(url) for ch in " \t\n|()<>[]`")
    )


def _location(stack: StackReport, finding: Finding, link_base: str | None) -> str:
    path = repo_path(stack, finding.file)
    line = finding.line or 1
    label = f"{path}:{line}"
    if link_base and not path.startswith("/"):
        base = link_base if link_base.endswith("/") else link_base + "/"
        return f"[{_cell(label)}]({base}{path}#L{line})"
    return _code(label)


_LEVEL_BADGE = {"mandatory": "🔴 mandatory", "advisory": "🟡 advisory", "disabled": "⚪ disabled"}
_VERDICT_LINE = {
    "error": "🛑 **gitops check: evaluation error**: {detail}. Nothing can be applied until it is fixed.",
    "failed": "❌ **gitops check failed**: {detail}.",
    "warning": "⚠️ **gitops check passed with warnings**: {detail}.",
    "passed": "✅ **gitops check passed**: {detail}.",
}


def _verdict_detail(report: Report) -> str:
    s = report.summary
    if not report.stacks:
        expired = len(_waivers(report).get("expired") or [])
        return "no stack is affected by this change" + (f", {expired} expired waivers" if expired else "")
    n_stacks = s.get("stacks", len(report.stacks))
    parts = [f"{n_stacks} stack{'s' if n_stacks != 1 else ''}"]
    errors = sum(1 for st in report.stacks if st.error)
    failed = sum(1 for _, f in _findings(report) if f.result == "failed" and f.level == "mandatory")
    advisory = sum(1 for _, f in _findings(report) if f.result == "failed" and f.level == "advisory")
    if errors:
        parts.append(f"{errors} with an evaluation error")
    parts.append(f"{failed} mandatory finding{'s' if failed != 1 else ''} failed")
    if advisory:
        parts.append(f"{advisory} advisory")
    waived = sum(1 for _, f in _findings(report) if f.result == "waived")
    if waived:
        parts.append(f"{waived} waived")
    expired = len(_waivers(report).get("expired") or [])
    if expired:
        parts.append(f"{expired} expired waiver{'s' if expired != 1 else ''}")
    return ", ".join(parts)


def _describe_waiver(item: object) -> str:
    if not isinstance(item, dict):
        return _cell(item)
    check = item.get("check") or item.get("check_id")
    resource = item.get("resource")
    stack = item.get("stack") or item.get("project")
    text = _code(check) if check else "waiver"
    if resource:
        text += f" on {_code(resource)}"
    if stack:
        text += f" ({_cell(stack)})"
    extras = [
        f"{label} {_cell(item[key])}"
        for key, label in (("owner", "owner"), ("expires", "expires"), ("expiry", "expires"))
        if item.get(key)
    ]
    return text + (f": {', '.join(extras)}" if extras else "")


def _warning_lines(report: Report, *, markdown: bool) -> list[str]:
    waivers = _waivers(report)
    labels = {
        "expired": "expired waiver (blocks apply)",
        "expiring": "waiver expiring soon",
        "stale": "stale waiver (matches no finding)",
    }
    lines: list[str] = []
    for key, label in labels.items():
        for item in waivers.get(key) or []:
            described = _describe_waiver(item)
            lines.append(f"{label}: {described if markdown else described.replace('`', '')}")
    policies = _policies(report)
    differs = policies.get("differs") or []
    if differs:
        source = policies.get("source", "the base revision")
        names = ", ".join(_code(p) if markdown else str(p) for p in differs)
        lines.append(
            f"policies in this change differ from {_code(source) if markdown else source} "
            f"(the gate used the base's policies): {names}"
        )
    return lines


def _stack_errors_section(report: Report) -> _Section | None:
    errored = [s for s in report.stacks if s.error]
    if not errored:
        return None
    rows = [f"> **{_cell(s.project)}** ({_code(s.path)}, {_cell(s.env)}): {_code(s.error)}" for s in errored]
    return _Section(
        head="> [!CAUTION]\n> **Stack evaluation errors**\n>\n", rows=rows, tail="\n", what="errors"
    )


def _stacks_section(report: Report) -> _Section | None:
    if not report.stacks:
        return None
    head = (
        "### Stacks\n\n| Stack | Env | Path | Resources | Failed | Advisory | Waived | Passed | Status |\n"
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n"
    )
    rows = []
    for s in report.stacks:
        c = _counts(s)
        if s.error:
            status = "🛑 error"
        elif c["failed"]:
            status = "❌ blocked"
        elif c["advisory_failed"]:
            status = "⚠️ ok (advisory)"
        else:
            status = "✅ ok"
        rows.append(
            f"| {_cell(s.project)} | {_cell(s.env)} | {_code(s.path)} | {s.resources} | {c['failed']} "
            f"| {c['advisory_failed']} | {c['waived']} | {c['passed']} | {status} |"
        )
    return _Section(head=head, rows=rows, tail="\n", what="stacks")


def _failed_section(report: Report, link_base: str | None) -> _Section | None:
    failed = [(s, f) for s, f in _findings(report) if f.result == "failed"]
    if not failed:
        return None
    failed.sort(key=lambda sf: (sf[1].level != "mandatory", sf[0].project, sf[1].check_id, sf[1].resource))
    head = (
        "### Failed checks\n\n| Level | Check | Resource | Stack | Location | Title |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
    )
    rows = []
    for s, f in failed:
        check = f"[{_cell(f.check_id)}]({f.guideline})" if _safe_url(f.guideline) else _code(f.check_id)
        rows.append(
            f"| {_LEVEL_BADGE.get(f.level, f.level)} | {check} | {_code(f.resource)}<br>{_cell(f.type)} "
            f"| {_cell(s.project)}/{_cell(s.env)} | {_location(s, f, link_base)} | {_cell(f.title)} |"
        )
    return _Section(head=head, rows=rows, tail="\n", what="failed findings")


def _waived_section(report: Report, link_base: str | None) -> _Section | None:
    waived = [(s, f) for s, f in _findings(report) if f.result == "waived"]
    if not waived:
        return None
    head = (
        "### Waived\n\n| Check | Resource | Stack | Location | Reason | Owner | Expires |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
    )
    rows = []
    for s, f in waived:
        reason = _waiver_field(f.waiver, "reason", "justification")
        owner = _waiver_field(f.waiver, "owner")
        expires = _waiver_field(f.waiver, "expires", "expiry")
        rows.append(
            f"| {_code(f.check_id)} | {_code(f.resource)} | {_cell(s.project)}/{_cell(s.env)} "
            f"| {_location(s, f, link_base)} | {_cell(reason)} | {_cell(owner)} | {_cell(expires)} |"
        )
    return _Section(head=head, rows=rows, tail="\n", what="waived findings")


def _warnings_section(report: Report) -> _Section | None:
    lines = _warning_lines(report, markdown=True)
    if not lines:
        return None
    return _Section(
        head="> [!WARNING]\n> **Warnings**\n>\n",
        rows=[f"> - {line}" for line in lines],
        tail="\n",
        what="warnings",
    )


def _count(value: object) -> str:
    if isinstance(value, list | tuple | set | dict):
        return str(len(value))
    return str(value) if isinstance(value, int) else ""


def _frameworks_section(report: Report) -> _Section | None:
    """Per framework: controls passing/failing/waived (lists or counts) and the failing control ids."""
    frameworks = report.summary.get("frameworks")
    if not isinstance(frameworks, dict) or not frameworks:
        return None
    head = (
        "### Frameworks\n\n| Framework | Controls passing | Failing | Waived | Failing controls |\n"
        "| --- | ---: | ---: | ---: | --- |\n"
    )
    rows = []
    for key, data in sorted(frameworks.items()):
        info = data if isinstance(data, dict) else {}
        title = str(info.get("title") or key)
        name = f"{_cell(title)} ({_code(key)})" if title != key else _cell(key)
        passing = info.get("passing", info.get("passed"))
        failing = info.get("failing", info.get("failed"))
        waived = info.get("waived")
        failing_ids = failing if isinstance(failing, list) else info.get("failed_controls") or []
        shown = ", ".join(_code(c) for c in failing_ids[:25])
        if len(failing_ids) > 25:
            shown += f" … (+{len(failing_ids) - 25})"
        rows.append(f"| {name} | {_count(passing)} | {_count(failing)} | {_count(waived)} | {shown} |")
    return _Section(head=head, rows=rows, tail="\n", what="frameworks")


def _passed_section(report: Report) -> _Section | None:
    by_check: dict[tuple[str, str], list[str]] = {}
    for s, f in _findings(report):
        if f.result == "passed":
            by_check.setdefault((f.check_id, f.title), []).append(f"{f.resource} ({s.project}/{s.env})")
    if not by_check:
        return None
    total = sum(len(v) for v in by_check.values())
    rows = [
        f"- {_code(check_id)} {_cell(title)}: {', '.join(_cell(r) for r in sorted(resources))}"
        for (check_id, title), resources in sorted(by_check.items())
    ]
    head = f"<details><summary>Passed checks ({total})</summary>\n\n"
    return _Section(head=head, rows=rows, tail="\n\n</details>\n", what="passed checks")


def _context_line(report: Report) -> str:
    envs = sorted({s.env for s in report.stacks})
    parts = [f"env {', '.join(_code(e) for e in envs)}"] if envs else []
    policies = _policies(report)
    if policies.get("source"):
        parts.append(f"policies from {_code(policies['source'])}")
    if report.summary.get("changed_since"):
        parts.append(f"stacks changed since {_code(report.summary['changed_since'])}")
    return ("<sub>" + " · ".join(parts) + "</sub>\n") if parts else ""


def _fit(sections: Sequence[_Section], limit: int) -> str:
    """Join sections, cutting rows (earlier sections keep theirs first) so the text fits `limit`."""
    full = "\n".join(s.text(s.rows, 0) for s in sections)
    if len(full) <= limit:
        return full
    note_room = 120
    fixed = sum(len(s.head) + len(s.tail) + note_room + 1 for s in sections)
    budget = max(limit - fixed, 0)
    parts: list[str] = []
    for section in sections:
        kept: list[str] = []
        for row in section.rows:
            if len(row) + 1 > budget:
                break
            kept.append(row)
            budget -= len(row) + 1
        parts.append(section.text(kept, len(section.rows) - len(kept)))
    return "\n".join(parts)[:limit]


def render_markdown(
    report: Report, *, link_base: str | None = None, max_chars: int = MAX_MARKDOWN_CHARS
) -> str:
    """A PR comment: verdict, per-stack counts, failed/waived findings with links, warnings, details.

    `link_base` (e.g. `https://github.com/o/r/blob/<sha>/`) turns `file:line` into links. The text
    starts with the hidden sticky-comment MARKER and never exceeds `max_chars`.
    """
    envs = sorted({s.env for s in report.stacks})
    head = f"{MARKER}\n## gitops check{' (' + ', '.join(envs) + ')' if envs else ''}\n\n"
    head += _VERDICT_LINE[verdict(report)].format(detail=_verdict_detail(report)) + "\n\n"
    head += _context_line(report)
    candidates = [
        _Section(head=head),
        _stack_errors_section(report),
        _stacks_section(report),
        _failed_section(report, link_base),
        _warnings_section(report),
        _waived_section(report, link_base),
        _frameworks_section(report),
        _passed_section(report),
    ]
    return _fit([s for s in candidates if s is not None], max_chars)
