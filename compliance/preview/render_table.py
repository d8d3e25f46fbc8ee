"""The preview for a terminal: a count line per stack and a table of its changes."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from compliance.preview.model import Preview, ResourceChange, StackPreview

__all__ = ["render_table"]

_OP_STYLE = {"create": "green", "update": "yellow", "delete": "bold red"}


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _details(change: ResourceChange) -> str:
    lines = []
    if change.renamed_from:
        lines.append(f"renamed from {change.renamed_from.rsplit('::', 1)[-1]} (alias)")
    if change.unaliased_rename:
        other = change.unaliased_rename.rsplit("::", 1)[-1]
        lines.append(f"looks renamed {'to' if change.op == 'delete' else 'from'} {other} (no alias)")
    if change.op == "delete" and change.stateful:
        lines.append("DELETES DATA")
    if change.op == "delete" and change.protect:
        lines.append("protected")
    if change.op == "delete" and change.retain_on_delete:
        lines.append("retain_on_delete")
    if change.protect_changed:
        lines.append(f"protect: {change.protect_before} -> {change.protect}")
    lines += [f"{p.path}: {_value(p.before)} -> {_value(p.after)}" for p in change.properties]
    return "\n".join(lines)


def _line(stack: StackPreview) -> str:
    where = f"{stack.project} ({stack.env}, {stack.path})"
    if stack.error:
        return f"{where}: error: {stack.error}"
    s = stack.summary
    extra = f", {stack.status} stack" if stack.status in ("new", "removed") else ""
    findings = f", findings {len(stack.findings.new)} new / {len(stack.findings.fixed)} fixed"
    outputs = f", {len(stack.outputs)} outputs changed" if stack.outputs else ""
    return f"{where}: +{s.create} ~{s.update} -{s.delete} ={s.same}{outputs}{findings}{extra}"


def render_table(preview: Preview, console: Console) -> None:
    """Print one line per stack, then each changed stack's resources (user strings never markup)."""
    console.print(Text(f"preview against {preview.base}"))
    for stack in preview.stacks:
        console.print(Text(_line(stack), style="bold red" if stack.error else ""))
    for stack in preview.stacks:
        if not stack.changes and not stack.outputs:
            continue
        table = Table(title=Text(f"{stack.project} ({stack.env})"), title_justify="left")
        for column in ("op", "resource", "type", "location", "details"):
            table.add_column(column)
        for change in stack.changes:
            location = f"{change.file}:{change.line}" if change.file else ""
            table.add_row(
                Text(change.op, style=_OP_STYLE[change.op]),
                Text(change.resource),
                Text(change.type),
                Text(location),
                Text(_details(change)),
            )
        for output in stack.outputs:
            table.add_row(
                Text("output"),
                Text(output.name),
                Text(""),
                Text(""),
                Text(f"{_value(output.before)} -> {_value(output.after)}"),
            )
        console.print(table)
