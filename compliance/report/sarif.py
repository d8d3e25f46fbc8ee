"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning (failed findings inline on the Python line)."""

from __future__ import annotations

from typing import Any

from compliance.model import Finding, Report, StackReport
from compliance.report.common import (
    PLAIN,
    TOOL_NAME,
    fingerprint,
    iter_findings,
    package_version,
    remote_component_lines,
    repo_path,
    waiver_field,
)
from compliance.report.escape import cap_text

__all__ = ["SARIF_SCHEMA", "render_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0", "INFO": "1.0"}
"""Checkov severity -> GitHub `security-severity` score (critical > 9, high 7-8.9, medium 4-6.9, low < 4)."""

DEFAULT_SECURITY_SEVERITY = {"mandatory": "7.0", "advisory": "4.0", "disabled": "1.0"}
"""Score when a check has no severity: by enforcement level."""


def _severity_score(finding: Finding) -> str:
    if finding.severity and finding.severity.upper() in SECURITY_SEVERITY:
        return SECURITY_SEVERITY[finding.severity.upper()]
    return DEFAULT_SECURITY_SEVERITY.get(finding.level, "5.0")


def _sarif_level(finding: Finding) -> str:
    if finding.result == "waived":
        return "note"
    return "error" if finding.level == "mandatory" else "warning"


def _sarif_rule(finding: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": finding.check_id,
        "name": finding.check_id,
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": finding.title},
        "defaultConfiguration": {"level": "error" if finding.level == "mandatory" else "warning"},
        "properties": {
            "tags": ["security", "compliance", "iac", *finding.controls],
            "security-severity": _severity_score(finding),
            "precision": "very-high",
        },
    }
    if finding.guideline and finding.guideline.startswith(("https://", "http://")):
        rule["helpUri"] = finding.guideline
        rule["help"] = {"text": f"{finding.title}. See {finding.guideline}"}
    if finding.severity:
        rule["properties"]["problem.severity"] = finding.severity.lower()
    return rule


def _sarif_result(stack: StackReport, finding: Finding, rule_index: int) -> dict[str, Any]:
    where = f"{finding.resource} ({finding.type}) in {stack.project}/{stack.env}"
    text = f"{finding.title}: {where}"
    if finding.result == "waived":
        text += " (waived)"
    elif finding.level == "advisory":
        text += " (advisory)"
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": _sarif_level(finding),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": repo_path(stack, finding.file), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(finding.line or 1, 1)},
                },
                "logicalLocations": [
                    {
                        "name": finding.resource,
                        "fullyQualifiedName": f"{stack.project}/{stack.env}/{finding.resource}",
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {"gitopsFinding/v1": fingerprint(stack, finding)},
        "properties": {
            "resource": finding.resource,
            "type": finding.type,
            "project": stack.project,
            "env": stack.env,
            "level": finding.level,
        },
    }
    if finding.controls:
        result["properties"]["controls"] = list(finding.controls)
    if finding.result == "waived":
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        reason = waiver_field(finding.waiver, "reason", "justification")
        if reason:
            suppression["justification"] = reason
        result["suppressions"] = [suppression]
    return result


def render_sarif(report: Report) -> dict[str, Any]:
    """A SARIF 2.1.0 log for GitHub code scanning: failed findings (and waived ones, suppressed)."""
    rules: dict[str, dict[str, Any]] = {}
    selected = [(s, f) for s, f in iter_findings(report) if f.result in ("failed", "waived")]
    for _, finding in sorted(selected, key=lambda sf: sf[1].check_id):
        rules.setdefault(finding.check_id, _sarif_rule(finding))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    results = [_sarif_result(s, f, index[f.check_id]) for s, f in selected]
    notifications: list[dict[str, Any]] = [
        {
            "level": "error",
            "message": {"text": f"{s.project} ({s.path}, {s.env}): {cap_text(s.error)}"},
            "descriptor": {"id": "evaluation-error"},
        }
        for s in report.stacks
        if s.error
    ]
    failed_to_run = bool(notifications)
    notifications += [
        {"level": "warning", "message": {"text": line}, "descriptor": {"id": "unexpanded-remote-component"}}
        for line in remote_component_lines(report, PLAIN)
    ]
    # No automationDetails: upload-sarif's `category` (one per env) fills it, and it only does so
    # when the run has none.
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": package_version(),
                "semanticVersion": package_version(),
                "informationUri": "https://www.checkov.io/",
                "rules": list(rules.values()),
            }
        },
        "invocations": [
            {"executionSuccessful": not failed_to_run, "toolExecutionNotifications": notifications}
        ],
        "results": results,
    }
    unchecked = [
        {"project": s.project, "env": s.env, **u.model_dump()} for s in report.stacks for u in s.unchecked
    ]
    if unchecked:
        # resources counted but not checked: no line to point at, so a run property, not a result
        run["properties"] = {"unchecked": unchecked}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
