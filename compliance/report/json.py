"""`--format json`: the Report model as JSON (a contract other tools rely on)."""

from __future__ import annotations

from compliance.model import Report


def render_json(report: Report) -> str:
    """The `gitops check --format json` document: {"stacks": [...], "summary": {...}}."""
    return report.model_dump_json(indent=2) + "\n"
