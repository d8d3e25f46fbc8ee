"""Shared by every format: the verdict, counts, repository paths, fingerprints and waiver wording."""

from __future__ import annotations

import hashlib
import importlib.metadata
import posixpath
import re
from collections.abc import Iterable
from typing import Any, Literal, Protocol

from compliance.model import Finding, Report, StackReport
from compliance.report import escape

MARKER = "<!-- gitops-check -->"
"""Hidden marker that identifies the sticky PR comment."""

COMMENT_LIMIT = 65536
"""GitHub's maximum issue/PR comment body length."""

MAX_MARKDOWN_CHARS = 60000
"""Default budget for render_markdown: below COMMENT_LIMIT, leaving room for a preview section."""

TOOL_NAME = "gitops-check"
DISTRIBUTION = "gitops-iac"
"""The package whose version SARIF reports as the tool's."""

Verdict = Literal["error", "failed", "warning", "passed"]

REMOTE = "unexpanded remote component"
"""The `unchecked` reason that also earns a warning: the component's insides were never seen."""

DEFAULTS_SOURCE = "defaults"
"""`summary.policies.source` when the repository has no policies/ directory."""

DEFAULTS_NOTE = "Checkov's defaults apply (all checks mandatory)"

CONFINEMENT_WORDS = {
    "bubblewrap": "sandboxed with bubblewrap",
    "process": "process confinement only (no bubblewrap)",
    "none": "not confined",
}


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


def package_version() -> str:
    """The installed gitops-iac version (`0+unknown` when run from a tree that is not installed)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def iter_findings(report: Report) -> Iterable[tuple[StackReport, Finding]]:
    """Every finding of the report with its stack, in report order."""
    for stack in report.stacks:
        for finding in stack.findings:
            yield stack, finding


def waivers_of(report: Report) -> dict[str, Any]:
    """`summary.waivers` ({applied, expired, expiring, stale}), or {} when absent."""
    waivers = report.summary.get("waivers")
    return waivers if isinstance(waivers, dict) else {}


def policies_of(report: Report) -> dict[str, Any]:
    """`summary.policies` ({source, differs}), or {} when absent."""
    policies = report.summary.get("policies")
    return policies if isinstance(policies, dict) else {}


def has_warnings(report: Report) -> bool:
    """Whether anything the reader should act on, short of a failure, is in the report."""
    waivers = waivers_of(report)
    return bool(
        waivers.get("expiring")
        or waivers.get("stale")
        or policies_of(report).get("differs")
        or any(u.reason == REMOTE for s in report.stacks for u in s.unchecked)
    )


def stack_counts(stack: StackReport) -> dict[str, int]:
    """Findings of one stack by outcome: failed (mandatory), advisory_failed, waived, passed, skipped."""
    counts = {"failed": 0, "advisory_failed": 0, "waived": 0, "passed": 0, "skipped": 0}
    for f in stack.findings:
        key = "advisory_failed" if f.result == "failed" and f.level == "advisory" else f.result
        counts[key] = counts.get(key, 0) + 1
    return counts


def waiver_field(waiver: dict[str, Any] | None, *names: str) -> str:
    """The first non-empty field of a waiver record among `names`, as text ("" when none)."""
    for name in names:
        if waiver and waiver.get(name):
            return str(waiver[name])
    return ""


def expired_waivers(report: Report) -> list[Any]:
    """The expired waivers (each blocks the gate)."""
    return list(waivers_of(report).get("expired") or [])


def plural(n: int, word: str) -> str:
    """`1 waiver`, `2 waivers`."""
    return f"{n} {word}{'' if n == 1 else 's'}"


class Style(Protocol):
    """How user text is written in one format: `text` for prose, `code` for names and ids."""

    def text(self, value: object) -> str: ...

    def code(self, value: object) -> str: ...


_TERMINAL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (escape sequences included) that must not reach a terminal or a CI log."""


class PlainStyle:
    """Terminal and CI log text: one line, no markup."""

    def text(self, value: object) -> str:
        raw = "" if value is None else str(value)
        return " ".join(_TERMINAL_CONTROL.sub(" ", raw).split())

    def code(self, value: object) -> str:
        return self.text(value)


class MarkdownStyle:
    """Markdown: every user string escaped (see compliance.report.escape)."""

    def text(self, value: object) -> str:
        return escape.text(value)

    def code(self, value: object) -> str:
        return escape.code(value)


PLAIN = PlainStyle()
MARKDOWN = MarkdownStyle()


