"""Enforcement levels (policies/enforcement.yaml): mandatory | advisory | disabled per check and env.

Resolution for (check id, env), first match wins:
  1. environments.<env>.checks: exact id, then the longest matching glob pattern (e.g. CKV2_AWS_*)
  2. checks: exact id, then the longest matching glob pattern
  3. environments.<env>.default, then default (mandatory when the file sets none)
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from compliance.model import Level
from policies.yamlfile import load_yaml_model

ENFORCEMENT_FILE = "enforcement.yaml"


class EnvEnforcement(BaseModel):
    """Overrides for one environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Level | None = None
    checks: dict[str, Level] = Field(default_factory=dict)


def _match(table: dict[str, Level], check_id: str) -> Level | None:
    if check_id in table:
        return table[check_id]
    patterns = [p for p in table if any(c in p for c in "*?[") and fnmatch.fnmatchcase(check_id, p)]
    return table[max(patterns, key=len)] if patterns else None


class Enforcement(BaseModel):
    """The whole enforcement file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Level = "mandatory"
    checks: dict[str, Level] = Field(default_factory=dict)
    environments: dict[str, EnvEnforcement] = Field(default_factory=dict)

    def level(self, check_id: str, env: str) -> Level:
        """The enforcement level of `check_id` when checking environment `env`."""
        override = self.environments.get(env)
        if override is not None:
            found = _match(override.checks, check_id)
            if found is not None:
                return found
        found = _match(self.checks, check_id)
        if found is not None:
            return found
        if override is not None and override.default is not None:
            return override.default
        return self.default


def load_enforcement(policies_dir: Path) -> Enforcement:
    """Read `<policies_dir>/enforcement.yaml` (all mandatory when the file is absent)."""
    return load_yaml_model(policies_dir / ENFORCEMENT_FILE, Enforcement, missing_ok=True)
