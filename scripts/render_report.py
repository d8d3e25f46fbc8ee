#!/usr/bin/env python3
"""Render a saved `gitops check --format json` report again, as SARIF, Markdown or JUnit.

CI runs the gate once (JSON) and renders the other formats from it, with `--link-base` so the
PR comment links each finding to its line at the PR's commit:

    python scripts/render_report.py gitops.json --sarif gitops.sarif --markdown report.md \
        --link-base "https://github.com/OWNER/REPO/blob/SHA/"
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from compliance.model import Report
from compliance.preview.grouping import grouping_section, insert_section
from compliance.preview.model import Preview
from compliance.report import MAX_MARKDOWN_CHARS, render_junit, render_markdown, render_sarif


def load_report(path: Path) -> Report:
    """The Report saved at `path`; ValueError with one line naming the file when it is not one."""
    try:
        return Report.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise ValueError(f"{path}: not a gitops check JSON report ({where}: {first['msg']})") from None


def load_preview(path: Path) -> Preview:
    """The preview saved at `path`; ValueError with one line naming the file when it is not one."""
    try:
        return Preview.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    except ValidationError as exc:
        raise ValueError(f"{path}: not a gitops preview JSON document ({exc.errors()[0]['msg']})") from None


def _grouped(markdown: str, report: Report, preview: Preview | None) -> str:
    """The Markdown with new / fixed / already-there findings from the preview, when given."""
    if preview is None:
        return markdown
    deltas = {(s.project, s.env): s.findings for s in preview.stacks if not s.error}
    return insert_section(markdown, grouping_section(report, deltas, preview.base))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 written, 2 bad input (one line on stderr)."""
    p = argparse.ArgumentParser(prog="render_report.py", description="Render a gitops check JSON report.")
    p.add_argument("report", type=Path, help="output of `gitops check --format json`")
    p.add_argument("--sarif", type=Path, help="write SARIF 2.1.0 here")
    p.add_argument("--markdown", type=Path, help="write the PR-comment Markdown here")
    p.add_argument("--junit", type=Path, help="write JUnit XML here")
    p.add_argument("--link-base", help="e.g. https://github.com/o/r/blob/<sha>/ (links file:line)")
    p.add_argument(
        "--preview",
        type=Path,
        help="`gitops preview --format json`: group findings into new/fixed/already there",
    )
    p.add_argument(
        "--max-chars", type=int, default=MAX_MARKDOWN_CHARS, help="Markdown size budget (rows are cut to fit)"
    )
    args = p.parse_args(argv)
    try:
        report = load_report(args.report)
    except ValueError as exc:
        print(f"render_report: {exc}", file=sys.stderr)
        return 2
    try:
        preview = load_preview(args.preview) if args.preview else None
    except ValueError as exc:
        print(f"render_report: {exc}", file=sys.stderr)
        return 2
    outputs = {
        args.sarif: lambda: json.dumps(render_sarif(report), indent=2) + "\n",
        args.markdown: lambda: _grouped(
            render_markdown(report, link_base=args.link_base, max_chars=args.max_chars), report, preview
        ),
        args.junit: lambda: render_junit(report),
    }
    for target, render in outputs.items():
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