def describe_waiver(item: object, style: Style) -> str:
    """`CKV_X on `name` (stack): owner o, expires d` for a waiver record from the summary."""
    if not isinstance(item, dict):
        return style.text(item)
    check = item.get("check") or item.get("check_id")
    resource = item.get("resource")
    stack = item.get("stack") or item.get("project")
    out = style.code(check) if check else "waiver"
    if resource:
        out += f" on {style.code(resource)}"
    if stack:
        out += f" ({style.text(stack)})"
    extras = [
        f"{label} {style.text(item[key])}"
        for key, label in (("owner", "owner"), ("expires", "expires"), ("expiry", "expires"))
        if item.get(key)
    ]
    return out + (f": {', '.join(extras)}" if extras else "")


def expired_lines(report: Report, style: Style) -> list[str]:
    """One line per expired waiver: it fails the gate until renewed or removed."""
    return [
        f"expired waiver {describe_waiver(item, style)}: the gate fails until it is renewed or removed"
        for item in expired_waivers(report)
    ]


def warning_lines(report: Report, style: Style) -> list[str]:
    """Expiring and stale waivers, policies that differ from the base, unexpanded remote components."""
    waivers = waivers_of(report)
    lines: list[str] = []
    for item in waivers.get("expiring") or []:
        lines.append(f"waiver expiring soon: {describe_waiver(item, style)}")
    for item in waivers.get("stale") or []:
        line = f"stale waiver (matches no finding): {describe_waiver(item, style)}"
        hint = item.get("did_you_mean") if isinstance(item, dict) else None
        if hint:
            line += f"; did you mean {style.code(hint)}?"
        lines.append(line)
    policies = policies_of(report)
    differs = policies.get("differs") or []
    if differs:
        source = policies.get("source", "the base revision")
        names = ", ".join(style.code(p) for p in differs)
        lines.append(
            f"policies in this change differ from {style.code(source)} "
            f"(the gate used the base's policies): {names}"
        )
    return lines + remote_component_lines(report, style)


def remote_component_lines(report: Report, style: Style) -> list[str]:
    """One warning per remote component whose children never appeared: its insides were not checked."""
    return [
        f"{style.text(stack.project)}/{style.text(stack.env)}: remote component "
        f"{style.code(item.resource)} ({style.text(item.type)}) has no children under the "
        "mock runtime; the resources inside it were not checked"
        for stack in report.stacks
        for item in stack.unchecked
        if item.reason == REMOTE
    ]


def confinement_words(stack: StackReport) -> str:
    """How the stack's program was confined, in words ("" when the report does not say)."""
    if not stack.confinement:
        return ""
    return CONFINEMENT_WORDS.get(stack.confinement, stack.confinement)


def uses_default_policies(report: Report) -> bool:
    """True when no policies/ directory was found and Checkov's defaults judged the stacks."""
    return policies_of(report).get("source") == DEFAULTS_SOURCE


def failure_causes(report: Report) -> list[str]:
    """Why the verdict is `failed`: mandatory findings, expired waivers (empty otherwise)."""
    causes = []
    if any(f.result == "failed" and f.level == "mandatory" for _, f in iter_findings(report)):
        causes.append("mandatory findings failed")
    expired = len(expired_waivers(report))
    if expired:
        causes.append(plural(expired, "expired waiver"))
    return causes


_HEADLINE = {
    "error": "evaluation error: not applied",
    "warning": "passed with warnings",
    "passed": "passed",
}


def verdict_headline(report: Report) -> str:
    """`passed`, `passed with warnings`, `failed: <causes>` or `evaluation error: not applied`."""
    kind = verdict(report)
    if kind == "failed":
        return "failed: " + " and ".join(failure_causes(report) or ["mandatory findings failed"])
    return _HEADLINE[kind]


def verdict_counts(report: Report) -> str:
    """`3 stacks, 0 failed, 10 advisory, 1 waived, 276 passed, 0 errors` (+ expired waivers)."""
    s = report.summary
    failed = s.get("failed", 0)
    expired = len(expired_waivers(report))
    parts = [
        plural(int(s.get("stacks", len(report.stacks))), "stack"),
        f"{failed} failed" if failed or not expired else "no failed finding",
        f"{s.get('advisory_failed', 0)} advisory",
        f"{s.get('waived', 0)} waived",
        f"{s.get('passed', 0)} passed",
        plural(int(s.get("errors", 0)), "error"),
    ]
    if expired:
        parts.append(plural(expired, "expired waiver"))
    unchecked = sum(len(st.unchecked) for st in report.stacks)
    if unchecked:
        parts.append(f"{unchecked} not checked")
    return ", ".join(parts)


def verdict_line(report: Report) -> str:
    """The one-line verdict the table ends with and `--out`/machine formats print on stderr."""
    return f"verdict: {verdict_headline(report)} ({verdict_counts(report)})"
