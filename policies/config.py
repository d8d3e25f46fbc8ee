"""Policy parameters read by our checks (policies/config.yaml): allowed regions, caps, retention.

Every parameter is required in the file (no defaults in code), so the numbers that decide a policy
live in one reviewed file that --policies-from reads from the base revision.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policies.yamlfile import load_yaml_model

CONFIG_FILE = "config.yaml"


class EnvLimits(BaseModel):
    """Per-environment limits; in `environments.<env>` any field left out comes from `default`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    regions: list[str] | None = Field(default=None, min_length=1)
    lambda_max_memory_mb: int | None = Field(default=None, gt=0)
    aurora_max_acu: float | None = Field(default=None, gt=0)


class Retention(BaseModel):
    """CloudWatch log retention floor and ceiling, in days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_days: int = Field(gt=0)
    max_days: int = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Retention:
        if self.min_days > self.max_days:
            raise ValueError("min_days is greater than max_days")
        return self


class ResolvedLimits(BaseModel):
    """The limits that apply to one environment (default merged with its override)."""

    model_config = ConfigDict(frozen=True)

    regions: list[str]
    lambda_max_memory_mb: int
    aurora_max_acu: float


class PolicyConfig(BaseModel):
    """The whole policies/config.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    required_tags: list[str] = Field(min_length=1)
    log_retention: Retention
    default: EnvLimits
    environments: dict[str, EnvLimits] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _default_complete(self) -> PolicyConfig:
        missing = [name for name, value in self.default.model_dump().items() if value is None]
        if missing:
            raise ValueError(f"default is missing {', '.join(missing)}")
        return self

    def limits(self, env: str | None) -> ResolvedLimits:
        """Limits for `env` (the `default` section when env is None or not listed)."""
        merged = self.default.model_dump()
        override = self.environments.get(env or "")
        if override is not None:
            merged.update({k: v for k, v in override.model_dump().items() if v is not None})
        return ResolvedLimits.model_validate(merged)


def load_policy_config(policies_dir: Path) -> PolicyConfig:
    """Read and validate `<policies_dir>/config.yaml` (PolicyConfigError naming the file)."""
    return load_yaml_model(policies_dir / CONFIG_FILE, PolicyConfig)


@lru_cache(maxsize=8)
def cached_policy_config(policies_dir: Path) -> PolicyConfig:
    """load_policy_config, cached per directory (checks call this once per resource)."""
    return load_policy_config(policies_dir)
