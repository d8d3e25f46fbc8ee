"""The preview as one section of the PR comment: a count line per stack, stateful deletes and
`protect` changes first, then each stack's changes collapsed; bounded by `max_chars`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from compliance.model import Finding
from compliance.preview.escape import code, html_code, value_code
from compliance.preview.model import Preview, ResourceChange, StackPreview

__all__ = ["MARKER", "MAX_PROPERTIES", "MAX_ROWS_PER_STACK", "render_markdown"]

MARKER = "<!-- gitops-preview -->"
MAX_ROWS_PER_STACK = 40
"""Changes listed per stack before `… N more`."""
MAX_PROPERTIES = 4
"""Changed properties listed per resource before `… N more`."""
MAX_CHARS = 20000

_OP_BADGE = {"create": "🟢 create", "update": "🟡 update", "delete": "🔴 delete"}
_OP_ORDER = {"delete": 0, "update": 1, "create": 2}


def _short(rev: str) -> str:
    """A full commit sha shortened to 12 characters; other revisions as given."""
    return rev[:12] if re.fullmatch(r"[0-9a-f]{40}", rev) else rev


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _counts(stack: StackPreview) -> str:
    s = stack.summary
    parts = [
        f"+{s.create} to create",
        f"~{s.update} to update",
        f"-{s.delete} to delete",
        f"{s.same} unchanged",
    ]
    text = " · ".join(parts)
    if stack.outputs:
        text += f" · {_plural(len(stack.outputs), 'output')} changed"
    new, fixed = len(stack.findings.new), len(stack.findings.fixed)
    if new or fixed:
        text += f" · findings: {new} new, {fixed} fixed"
    return text


def _stack_label(stack: StackPreview) -> str:
    return f"{code(stack.project)} ({code(stack.env)})"


def count_line(stack: StackPreview) -> str:
    """`- `serverless` (`prod`): +1 to create · ~2 to update · -0 to delete · 30 unchanged`."""
    if stack.error:
        return f"- 🛑 {_stack_label(stack)}: could not be previewed: {code(stack.error)}"
    note = {"new": " (new stack)", "removed": " (stack removed from the repository)"}.get(stack.status, "")
    if stack.status == "unchanged":
        return f"- {_stack_label(stack)}: no change ({stack.summary.same} resources)"
    return f"- {_stack_label(stack)}{note}: {_counts(stack)}"


def _attention(stack: StackPreview, change: ResourceChange) -> str | None:
    """A line for a stateful delete or a `protect` change (None for other changes)."""
    where = f"{code(change.resource)} {code(change.type)} in {code(stack.project)}"
    if change.op == "delete" and change.stateful:
        flags = []
        if change.protect:
            flags.append("**protected**: the engine will refuse until `protect` is removed")
        if change.retain_on_delete:
            flags.append("`retain_on_delete`: removed from the stack, kept in the cloud")
        if change.unaliased_rename:
            flags.append(f"looks renamed to {code(_name(change.unaliased_rename))}: no alias links them")
        return f"- 🔴 **deletes data**: {where}" + (f" ({'; '.join(flags)})" if flags else "")
    if change.protect_changed:
        state = "on" if change.protect else "**off**"
        return f"- 🛡️ `protect` turned {state}: {where}"
    return None


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _detail(change: ResourceChange) -> str:
    notes: list[str] = []
    if change.renamed_from:
        notes.append(f"renamed from {code(_name(change.renamed_from))} (alias)")
    if change.unaliased_rename:
        other = code(_name(change.unaliased_rename))
        verb = "looks renamed to" if change.op == "delete" else "looks renamed from"
        notes.append(f"{verb} {other}: delete + create, no alias links them")
    if change.op == "delete":
        if change.protect:
            notes.append("**protected**")
        if change.retain_on_delete:
            notes.append("retain_on_delete: kept in the cloud")
    if change.protect_changed:
        notes.append(f"protect: {str(change.protect_before).lower()} → {str(change.protect).lower()}")
    shown = change.properties[:MAX_PROPERTIES]
    notes += [f"{code(p.path)}: {value_code(p.before)} → {value_code(p.after)}" for p in shown]
    if len(change.properties) > MAX_PROPERTIES:
        notes.append(f"… {len(change.properties) - MAX_PROPERTIES} more properties")
    return "<br>".join(notes)


def _sorted(changes: Iterable[ResourceChange]) -> list[ResourceChange]:
    return sorted(
        changes,
        key=lambda c: (
            not (c.op == "delete" and c.stateful),
            not c.protect_changed,
            _OP_ORDER[c.op],
            not c.custom,
        ),
    )


def _finding_row(finding: Finding, kind: str) -> str:
    where = f"{finding.file}:{finding.line}" if finding.file else ""
    level = "🔴 mandatory" if finding.level == "mandatory" else "🟡 advisory"
    cells = [kind, level, code(finding.check_id), code(finding.resource), code(where), code(finding.title)]
    return "| " + " | ".join(cells) + " |"


def _stack_details(stack: StackPreview, rows: int) -> str:
    lines = [
        f"<details><summary>{html_code(stack.project)} ({html_code(stack.env)}): "
        f"+{stack.summary.create} ~{stack.summary.update} -{stack.summary.delete}</summary>",
        "",
    ]
    changes = _sorted(stack.changes)
    if changes:
        lines += ["| Change | Resource | Type | Details |", "| --- | --- | --- | --- |"]
        for change in changes[:rows]:
            location = f" {code(f'{change.file}:{change.line}')}" if change.file else ""
            cells = [
                _OP_BADGE[change.op],
                code(change.resource) + location,
                code(change.type),
                _detail(change),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        if len(changes) > rows:
            lines.append(f"| … {len(changes) - rows} more | | | |")
    if stack.outputs:
        lines += ["", "| Output | Before | After |", "| --- | --- | --- |"]
        for output in stack.outputs[:rows]:
            lines.append(
                f"| {code(output.name)} | {value_code(output.before)} | {value_code(output.after)} |"
            )
        if len(stack.outputs) > rows:
            lines.append(f"| … {len(stack.outputs) - rows} more | | |")
    found = [(f, "new") for f in stack.findings.new] + [(f, "fixed") for f in stack.findings.fixed]
    if found:
        lines += [
            "",
            "| Finding | Level | Check | Resource | Location | Title |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_finding_row(f, "❗ new" if kind == "new" else "✅ fixed") for f, kind in found[:rows]]
        if len(found) > rows:
            lines.append(f"| … {len(found) - rows} more | | | | | |")
    lines += ["", "</details>"]
    return "\n".join(lines)


def render_markdown(preview: Preview, *, max_chars: int = MAX_CHARS) -> str:
    """The preview section (starts with MARKER, at most `max_chars` characters)."""
    envs = sorted({s.env for s in preview.stacks})
    head = [
        MARKER,
        f"## Preview{' (' + ', '.join(envs) + ')' if envs else ''}: what this change does",
        "",
        f"<sub>offline: base {code(_short(preview.base))} and this change both evaluated under the Pulumi "
        "mock runtime, no cloud state read; findings judged by the same policies at both</sub>",
        "",
    ]
    if not preview.stacks:
        return "\n".join([*head, "No stack is affected by this change.", ""])
    head += [count_line(s) for s in preview.stacks]
    attention = [line for s in preview.stacks for c in _sorted(s.changes) if (line := _attention(s, c))]
    if attention:
        shown = attention[:20]
        head += ["", "**Needs attention**", "", *shown]
        if len(attention) > len(shown):
            head.append(f"- … {len(attention) - len(shown)} more")
    text = "\n".join(head) + "\n"
    details = [s for s in preview.stacks if s.changes or s.outputs or s.findings.new or s.findings.fixed]
    return _fit(text, details, max_chars)


def _fit(text: str, stacks: Sequence[StackPreview], max_chars: int) -> str:
    """Append each stack's details, with fewer rows until the section fits `max_chars`."""
    note = "\n_… more changes not shown (size limit); `gitops preview --format json` lists them all._\n"
    rows = MAX_ROWS_PER_STACK
    while True:
        body = text + "".join("\n" + _stack_details(s, rows) + "\n" for s in stacks)
        if len(body) <= max_chars:
            return body
        if rows <= 1:
            break
        rows //= 2
    kept = text
    for stack in stacks:
        block = "\n" + _stack_details(stack, 1) + "\n"
        if len(kept) + len(block) + len(note) > max_chars:
            return (kept + note)[:max_chars]
        kept += block
    return (kept + note)[:max_chars]
