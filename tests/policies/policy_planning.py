"""Test helpers: write Terraform plan JSON / HCL and run our checks on it with Checkov in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checkov.runner_filter import RunnerFilter
from checkov.terraform.plan_runner import Runner as PlanRunner
from checkov.terraform.runner import Runner as HclRunner

REPO = Path(__file__).resolve().parents[2]
CHECKS_DIR = REPO / "policies" / "checks"


def plan(resources: dict[str, dict[str, Any]], *, region: str | None = "eu-west-1") -> dict[str, Any]:
    """A minimal `terraform show -json` plan: {"<type>.<name>": values} plus the aws provider region."""
    planned = []
    changes = []
    for address, values in resources.items():
        rtype, name = address.split(".", 1)
        common = {
            "address": address,
            "mode": "managed",
            "type": rtype,
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
        }
        planned.append({**common, "schema_version": 0, "values": values})
        changes.append({**common, "change": {"actions": ["create"], "before": None, "after": values}})
    expressions = {"region": {"constant_value": region}} if region else {}
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": "registry.terraform.io/hashicorp/aws",
                    "expressions": expressions,
                }
            },
            "root_module": {"resources": []},
        },
    }


def scan_plan(tmp_path: Path, document: dict[str, Any], check_ids: list[str]) -> dict[str, str]:
    """Run the given checks on a plan; returns {"<check id> <address>": "PASSED"|"FAILED"}."""
    path = tmp_path / "tfplan.json"
    path.write_text(json.dumps(document))
    report = PlanRunner().run(
        root_folder=None,
        files=[str(path)],
        runner_filter=RunnerFilter(framework=["terraform_plan"], checks=check_ids),
    )
    return _results(report)


def scan_hcl(tmp_path: Path, source: str, check_ids: list[str]) -> dict[str, str]:
    """Run the given checks on one Terraform HCL file; same result shape as scan_plan."""
    folder = tmp_path / "hcl"
    folder.mkdir(exist_ok=True)
    (folder / "main.tf").write_text(source)
    report = HclRunner().run(
        root_folder=str(folder), runner_filter=RunnerFilter(framework=["terraform"], checks=check_ids)
    )
    return _results(report)


def _results(report: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for record in report.passed_checks + report.failed_checks:
        out[f"{record.check_id} {record.resource}"] = record.check_result["result"].name
    return out
