"""Stable plan digest of a stack's desired state."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from compliance.model import StackGraph


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


def describe_changes(before: dict[str, str], after: dict[str, str]) -> str:
    """'+1 ~2 -0 =3': resources added, changed, removed and unchanged between two resource_digests."""
    added = sum(1 for urn in after if urn not in before)
    removed = sum(1 for urn in before if urn not in after)
    changed = sum(1 for urn, h in after.items() if urn in before and before[urn] != h)
    same = len(after) - added - changed
    return f"+{added} ~{changed} -{removed} ={same}"
