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
