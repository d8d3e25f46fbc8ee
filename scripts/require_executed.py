#!/usr/bin/env python3
"""Fail when a JUnit XML report ran no test or skipped any (an end-to-end job that skips proves nothing).

python scripts/require_executed.py e2e.xml
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path


def skipped_cases(root: ET.Element) -> tuple[int, list[str]]:
    """(number of testcases, "classname::name: reason" of each skipped one)."""
    cases = list(root.iter("testcase"))
    skipped = []
    for case in cases:
        skip = case.find("skipped")
        if skip is not None:
            reason = skip.get("message") or (skip.text or "").strip()
            skipped.append(f"{case.get('classname')}::{case.get('name')}: {reason}")
    return len(cases), skipped


def main(argv: Sequence[str] | None = None) -> int:
    """0 every test ran, 1 none ran or some were skipped, 2 unreadable report."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: require_executed.py JUNIT_XML", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        print(f"require_executed: {path}: {exc}", file=sys.stderr)
        return 2
    total, skipped = skipped_cases(root)
    if total == 0:
        print(f"require_executed: {path}: no test ran", file=sys.stderr)
        return 1
    for line in skipped:
        print(f"require_executed: skipped {line}", file=sys.stderr)
    if skipped:
        print(f"require_executed: {path}: {len(skipped)} of {total} tests skipped", file=sys.stderr)
        return 1
    print(f"require_executed: {total} tests ran, none skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
