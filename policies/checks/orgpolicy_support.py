"""Helpers shared by our checks: read Checkov's list-wrapped resource config, policy parameters,
taggable types and KMS key classification. Imported by the checks as `orgpolicy_support`.

Checkov hands a check the resource's attributes with every scalar wrapped in a one-element list
(`{"memory_size": [512]}`), nested blocks as lists of such dicts, and maps (tags) as one dict with
bookkeeping keys (`__file__`, `start_line`, ...) mixed in; both Terraform HCL and plan JSON look so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checkov.common.bridgecrew.severities import Severities
from checkov.common.checks_infra.resources_types import resources_types
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.common.util.consts import TRUE_AFTER_UNKNOWN
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from checkov.terraform.checks.resource.registry import resource_registry

from policies.config import PolicyConfig, ResolvedLimits, cached_policy_config
from policies.context import current_env

POLICIES_DIR = Path(__file__).resolve().parent.parent
"""The policies/ directory these checks were loaded from (a Git revision's copy under --policies-from)."""

_META_KEYS = {"start_line", "end_line"}

PASSED, FAILED, UNKNOWN = CheckResult.PASSED, CheckResult.FAILED, CheckResult.UNKNOWN

# Taggable AWS resource types, derived from the AWS provider schema (resources with a `tags`
# argument) as shipped in Checkov's resource type catalogue. A resource of another type that has a
# `tags` attribute in the plan is taggable too (see is_taggable).
TAGGABLE_TYPES: frozenset[str] = frozenset(resources_types.get("aws_taggable", []))


def is_meta(key: str) -> bool:
    """Checkov bookkeeping keys mixed into resource config."""
    return key.startswith("__") or key in _META_KEYS


def scalar(conf: dict[str, Any], key: str, default: Any = None) -> Any:
    """The attribute `key` unwrapped from Checkov's one-element list (default when absent/null)."""
    value = conf.get(key, default)
    while isinstance(value, list) and len(value) == 1 and not isinstance(value[0], dict):
        value = value[0]
    return default if value is None else value


def items(conf: dict[str, Any], key: str) -> list[Any]:
    """A list attribute (e.g. `architectures`) as a plain list."""
    value = conf.get(key)
    if value is None:
        return []
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    return [v for v in (value if isinstance(value, list) else [value]) if v is not None]


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A nested block attribute (e.g. `default_cache_behavior`) as a list of dicts."""
    value = conf.get(key)
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        return []
    flat: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, dict):
            flat.append(item)
        elif isinstance(item, list):
            flat.extend(i for i in item if isinstance(i, dict))
    return flat


def mapping(conf: dict[str, Any], key: str) -> dict[str, Any] | None:
    """A map attribute (e.g. `tags`) without Checkov's bookkeeping keys; None when absent."""
    value = conf.get(key)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if not isinstance(value, dict):
        return None
    return {k: scalar({"v": v}, "v") for k, v in value.items() if not is_meta(k)}


def is_unknown(value: Any) -> bool:
    """A value only known after apply (Checkov's marker for plan `after_unknown`)."""
    return value == TRUE_AFTER_UNKNOWN


def is_customer_managed_key(value: Any) -> bool:
    """True for a KMS key id/ARN/alias that is not an AWS-managed `alias/aws/...` key.

    A value known only after apply is a key created by the program itself: customer managed.
    """
    if is_unknown(value):
        return True
    if not isinstance(value, str) or not value.strip():
        return False
    return "alias/aws/" not in value


def is_taggable(entity_type: str, conf: dict[str, Any]) -> bool:
    """Whether a resource can carry tags: its type is taggable in the provider schema, or the
    resource has a `tags` attribute."""
    return entity_type in TAGGABLE_TYPES or "tags" in conf or "tags_all" in conf


def policy_config() -> PolicyConfig:
    """policies/config.yaml of the directory these checks came from."""
    return cached_policy_config(POLICIES_DIR)


def env_limits() -> ResolvedLimits:
    """Limits of the environment being checked (policies.context), `default` when unset."""
    return policy_config().limits(current_env())


def forget_check(registry: Any, check_id: str) -> None:
    """Drop an earlier check with this id from `registry`, so the check being loaded now replaces it
    (Checkov itself keeps the first one registered under an id; see policies/loader.py)."""
    for table in (registry.checks, registry.wildcard_checks):
        for entity, checks in table.items():
            table[entity] = [c for c in checks if c.id != check_id]


class OrgCheck(BaseResourceCheck):
    """A resource check with our id, severity and category; subclasses implement `evaluate`."""

    def __init__(
        self, *, id: str, name: str, severity: str, resources: list[str], category: str = "GENERAL_SECURITY"
    ) -> None:
        forget_check(resource_registry, id)
        super().__init__(
            name=name,
            id=id,
            categories=[CheckCategories[category]],
            supported_resources=resources,
            guideline=f"docs/policies.md#{id.lower()}",
        )
        self.severity = Severities[severity]  # type: ignore[assignment]

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self.evaluate(conf)

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        """PASSED, FAILED or UNKNOWN (not applicable) for one resource's config."""
        raise NotImplementedError
