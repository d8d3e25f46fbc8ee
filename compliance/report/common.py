"""Shared by every format: the verdict, counts, repository paths, fingerprints and waiver wording."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable
from typing import Any, Literal

from compliance.model import Finding, Report, StackReport
from compliance.report.escape import cell, code

MARKER = "<!-- gitops-check -->"
"""Hidden marker that identifies the sticky PR comment."""

COMMENT_LIMIT = 65536
"""GitHub's maximum issue/PR comment body length."""

MAX_MARKDOWN_CHARS = 60000
"""Default budget for render_markdown: below COMMENT_LIMIT, leaving room for a preview section."""

TOOL_NAME = "gitops-check"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

Verdict = Literal["error", "failed", "warning", "passed"]


# ---------------------------------------------------------------------------------------------------
# shared helpers


def verdict(report: Report) -> Verdict:
    """The overall outcome, consistent with the gate's exit code (error=2, failed=1, else 0)."""
    if any(s.error for s in report.stacks):
        return "error"
    if any(s.blocking() for s in report.stacks) or waivers_of(report).get("expired"):
        return "failed"
    if any(f.result == "failed" for _, f in iter_findings(report)) or has_warnings(report):
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


def iter_findings(report: Report) -> Iterable[tuple[StackReport, Finding]]:
    for stack in report.stacks:
        for finding in stack.findings:
            yield stack, finding


def waivers_of(report: Report) -> dict[str, Any]:
    waivers = report.summary.get("waivers")
    return waivers if isinstance(waivers, dict) else {}


def policies_of(report: Report) -> dict[str, Any]:
    policies = report.summary.get("policies")
    return policies if isinstance(policies, dict) else {}


def has_warnings(report: Report) -> bool:
    waivers = waivers_of(report)
    return bool(waivers.get("expiring") or waivers.get("stale") or policies_of(report).get("differs"))


def stack_counts(stack: StackReport) -> dict[str, int]:
    counts = {"failed": 0, "advisory_failed": 0, "waived": 0, "passed": 0, "skipped": 0}
    for f in stack.findings:
        key = "advisory_failed" if f.result == "failed" and f.level == "advisory" else f.result
        counts[key] = counts.get(key, 0) + 1
    return counts


def waiver_field(waiver: dict[str, Any] | None, *names: str) -> str:
    for name in names:
        if waiver and waiver.get(name):
            return str(waiver[name])
    return ""


def describe_waiver(item: object) -> str:
    if not isinstance(item, dict):
        return cell(item)
    check = item.get("check") or item.get("check_id")
    resource = item.get("resource")
    stack = item.get("stack") or item.get("project")
    text = code(check) if check else "waiver"
    if resource:
        text += f" on {code(resource)}"
    if stack:
        text += f" ({cell(stack)})"
    extras = [
        f"{label} {cell(item[key])}"
        for key, label in (("owner", "owner"), ("expires", "expires"), ("expiry", "expires"))
        if item.get(key)
    ]
    return text + (f": {', '.join(extras)}" if extras else "")


def warning_lines(report: Report, *, markdown: bool) -> list[str]:
    waivers = waivers_of(report)
    labels = {
        "expired": "expired waiver (blocks apply)",
        "expiring": "waiver expiring soon",
        "stale": "stale waiver (matches no finding)",
    }
    lines: list[str] = []
    for key, label in labels.items():
        for item in waivers.get(key) or []:
            described = describe_waiver(item)
            lines.append(f"{label}: {described if markdown else described.replace('`', '')}")
    policies = policies_of(report)
    differs = policies.get("differs") or []
    if differs:
        source = policies.get("source", "the base revision")
        names = ", ".join(code(p) if markdown else str(p) for p in differs)
        lines.append(
            f"policies in this change differ from {code(source) if markdown else source} "
            f"(the gate used the base's policies): {names}"
        )
    return lines
