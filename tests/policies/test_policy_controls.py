"""Control mapping and per-framework summaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from policy_planning import CHECKS_DIR

from compliance.model import Finding
from policies.controls import controls_for, framework_summary, load_control_map
from policies.errors import PolicyConfigError


def finding(check: str, result: str, controls: list[str] | None = None) -> Finding:
    return Finding(
        check_id=check,
        title="t",
        result=result,
        resource="r",
        type="t",
        controls=controls or [],  # type: ignore[arg-type]
    )


def test_controls_for_our_and_checkov_checks() -> None:
    assert controls_for("CKV_ORG_13") == ["CIS-AWS-2.1.4", "SOC2-CC6.1", "SOC2-CC6.6", "NIST-800-53-AC-3"]
    assert "CIS-AWS-2.3.1" in controls_for("CKV_AWS_16")
    assert controls_for("CKV_UNKNOWN_1") == []


def test_every_custom_check_maps_to_a_control() -> None:
    ids = set()
    for path in CHECKS_DIR.glob("*.py"):
        text = path.read_text()
        ids.update(part.split('"')[1] for part in text.split("id=")[1:] if part.startswith('"CKV_ORG_'))
    assert len(ids) == 14
    assert all(controls_for(i) for i in ids)


def test_framework_summary_statuses() -> None:
    findings = [
        finding("CKV_ORG_13", "passed"),  # CIS 2.1.4 passes here ...
        finding("CKV_ORG_12", "failed"),  # ... but fails here: failing wins
        finding("CKV_ORG_14", "waived"),  # CIS 2.3.3 only waived
        finding("CKV_AWS_16", "passed"),  # CIS 2.3.1 passing
        finding("CKV_ORG_5", "skipped"),  # ignored
        finding("CKV_X", "failed", controls=["SOC2-CC9.9"]),  # explicit controls on the finding win
    ]
    summary = framework_summary(findings)
    cis = summary["CIS-AWS"]
    assert (cis.failing, cis.waived, cis.passing) == (["CIS-AWS-2.1.4"], ["CIS-AWS-2.3.3"], ["CIS-AWS-2.3.1"])
    assert "SOC2-CC9.9" in summary["SOC2"].failing
    assert "SOC2-A1.1" not in summary["SOC2"].passing + summary["SOC2"].failing  # from the skipped finding
    assert summary["SOC2"].title == "SOC 2 Trust Services Criteria"


def test_control_with_unknown_framework_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "controls.yaml"
    path.write_text("frameworks: {SOC2: x}\nchecks:\n  CKV_ORG_1: [ISO-27001-A.5]\n")
    with pytest.raises(PolicyConfigError, match=r"ISO-27001-A\.5 has no framework"):
        load_control_map(path)
