"""`--format table` (the default): per-stack counts, failed findings and the verdict, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from compliance.model import Report
from compliance.report.common import repo_path, stack_counts, verdict, warning_lines

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
        c = stack_counts(stack)
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
    for warning in warning_lines(report, markdown=False):
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
