"""Render a gate Report: rich table, JSON, Markdown (PR comment), SARIF 2.1.0 and JUnit XML.

One module per format; `common` holds the verdict and counts every format shares, `escape` the
Markdown escaping. Every renderer is a pure function of the Report. Nothing here reads resource
inputs: a Finding only names the check, the resource and its source line, so secrets cannot leak
through a report.
"""

from __future__ import annotations

from compliance.report.common import (
    COMMENT_LIMIT,
    MARKER,
    MAX_MARKDOWN_CHARS,
    TOOL_NAME,
    Verdict,
    fingerprint,
    repo_path,
    verdict,
    verdict_line,
)
from compliance.report.json import render_json
from compliance.report.junit import render_junit
from compliance.report.markdown import render_markdown
from compliance.report.sarif import SARIF_SCHEMA, render_sarif
from compliance.report.table import render_table

__all__ = [
    "COMMENT_LIMIT",
    "MARKER",
    "MAX_MARKDOWN_CHARS",
    "SARIF_SCHEMA",
    "TOOL_NAME",
    "Verdict",
    "fingerprint",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_sarif",
    "render_table",
    "repo_path",
    "verdict",
    "verdict_line",
]
