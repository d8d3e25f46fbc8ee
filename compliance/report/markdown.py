"""`--format markdown`: the PR comment, kept under GitHub's comment size limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from compliance.model import Finding, Report, StackReport
from compliance.report.common import (
    DEFAULTS_NOTE,
    MARKDOWN,
    MARKER,
    MAX_MARKDOWN_CHARS,
    confinement_words,
    expired_lines,
    expired_waivers,
    iter_findings,
    plural,
    policies_of,
    repo_path,
    stack_counts,
    uses_default_policies,
    verdict,
    waiver_field,
    warning_lines,
)
from compliance.report.escape import cap_text, code, link_target, safe_url, text

__all__ = ["render_markdown"]


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


def _location(stack: StackReport, finding: Finding, link_base: str | None) -> str:
    path = repo_path(stack, finding.file)
    line = finding.line or 1
    label = f"{path}:{line}"
    if link_base and safe_url(link_base) and not path.startswith("/"):
        base = link_base if link_base.endswith("/") else link_base + "/"
        return f"[{text(label)}]({base}{link_target(path)}#L{line})"
    return code(label)


_LEVEL_BADGE = {"mandatory": "🔴 mandatory", "advisory": "🟡 advisory", "disabled": "⚪ disabled"}
_VERDICT_LINE = {
    "error": "🛑 **gitops check: evaluation error**: {detail}. Nothing can be applied until it is fixed.",
    "failed": "❌ **gitops check failed**: {detail}.",
    "warning": "⚠️ **gitops check passed with warnings**: {detail}.",
    "passed": "✅ **gitops check passed**: {detail}.",
}


def _verdict_detail(report: Report) -> str:
    s = report.summary
    expired = len(expired_waivers(report))
    if not report.stacks:
        return "no stack is affected by this change" + (
            f"; {plural(expired, 'expired waiver')} must be renewed or removed" if expired else ""
        )
    n_stacks = s.get("stacks", len(report.stacks))
    parts = [plural(int(n_stacks), "stack")]
    errors = sum(1 for st in report.stacks if st.error)
    failed = sum(1 for _, f in iter_findings(report) if f.result == "failed" and f.level == "mandatory")
    advisory = sum(1 for _, f in iter_findings(report) if f.result == "failed" and f.level == "advisory")
    if errors:
        parts.append(f"{errors} with an evaluation error")
    if failed or not expired:
        parts.append(f"{plural(failed, 'mandatory finding')} failed")
    if advisory:
        parts.append(f"{advisory} advisory")
    waived = sum(1 for _, f in iter_findings(report) if f.result == "waived")
    if waived:
        parts.append(f"{waived} waived")
    unchecked = sum(len(st.unchecked) for st in report.stacks)
    if unchecked:
        parts.append(f"{unchecked} not checked")
    if expired and not failed:
        # the expired waiver is the whole reason for the failure: say so first, not "0 failed"
        return f"{plural(expired, 'expired waiver')} must be renewed or removed ({', '.join(parts)})"
    if expired:
        parts.append(plural(expired, "expired waiver"))
    return ", ".join(parts)


def _stack_errors_section(report: Report) -> _Section | None:
    errored = [s for s in report.stacks if s.error]
    if not errored:
        return None
    rows = [
        f"> - **{text(s.project)}** ({code(s.path)}, {text(s.env)}): {code(cap_text(s.error or ''))}"
        for s in errored
    ]
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
        c = stack_counts(s)
        if s.error:
            status = "🛑 error"
        elif c["failed"]:
            status = "❌ blocked"
        elif c["advisory_failed"]:
            status = "⚠️ ok (advisory)"
        else:
            status = "✅ ok"
        rows.append(
            f"| {text(s.project)} | {text(s.env)} | {code(s.path)} | {s.resources} | {c['failed']} "
            f"| {c['advisory_failed']} | {c['waived']} | {c['passed']} | {status} |"
        )
    return _Section(head=head, rows=rows, tail="\n", what="stacks")


def _failed_section(report: Report, link_base: str | None) -> _Section | None:
    failed = [(s, f) for s, f in iter_findings(report) if f.result == "failed"]
    if not failed:
        return None
    failed.sort(key=lambda sf: (sf[1].level != "mandatory", sf[0].project, sf[1].check_id, sf[1].resource))
    head = (
        "### Failed checks\n\n| Level | Check | Resource | Stack | Location | Title |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
    )
    rows = []
    for s, f in failed:
        check = f"[{text(f.check_id)}]({f.guideline})" if safe_url(f.guideline) else code(f.check_id)
        rows.append(
            f"| {_LEVEL_BADGE.get(f.level, f.level)} | {check} | {code(f.resource)}<br>{text(f.type)} "
            f"| {text(s.project)}/{text(s.env)} | {_location(s, f, link_base)} | {text(f.title)} |"
        )
    return _Section(head=head, rows=rows, tail="\n", what="failed findings")


def _waived_section(report: Report, link_base: str | None) -> _Section | None:
    waived = [(s, f) for s, f in iter_findings(report) if f.result == "waived"]
    if not waived:
        return None
    head = (
        "### Waived\n\n| Check | Resource | Stack | Location | Reason | Owner | Expires |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
    )
    rows = []
    for s, f in waived:
        reason = waiver_field(f.waiver, "reason", "justification")
        owner = waiver_field(f.waiver, "owner")
        expires = waiver_field(f.waiver, "expires", "expiry")
        rows.append(
            f"| {code(f.check_id)} | {code(f.resource)} | {text(s.project)}/{text(s.env)} "
            f"| {_location(s, f, link_base)} | {text(reason)} | {text(owner)} | {text(expires)} |"
        )
    return _Section(head=head, rows=rows, tail="\n", what="waived findings")


def _alert_section(kind: str, title: str, lines: list[str], what: str) -> _Section | None:
    """A GitHub alert block (`> [!KIND]`) listing `lines`; None when there is nothing to say."""
    if not lines:
        return None
    return _Section(
        head=f"> [!{kind}]\n> {title}\n>\n", rows=[f"> - {line}" for line in lines], tail="\n", what=what
    )


def _expired_section(report: Report) -> _Section | None:
    lines = expired_lines(report, MARKDOWN)
    return _alert_section("CAUTION", "**Expired waivers** (the gate fails)", lines, "expired waivers")


def _unchecked_section(report: Report) -> _Section | None:
    rows = [
        f"| {text(s.project)}/{text(s.env)} | {code(u.resource)} | {text(u.type)} | {text(u.reason)} |"
        for s in report.stacks
        for u in s.unchecked
    ]
    if not rows:
        return None
    head = (
        f"<details><summary>Not checked ({len(rows)}): resources the gate counted but could not check"
        "</summary>\n\n| Stack | Resource | Type | Reason |\n| --- | --- | --- | --- |\n"
    )
    return _Section(head=head, rows=rows, tail="\n\n</details>\n", what="resources not checked")


def _warnings_section(report: Report) -> _Section | None:
    return _alert_section("WARNING", "**Warnings**", warning_lines(report, MARKDOWN), "warnings")


def _count(value: object) -> str:
    if isinstance(value, list | tuple | set | dict):
        return str(len(value))
    return str(value) if isinstance(value, int) else ""


def _frameworks_section(report: Report) -> _Section | None:
    """Per framework: controls passing/failing/waived (lists or counts) and the failing control ids."""
    frameworks = report.summary.get("frameworks")
    if not isinstance(frameworks, dict) or not frameworks or uses_default_policies(report):
        return None
    head = (
        "### Frameworks\n\n| Framework | Controls passing | Failing | Waived | Failing controls |\n"
        "| --- | ---: | ---: | ---: | --- |\n"
    )
    rows = []
    for key, data in sorted(frameworks.items()):
        info = data if isinstance(data, dict) else {}
        title = str(info.get("title") or key)
        name = f"{text(title)} ({code(key)})" if title != key else text(key)
        passing = info.get("passing", info.get("passed"))
        failing = info.get("failing", info.get("failed"))
        waived = info.get("waived")
        failing_ids = failing if isinstance(failing, list) else info.get("failed_controls") or []
        shown = ", ".join(code(c) for c in failing_ids[:25])
        if len(failing_ids) > 25:
            shown += f" … (+{len(failing_ids) - 25})"
        rows.append(f"| {name} | {_count(passing)} | {_count(failing)} | {_count(waived)} | {shown} |")
    return _Section(head=head, rows=rows, tail="\n", what="frameworks")


def _passed_section(report: Report) -> _Section | None:
    by_check: dict[tuple[str, str], list[str]] = {}
    for s, f in iter_findings(report):
        if f.result == "passed":
            by_check.setdefault((f.check_id, f.title), []).append(f"{f.resource} ({s.project}/{s.env})")
    if not by_check:
        return None
    total = sum(len(v) for v in by_check.values())
    rows = [
        f"- {code(check_id)} {text(title)}: {', '.join(text(r) for r in sorted(resources))}"
        for (check_id, title), resources in sorted(by_check.items())
    ]
    head = f"<details><summary>Passed checks ({total})</summary>\n\n"
    return _Section(head=head, rows=rows, tail="\n\n</details>\n", what="passed checks")


def _context_line(report: Report) -> str:
    envs = sorted({s.env for s in report.stacks})
    parts = [f"env {', '.join(code(e) for e in envs)}"] if envs else []
    policies = policies_of(report)
    if uses_default_policies(report):
        parts.append(f"no {code('policies/')} directory: {DEFAULTS_NOTE}")
    elif policies.get("source"):
        parts.append(f"policies from {code(policies['source'])}")
    if report.summary.get("changed_since"):
        parts.append(f"stacks changed since {code(report.summary['changed_since'])}")
    confined: dict[str, list[str]] = {}
    for s in report.stacks:
        if confinement_words(s):
            confined.setdefault(confinement_words(s), []).append(s.project)
    if len(confined) == 1:
        parts.append(f"programs {text(next(iter(confined)))}")
    elif confined:
        parts.append(
            "programs "
            + "; ".join(f"{text(words)}: {', '.join(text(p) for p in ps)}" for words, ps in confined.items())
        )
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
    envs = sorted({text(s.env) for s in report.stacks})
    head = f"{MARKER}\n## gitops check{' (' + ', '.join(envs) + ')' if envs else ''}\n\n"
    head += _VERDICT_LINE[verdict(report)].format(detail=_verdict_detail(report)) + "\n\n"
    head += _context_line(report)
    candidates = [
        _Section(head=head),
        _stack_errors_section(report),
        _expired_section(report),
        _stacks_section(report),
        _failed_section(report, link_base),
        _warnings_section(report),
        _waived_section(report, link_base),
        _frameworks_section(report),
        _unchecked_section(report),
        _passed_section(report),
    ]
    return _fit([s for s in candidates if s is not None], max_chars)
