#!/usr/bin/env python3
"""Render a saved `gitops preview --format json` as the PR comment's preview section (Markdown).

python scripts/render_preview.py preview.json --markdown preview.md --max-chars 10000
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from compliance.preview.model import Preview
from compliance.preview.render_markdown import MAX_CHARS, render_markdown


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 written, 2 bad input (one line on stderr)."""
    p = argparse.ArgumentParser(
        prog="render_preview.py", description="Render a gitops preview JSON document."
    )
    p.add_argument("preview", type=Path, help="output of `gitops preview --format json`")
    p.add_argument("--markdown", type=Path, required=True, help="write the Markdown section here")
    p.add_argument("--max-chars", type=int, default=MAX_CHARS, help="size budget (rows are cut to fit)")
    args = p.parse_args(argv)
    try:
        preview = Preview.model_validate_json(args.preview.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"render_preview: {args.preview}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"]
        print(f"render_preview: {args.preview}: not a gitops preview JSON document ({msg})", file=sys.stderr)
        return 2
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text(render_markdown(preview, max_chars=args.max_chars), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
