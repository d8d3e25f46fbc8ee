"""`--format junit`: JUnit XML, one testsuite per stack and one testcase per check and resource."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from compliance.model import Report
from compliance.report.common import TOOL_NAME, repo_path, waiver_field
from compliance.report.escape import cap_text

__all__ = ["render_junit"]


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold (a program's error text may contain any)."""


def _x(value: object) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def render_junit(report: Report) -> str:
    """JUnit XML: one testsuite per stack, one testcase per (check, resource); failed -> <failure>.

    Waived and skipped findings, and resources the gate could not check, are skipped testcases.
    """
    root = ET.Element("testsuites", name=TOOL_NAME)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for stack in report.stacks:
        suite = ET.SubElement(root, "testsuite", name=_x(f"{stack.project}/{stack.env}"))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if stack.error:
            case = ET.SubElement(
                suite, "testcase", name="evaluation", classname=_x(f"{stack.project}.{stack.env}")
            )
            error = _x(cap_text(stack.error))
            ET.SubElement(case, "error", message=error, type="EvaluationError").text = error
            counts["tests"] += 1
            counts["errors"] += 1
        for f in stack.findings:
            case = ET.SubElement(
                suite,
                "testcase",
                name=_x(f"{f.check_id} {f.resource}"),
                classname=_x(f"{stack.project}.{stack.env}.{f.type}"),
                file=_x(repo_path(stack, f.file)),
                line=str(f.line or 1),
            )
            counts["tests"] += 1
            if f.result == "failed":
                detail = [f"level: {f.level}", f"resource: {f.resource} ({f.type})"]
                detail.append(f"location: {repo_path(stack, f.file)}:{f.line or 1}")
                if f.guideline:
                    detail.append(f"guideline: {f.guideline}")
                ET.SubElement(
                    case, "failure", message=_x(f"[{f.level}] {f.title}"), type=_x(f.check_id)
                ).text = _x("\n".join(detail))
                counts["failures"] += 1
            elif f.result in ("waived", "skipped"):
                message: str = f.result
                if f.result == "waived":
                    owner = waiver_field(f.waiver, "owner") or "?"
                    expires = waiver_field(f.waiver, "expires", "expiry") or "?"
                    reason = waiver_field(f.waiver, "reason")
                    message += f" by {owner} until {expires}" + (f": {reason}" if reason else "")
                ET.SubElement(case, "skipped", message=_x(message))
                counts["skipped"] += 1
        for item in stack.unchecked:
            case = ET.SubElement(
                suite,
                "testcase",
                name=_x(f"not checked {item.resource}"),
                classname=_x(f"{stack.project}.{stack.env}.{item.type}"),
            )
            ET.SubElement(case, "skipped", message=_x(f"not checked: {item.reason}"))
            counts["tests"] += 1
            counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
