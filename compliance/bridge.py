"""StackGraph -> Terraform plan JSON that Checkov's `terraform_plan` framework reads.

Only the keys Checkov's plan parser reads are emitted: `planned_values.root_module.resources[*]`
(address, mode, type, name, values), `configuration.root_module.resources[*].expressions` (references
between resources, which become edges in Checkov's graph) and `configuration.provider_config`.
A value that came from another resource (by `Resource.property_dependencies`, or equal to another
resource's id/arn) is left out of `values` and emitted as a reference, as in a real Terraform plan
where it is unknown until apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from compliance import mapping
from compliance.model import Resource, StackGraph

PROVIDER = "registry.terraform.io/hashicorp/aws"
IDENTITY_OUTPUTS = ("arn", "id", "name", "bucket", "url", "keyId")
"""Outputs of a resource another resource's input may carry (in this order when naming the reference)."""
STRONG_IDENTITIES = ("arn", "id")  # and the URN, recorded as "id"
"""Identities matched without a recorded property dependency (names are too likely to repeat)."""
NOT_REFERENCES = frozenset({"tags", "tagsAll", "name", "description"})
"""Inputs never turned into references, even when their value equals another resource's identity."""


class BridgedPlan(BaseModel):
    """A Terraform plan JSON document and the map from its resource addresses back to Pulumi URNs."""

    plan: dict[str, Any]
    addresses: dict[str, str] = Field(default_factory=dict, description="TF address -> Pulumi URN")
    skipped: dict[str, str] = Field(default_factory=dict, description="URN -> why it was not emitted")


def sanitize(name: str) -> str:
    """A Terraform resource name from a Pulumi logical name (letters, digits, `_` and `-`)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", name) or "_"
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"r_{cleaned}"


def assign_addresses(resources: list[tuple[Resource, str]]) -> dict[str, str]:
    """URN -> unique TF address `<tf_type>.<sanitized name>` (collisions get `_2`, `_3`, ...)."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for resource, tf_type in resources:
        base = f"{tf_type}.{sanitize(resource.name)}"
        address, n = base, 1
        while address in taken:
            n += 1
            address = f"{base}_{n}"
        taken.add(address)
        out[resource.urn] = address
    return out


def _identities(resource: Resource) -> dict[str, str]:
    """String value -> attribute name, for the values of `resource` others may reference."""
    found: dict[str, str] = {resource.urn: "id"}  # a Resource passed as an input is recorded as its URN
    if isinstance(resource.id, str) and resource.id and resource.id != mapping.UNKNOWN:
        found[resource.id] = "id"
    for key in IDENTITY_OUTPUTS:
        value = resource.outputs.get(key)
        if isinstance(value, str) and value and value != mapping.UNKNOWN and value not in found:
            found[value] = mapping.camel_to_snake(key)
    return found


def _derived_identities(resource: Resource) -> dict[str, str]:
    """Every string output of `resource` -> its attribute: what a value derived from it may carry.

    Used only among a property's recorded dependencies (`property_dependencies`), where a value that
    equals, starts with, ends with or embeds one of these came from that resource."""
    found = dict(_identities(resource))
    for key, value in sorted(resource.outputs.items()):
        if isinstance(value, str) and len(value) >= MIN_DERIVED and value != mapping.UNKNOWN:
            found.setdefault(value, mapping.camel_to_snake(key))
    return found


MIN_DERIVED = 4
"""Shortest output value looked for inside another value (shorter ones match by accident)."""


