"""Compliance reporting: which framework controls a check maps to, and per-framework status.

The mapping is policies/controls.yaml of the installed package (the working tree): it labels results
and never decides whether the gate passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from compliance.model import Finding
from policies.yamlfile import load_yaml_model

CONTROLS_FILE = Path(__file__).with_name("controls.yaml")


class ControlMap(BaseModel):
    """The whole controls.yaml: framework prefixes and check id -> control ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frameworks: dict[str, str]
    checks: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_prefixes(self) -> ControlMap:
        for check_id, controls in self.checks.items():
            for control in controls:
                if self.framework_of(control) is None:
                    raise ValueError(
                        f"{check_id}: control {control} has no framework listed under frameworks"
                    )
        return self

    def framework_of(self, control: str) -> str | None:
        """The framework prefix of a control id (the longest listed prefix followed by '-')."""
        prefixes = [p for p in self.frameworks if control.startswith(p + "-")]
        return max(prefixes, key=len) if prefixes else None


class FrameworkSummary(BaseModel):
    """Controls of one framework by status: failing if any finding failed, else waived if any was
    waived, else passing. Advisory failures count as failing: the control is not met either way."""

    framework: str
    title: str
    passing: list[str] = Field(default_factory=list)
    failing: list[str] = Field(default_factory=list)
    waived: list[str] = Field(default_factory=list)


def load_control_map(path: Path = CONTROLS_FILE) -> ControlMap:
    """Read and validate a controls mapping file."""
    return load_yaml_model(path, ControlMap)


@lru_cache(maxsize=1)
def _control_map() -> ControlMap:
    return load_control_map()


def controls_for(check_id: str) -> list[str]:
    """The framework controls `check_id` maps to (empty when unmapped)."""
    return list(_control_map().checks.get(check_id, []))


def framework_summary(findings: Iterable[Finding]) -> dict[str, FrameworkSummary]:
    """Per framework prefix (e.g. "CIS-AWS", "SOC2"), its controls passing, failing and waived."""
    cmap = _control_map()
    status: dict[str, set[str]] = {}
    for finding in findings:
        if finding.result == "skipped":
            continue
        for control in finding.controls or controls_for(finding.check_id):
            status.setdefault(control, set()).add(finding.result)
    summaries: dict[str, FrameworkSummary] = {}
    for control in sorted(status):
        prefix = cmap.framework_of(control)
        if prefix is None:
            continue
        summary = summaries.setdefault(
            prefix, FrameworkSummary(framework=prefix, title=cmap.frameworks[prefix])
        )
        results = status[control]
        if "failed" in results:
            summary.failing.append(control)
        elif "waived" in results:
            summary.waived.append(control)
        else:
            summary.passing.append(control)
    return summaries
