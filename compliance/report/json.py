"""`--format json`: the Report model as JSON (a contract other tools rely on)."""

from __future__ import annotations

from compliance.model import Report
from compliance.report.escape import cap_text

__all__ = ["render_json"]


def render_json(report: Report) -> str:
    """The `gitops check --format json` document: {"stacks": [...], "summary": {...}}.

    Each stack's error text is capped (compliance.report.escape.ERROR_TEXT_LIMIT); the rest is in the log.
    """
    if any(s.error and cap_text(s.error) != s.error for s in report.stacks):
        report = report.model_copy(
            update={
                "stacks": [
                    s.model_copy(update={"error": cap_text(s.error)}) if s.error else s for s in report.stacks
                ]
            }
        )
    return report.model_dump_json(indent=2) + "\n"
