"""Which resources of an evaluated stack the gate counted but could not check, and why.

Checkov judges Terraform AWS resources only. Of a stack's resources, these are left out:
- "other provider": a resource of another provider (`random:`, `docker:`, `command:` ...);
- "dynamic provider": a Pulumi dynamic resource (`pulumi-python:dynamic:Resource`);
- "unexpanded remote component": a multi-language component (`awsx:ec2:Vpc`, `eks:index:Cluster`)
  whose children never appear under the mock runtime, so nothing inside it was checked;
- "type unknown to the bridge": an `aws:` type the bridge cannot map to a Terraform type.
Provider resources (`pulumi:providers:*`) and components whose children were registered are not
listed: the children are what is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from compliance.bridge import BridgedPlan
from compliance.model import Resource, StackGraph, Unchecked, UncheckedReason

__all__ = ["REMOTE_COMPONENT_PACKAGES", "counted_resources", "known_aws_type", "unchecked"]

DYNAMIC_TYPES = frozenset({"pulumi-python:dynamic:Resource", "pulumi-nodejs:dynamic:Resource"})

REMOTE_COMPONENT_PACKAGES = frozenset(
    {
        "awsx",
        "eks",
        "aws-apigateway",
        "aws-static-website",
        "aws-quickstart-vpc",
        "aws-quickstart-aurora-postgres",
        "aws-quickstart-redshift",
        "aws-s3-replicated-bucket",
    }
)
"""Packages whose Python SDK ships only multi-language (remote) components, e.g. `awsx:ec2:Vpc`."""


def known_aws_type(token: str) -> bool:
    """Whether the bridge knows the pulumi-aws type `token` (its Terraform type and its fields)."""
    from compliance import mapping

    if token in mapping.TYPE_OVERRIDES:
        return True
    try:
        return mapping.args_key(token) is not None
    except Exception:  # pulumi_aws missing or broken in the gate's environment: not known
        return False


def _package(token: str) -> str:
    return token.split(":", 1)[0]


def _is_remote(resource: Resource) -> bool:
    return not resource.custom and (resource.remote or _package(resource.type) in REMOTE_COMPONENT_PACKAGES)


def _reason(resource: Resource, has_children: bool, known: Callable[[str], bool]) -> UncheckedReason | None:
    if not resource.custom:
        return "unexpanded remote component" if _is_remote(resource) and not has_children else None
    token = resource.type
    if token in DYNAMIC_TYPES:
        return "dynamic provider"
    if token.startswith("pulumi:"):
        return None  # providers and the engine's own resources
    if not token.startswith("aws:"):
        return "other provider"
    return None if known(token) else "type unknown to the bridge"


def unchecked(
    graph: StackGraph,
    bridged: BridgedPlan | None = None,
    *,
    known: Callable[[str], bool] = known_aws_type,
) -> list[Unchecked]:
    """The resources of `graph` no check looked at, in registration order, with the reason.

    `bridged` (the bridge's result for the graph) adds `aws:` resources the bridge left out.
    """
    parents = {r.parent for r in graph.resources if r.parent}
    skipped = bridged.skipped if bridged is not None else {}
    found: list[Unchecked] = []
    for resource in graph.resources:
        reason = _reason(resource, resource.urn in parents, known)
        if (
            reason is None
            and resource.custom
            and resource.type.startswith("aws:")
            and resource.urn in skipped
        ):
            reason = "type unknown to the bridge"
        if reason is not None:
            found.append(Unchecked(resource=resource.name, type=resource.type, reason=reason))
    return found


def counted_resources(resources: Iterable[Resource]) -> int:
    """What `resources` counts for a stack: custom resources plus unexpanded remote components."""
    items = list(resources)
    parents = {r.parent for r in items if r.parent}
    return sum(1 for r in items if r.custom or (_is_remote(r) and r.urn not in parents))