def _embedded(value: str, index: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """(address, attribute) of each indexed identity that `value` contains, longest first, no overlaps."""
    hits: list[tuple[str, str]] = []
    rest = value
    for identity in sorted((k for k in index if len(k) >= MIN_DERIVED and k in value), key=len, reverse=True):
        if identity in rest:
            hits.append(index[identity])
            rest = rest.replace(identity, "\0")
    return hits


def _refs(address: str, attribute: str) -> list[str]:
    return [f"{address}.{attribute}", address]


def _walk_refs(
    value: Any, index: dict[str, tuple[str, str]], allowed: set[str] | None, exclude: str = ""
) -> tuple[Any, Any, bool]:
    """Split a TF value into (value without references, expressions with references, found any).

    `index` maps identity strings to (address, attribute); `allowed` restricts to those addresses,
    `exclude` is the resource's own address. A removed value is returned as None so the caller drops it.
    """

    def ok(hit: tuple[str, str] | None) -> bool:
        return hit is not None and hit[0] != exclude and (allowed is None or hit[0] in allowed)

    if isinstance(value, str):
        hit = index.get(value)
        if hit is not None and ok(hit):
            return None, {"references": _refs(*hit)}, True
        if allowed is not None:
            # Derived from a dependency's output (`f"{log_group.arn}:*"`): Terraform keeps the
            # interpolation, so the value stays and the reference is added.
            refs = [r for h in _embedded(value, index) if ok(h) for r in _refs(*h)]
            if refs:
                return value, {"references": refs}, True
        return value, None, False
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            hits = [index.get(v) for v in value]
            refs = [r for h in hits if h is not None and ok(h) for r in _refs(*h)]
            if allowed is not None:
                refs += [
                    r
                    for v, h in zip(value, hits, strict=True)
                    if not ok(h)
                    for e in _embedded(v, index)
                    if ok(e)
                    for r in _refs(*e)
                ]
            if refs:
                kept = [v for v, h in zip(value, hits, strict=True) if not ok(h)]
                return (kept or None), {"references": refs}, True
            return value, None, False
        if value and all(isinstance(v, dict) for v in value):
            new_items, exprs, any_found = [], [], False
            for item in value:
                v, e, f = _walk_refs(item, index, allowed, exclude)
                new_items.append(v)
                exprs.append(e or {})
                any_found = any_found or f
            return new_items, (exprs if any_found else None), any_found
        return value, None, False
    if isinstance(value, dict):
        kept_d: dict[str, Any] = {}
        exprs_d: dict[str, Any] = {}
        for key, item in value.items():
            v, e, _ = _walk_refs(item, index, allowed, exclude)
            if v is not None:
                kept_d[key] = v
            if e is not None:
                exprs_d[key] = e
        return kept_d, (exprs_d or None), bool(exprs_d)
    return value, None, False


DEFAULT_PROVIDER_ADDRESS = "aws.default"
DEFAULT_PROVIDER_URN = "default-provider:aws"
"""Stand-in URN for the stack's default aws provider, which the mock runtime does not register."""


def provider_config(graph: StackGraph) -> tuple[dict[str, Any], dict[str, str]]:
    """`configuration.provider_config` for the stack's AWS providers, and provider address -> URN.

    Explicit `aws.Provider` resources become aliased providers (so CKV_AWS_41, hard-coded credentials,
    sees their arguments); without a registered default provider a region-only default is emitted,
    which maps to no resource.
    """
    config: dict[str, Any] = {}
    addresses: dict[str, str] = {}
    for resource in graph.resources:
        if resource.type != "pulumi:providers:aws":
            continue
        expressions = {
            mapping.camel_to_snake(key): {"constant_value": value}
            for key, value in resource.inputs.items()
            if isinstance(value, str | int | bool) and key != "version" and not key.startswith("__")
        }
        default = resource.name.startswith("default")
        alias = "default" if default else sanitize(resource.name)
        key = "aws" if default else f"aws.{alias}"
        entry: dict[str, Any] = {"name": "aws", "full_name": PROVIDER, "expressions": expressions}
        if not default:
            entry["alias"] = alias
        config[key] = entry
        addresses[f"aws.{alias}"] = resource.urn
    uses_default = any(r.custom and r.type.startswith("aws:") for r in graph.resources)
    if "aws" not in config and uses_default:
        # The default provider is configured by stack config (aws:region in Pulumi.<env>.yaml): only
        # the region is carried over, so a region-less stack is visible as such to provider checks.
        expressions = {
            mapping.camel_to_snake(key): {"constant_value": value}
            for key, value in graph.default_provider.items()
        }
        config["aws"] = {"name": "aws", "full_name": PROVIDER, "expressions": expressions}
        addresses[DEFAULT_PROVIDER_ADDRESS] = DEFAULT_PROVIDER_URN
    return config, addresses


def emittable(graph: StackGraph) -> tuple[list[tuple[Resource, str]], dict[str, str]]:
    """(resource, TF type) pairs that have a Terraform equivalent, and URN -> reason for the rest."""
    kept: list[tuple[Resource, str]] = []
    skipped: dict[str, str] = {}
    for resource in graph.resources:
        if not resource.custom:
            skipped[resource.urn] = "component resource"
            continue
        if resource.type.startswith("pulumi:"):
            skipped[resource.urn] = "Pulumi internal resource"
            continue
        tf_type = mapping.tf_type(resource.type)
        if tf_type is None:
            skipped[resource.urn] = "not an AWS resource"
            continue
        kept.append((resource, tf_type))
    return kept, skipped


def _provider_key(resource: Resource, provider_keys: dict[str, str]) -> str:
    """`provider_config` key of the provider a resource uses (`Resource.provider` is `<urn>::<id>`)."""
    return provider_keys.get((resource.provider or "").rsplit("::", 1)[0], "aws")


def _iter_dependencies(resource: Resource, prop: str) -> Iterator[str]:
    yield from resource.property_dependencies.get(prop, [])


def to_terraform_plan(graph: StackGraph) -> BridgedPlan:
    """Convert an evaluated stack to Terraform plan JSON with references, for Checkov."""
    kept, skipped = emittable(graph)
    by_urn = assign_addresses(kept)
    identities = {by_urn[r.urn]: _identities(r) for r, _ in kept}
    derived = {by_urn[r.urn]: _derived_identities(r) for r, _ in kept}
    strong: dict[str, tuple[str, str]] = {}
    for address, known in identities.items():
        for identity, attribute in known.items():
            if attribute in STRONG_IDENTITIES:
                strong.setdefault(identity, (address, attribute))

    providers, provider_addresses = provider_config(graph)
    provider_keys = {urn: "aws" if a == "aws.default" else a for a, urn in provider_addresses.items()}
    planned: list[dict[str, Any]] = []
    configured: list[dict[str, Any]] = []
    for resource, tf_type in kept:
        address = by_urn[resource.urn]
        name = address.split(".", 1)[1]
        key = mapping.args_key(resource.type)
        schema = mapping.fields(key, tf_type) if key is not None else {}
        values: dict[str, Any] = {}
        expressions: dict[str, Any] = {}
        for prop, raw in resource.inputs.items():
            if prop.startswith("__"):
                continue
            field = schema.get(prop)
            tf_name = field.tf_name if field else mapping.camel_to_snake(prop)
            value = mapping.to_tf_value(raw, field)
            deps = {by_urn[u] for u in _iter_dependencies(resource, prop) if u in by_urn}
            deps.discard(address)
            unknown = raw is None or raw == mapping.UNKNOWN  # the evaluator records unknowns as None
            if value is None:
                if unknown and deps:
                    expressions[tf_name] = {"references": [r for d in sorted(deps) for r in _refs(d, "id")]}
                continue
            unresolved: list[str] = []
            if (
                isinstance(value, list)
                and None in value
                and deps
                and not any(isinstance(v, dict) for v in value)
            ):
                # `records=[eip.public_ip]` with the IP unknown: the element is a reference in Terraform.
                value = [v for v in value if v is not None]
                unresolved = [r for d in sorted(deps) for r in _refs(d, "id")]
            if prop in NOT_REFERENCES:
                kept_value, expr, _ = value, None, False
            elif deps:
                index = {v: (d, a) for d in sorted(deps) for v, a in derived[d].items()}
                kept_value, expr, _ = _walk_refs(value, index, deps)
            else:
                kept_value, expr, _ = _walk_refs(value, strong, None, exclude=address)
            if unresolved:
                known = expr.get("references", []) if isinstance(expr, dict) else []
                expr = {"references": known + [r for r in unresolved if r not in known]}
            if kept_value is not None and kept_value != [] and kept_value != {}:
                values[tf_name] = kept_value
            if expr is not None:
                expressions[tf_name] = expr
        planned.append(
            {
                "address": address,
                "mode": "managed",
                "type": tf_type,
                "name": name,
                "provider_name": PROVIDER,
                "schema_version": 0,
                "values": values,
                "sensitive_values": {},
            }
        )
        configured.append(
            {
                "address": address,
                "mode": "managed",
                "type": tf_type,
                "name": name,
                "provider_config_key": _provider_key(resource, provider_keys),
                "expressions": expressions,
                "schema_version": 0,
            }
        )

    plan = {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": planned}},
        "configuration": {
            "provider_config": providers,
            "root_module": {"resources": configured},
        },
    }
    addresses = {a: u for u, a in by_urn.items()} | provider_addresses
    return BridgedPlan(plan=plan, addresses=addresses, skipped=skipped)
