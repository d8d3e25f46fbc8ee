"""`--format junit`: JUnit XML, one testsuite per stack and one testcase per check and resource."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from compliance.model import Report
from compliance.report.common import TOOL_NAME, repo_path, waiver_field


def render_junit(report: Report) -> str:
    """JUnit XML: one testsuite per stack, one testcase per (check, resource); failed -> <failure>."""
    root = ET.Element("testsuites", name=TOOL_NAME)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for stack in report.stacks:
        suite = ET.SubElement(root, "testsuite", name=f"{stack.project}/{stack.env}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if stack.error:
            case = ET.SubElement(
                suite, "testcase", name="evaluation", classname=f"{stack.project}.{stack.env}"
            )
            ET.SubElement(case, "error", message=stack.error, type="EvaluationError").text = stack.error
            counts["tests"] += 1
            counts["errors"] += 1
        for f in stack.findings:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{f.check_id} {f.resource}",
                classname=f"{stack.project}.{stack.env}.{f.type}",
                file=repo_path(stack, f.file),
                line=str(f.line or 1),
            )
            counts["tests"] += 1
            if f.result == "failed":
                detail = [f"level: {f.level}", f"resource: {f.resource} ({f.type})"]
                detail.append(f"location: {repo_path(stack, f.file)}:{f.line or 1}")
                if f.guideline:
                    detail.append(f"guideline: {f.guideline}")
                ET.SubElement(
                    case, "failure", message=f"[{f.level}] {f.title}", type=f.check_id
                ).text = "\n".join(detail)
                counts["failures"] += 1
            elif f.result in ("waived", "skipped"):
                reason = waiver_field(f.waiver, "reason") if f.result == "waived" else ""
                ET.SubElement(case, "skipped", message=f"{f.result}{': ' + reason if reason else ''}")
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
