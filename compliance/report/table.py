"""`--format table` (the default): per-stack counts, findings to act on, and the verdict, with rich.

Failed and waived findings are a table when it fits the console's width, and one block per
finding when it does not (a CI log is 80 columns and no terminal): the level on the left, then
check and resource, location, title, and for a waived finding its owner, expiry and reason.
"""

from __future__ import annotations

import textwrap

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from compliance.model import Finding, Report, StackReport
from compliance.report.common import (
    DEFAULTS_NOTE,
    PLAIN,
    confinement_words,
    expired_lines,
    repo_path,
    stack_counts,
    uses_default_policies,
    verdict,
    verdict_counts,
    verdict_headline,
    waiver_field,
    warning_lines,
)
from compliance.report.escape import cap_text

__all__ = ["render_table"]

_LEVEL_STYLE = {"mandatory": "bold red", "advisory": "yellow", "disabled": "dim", "waived": "cyan"}
_VERDICT_STYLE = {"error": "bold red", "failed": "bold red", "warning": "yellow", "passed": "bold green"}
_COLUMNS = ("Level", "Check", "Resource", "Type", "Location", "Title")
_INDENT = 2


def _label(finding: Finding) -> str:
    return "waived" if finding.result == "waived" else finding.level


def _location(stack: StackReport, finding: Finding) -> str:
    return f"{PLAIN.text(repo_path(stack, finding.file))}:{finding.line or 1}"


def _waiver_note(finding: Finding) -> str:
    owner = waiver_field(finding.waiver, "owner") or "?"
    expires = waiver_field(finding.waiver, "expires", "expiry") or "?"
    reason = waiver_field(finding.waiver, "reason", "justification")
    return f"waived by {PLAIN.text(owner)} until {PLAIN.text(expires)}" + (
        f": {PLAIN.text(reason)}" if reason else ""
    )


def _row(stack: StackReport, f: Finding) -> list[str]:
    return [
        _label(f),
        PLAIN.text(f.check_id),
        PLAIN.text(f.resource),
        PLAIN.text(f.type),
        _location(stack, f),
        PLAIN.text(f.title),
    ]


def _as_table(stack: StackReport, findings: list[Finding]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False)
    for column in _COLUMNS:
        table.add_column(column, overflow="fold", no_wrap=column in ("Level", "Check", "Location"))
    for f in findings:
        level, *cells = _row(stack, f)
        title = cells[-1] + (f"\n{_waiver_note(f)}" if f.result == "waived" else "")
        table.add_row(Text(level, style=_LEVEL_STYLE.get(level, "")), *cells[:-1], title)
    return table


def _natural_width(stack: StackReport, findings: list[Finding]) -> int:
    """The table's width with no cell wrapped (borders and padding included)."""
    widths = [len(c) for c in _COLUMNS]
    for f in findings:
        widths = [max(w, cell_len(cell)) for w, cell in zip(widths, _row(stack, f), strict=True)]
    return sum(widths) + 3 * len(widths) + 1


def _indented(text: str, indent: int, width: int) -> list[str]:
    """`text` wrapped to `width` columns with every line indented (no padding after the text)."""
    room = max(width - indent, 20)
    pieces = textwrap.wrap(text, room, break_on_hyphens=False) or [""]
    return [" " * indent + piece for piece in pieces]


def _wrapped(console: Console, text: Text, indent: int = 2 * _INDENT) -> Text:
    """`text` wrapped at word boundaries to the console, continuation lines indented, no trailing spaces."""
    lines = text.wrap(console, max(console.width - indent, 20))
    out = Text()
    for i, line in enumerate(lines):
        line.rstrip()
        if i:
            out.append("\n" + " " * indent)
        out.append_text(line)
    return out


def _as_blocks(stack: StackReport, findings: list[Finding], width: int) -> Text:
    """One block per finding: the level, then check and resource; under them the rest."""
    label_width = max(len(_label(f)) for f in findings)
    body_indent = _INDENT + label_width + 2
    out = Text()
    for f in findings:
        level, check, resource, type_, location, title = _row(stack, f)
        head = Text.assemble(
            " " * _INDENT,
            (level.ljust(label_width), _LEVEL_STYLE.get(level, "")),
            "  ",
            (check, "bold"),
            "  ",
            resource,
        )
        lines = [location, title]
        if head.cell_len + len(type_) + 3 <= width:
            head.append(f" ({type_})", style="dim")
        else:
            lines.insert(0, f"({type_})")
        out.append_text(head)
        for line in lines:
            for piece in _indented(line, body_indent, width):
                out.append("\n" + piece)
        if f.result == "waived":
            for piece in _indented(_waiver_note(f), body_indent, width):
                out.append("\n" + piece, style="cyan")
        out.append("\n")
    out.rstrip()
    return out


def _stack_line(stack: StackReport) -> Text:
    c = stack_counts(stack)
    line = Text.assemble(
        (PLAIN.text(stack.project), "bold"),
        f" ({PLAIN.text(stack.env)}, {PLAIN.text(stack.path)}): {stack.resources} resources, ",
        (f"{c['failed']} failed", "red" if c["failed"] else ""),
        ", ",
        (f"{c['advisory_failed']} advisory", "yellow" if c["advisory_failed"] else ""),
        f", {c['waived']} waived, {c['passed']} passed",
    )
    if stack.unchecked:
        line.append(f", {len(stack.unchecked)} not checked", style="yellow")
    confinement = confinement_words(stack)
    if confinement:
        line.append(f"; {PLAIN.text(confinement)}", style="dim" if stack.confinement == "bubblewrap" else "")
    return line


def _unchecked(stack: StackReport, width: int) -> Text:
    out = Text(" " * _INDENT + f"not checked ({len(stack.unchecked)}):", style="yellow")
    for item in stack.unchecked:
        line = f"{PLAIN.text(item.resource)} ({PLAIN.text(item.type)}): {PLAIN.text(item.reason)}"
        for piece in _indented(line, 2 * _INDENT, width):
            out.append("\n" + piece)
    return out


def render_table(report: Report, console: Console) -> None:
    """Per stack: counts, failed and waived findings, resources not checked; then warnings and the verdict."""
    if uses_default_policies(report):
        console.print(Text(f"policies: no policies/ directory; {DEFAULTS_NOTE}", style="dim"))
    width = console.width
    for stack in report.stacks:
        console.print(_wrapped(console, _stack_line(stack)))
        if stack.error:
            error = PLAIN.text(cap_text(stack.error))
            lines = _indented(f"evaluation error: {error}", _INDENT, width)
            console.print(Text("\n".join(lines), style="bold red"))
        shown = [f for f in stack.findings if f.result in ("failed", "waived")]
        shown.sort(key=lambda f: (f.result == "waived", f.level != "mandatory", f.check_id, f.resource))
        if shown:
            fits = _natural_width(stack, shown) <= width
            console.print(_as_table(stack, shown) if fits else _as_blocks(stack, shown, width))
        if stack.unchecked:
            console.print(_unchecked(stack, width))
    for line in expired_lines(report, PLAIN):
        console.print(_wrapped(console, Text(line, style="bold red")))
    for warning in warning_lines(report, PLAIN):
        console.print(_wrapped(console, Text(f"warning: {warning}", style="yellow")))
    verdict_text = Text.assemble(
        ("verdict: ", "bold"),
        (verdict_headline(report), _VERDICT_STYLE[verdict(report)]),
        f" ({verdict_counts(report)})",
    )
    console.print(_wrapped(console, verdict_text))
