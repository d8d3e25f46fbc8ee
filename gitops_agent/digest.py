"""Stable plan digest of a stack's desired state."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from compliance.model import StackGraph
from compliance.preview.diff import count_changes


def normalized_state(graph: StackGraph) -> dict[str, Any]:
    """The run-independent part of a graph: resources (urn, type, inputs) sorted by URN, and outputs."""
    resources = sorted(
        ({"urn": r.urn, "type": r.type, "inputs": r.inputs} for r in graph.resources),
        key=lambda r: (r["urn"], r["type"]),
    )
    return {"resources": resources, "outputs": graph.outputs}


def plan_digest(graph: StackGraph) -> str:
    """sha256 (hex) of the normalized desired state: equal for equal programs, config and inputs."""
    canonical = json.dumps(
        normalized_state(graph), sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def resource_digests(graph: StackGraph) -> dict[str, str]:
    """URN -> short sha256 of that resource's type and inputs (to say what changed between applies)."""
    out: dict[str, str] = {}
    for r in graph.resources:
        canonical = json.dumps({"type": r.type, "inputs": r.inputs}, sort_keys=True, default=str)
        out[r.urn] = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return out


def describe_changes(
    before: Mapping[str, str], after: Mapping[str, str], aliases: Mapping[str, Sequence[str]] | None = None
) -> str:
    """'+1 ~2 -0 =3': resources created, updated, deleted and unchanged between two resource_digests,
    matched like `gitops preview` matches them (URN, then the `aliases` option: URN -> alias URNs)."""
    return count_changes(before, after, aliases).line()
