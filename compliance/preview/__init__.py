"""Offline preview: what a change does to each stack, resource by resource (`gitops preview`).

diff (pure graph diff) -> findings (pure findings delta) -> run (evaluate both revisions) ->
render_markdown / render_table / JSON (Preview.model_dump_json).
"""

from compliance.preview.diff import canonical_urn, count_changes, diff_graphs
from compliance.preview.findings import findings_delta, group_report
from compliance.preview.model import (
    ChangeCounts,
    FindingsDelta,
    OutputChange,
    Preview,
    PropertyChange,
    ResourceChange,
    StackPreview,
)

__all__ = [
    "ChangeCounts",
    "FindingsDelta",
    "OutputChange",
    "Preview",
    "PropertyChange",
    "ResourceChange",
    "StackPreview",
    "canonical_urn",
    "count_changes",
    "diff_graphs",
    "findings_delta",
    "group_report",
]
