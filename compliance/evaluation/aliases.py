"""The URNs a registered resource was known by before: its `aliases` option, resolved like the engine.

Runs inside the evaluation worker (no pydantic). An alias is either a URN or a spec whose empty
fields default to the resource's own name, type, stack, project and parent. A child of an aliased
parent inherits one alias per parent alias, its name prefix renamed like the parent, as the engine
does for components that are renamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def make_urn(parent: str, type_: str, name: str, *, stack: str, project: str) -> str:
    """The URN the mock monitor gives a resource: its parent's own type (the stack's for top-level
    resources) qualifies the type. Compare URNs with compliance.preview.diff.canonical_urn."""
    if parent:
        type_ = f"{parent.split('::')[2].split('$')[-1]}${type_}"
    return "urn:pulumi:" + "::".join([stack, project, type_, name])


def _name(urn: str) -> str:
    return urn.split("::")[-1]


def alias_urns(
    request: Any, urn: str, evaluation: Mapping[str, Any], resources: Mapping[str, tuple[int, dict[str, Any]]]
) -> list[str]:
    """Alias URNs of one RegisterResourceRequest (`aliases`, `aliasURNs`), plus those inherited from
    its parent's aliases; sorted, without the resource's own URN."""
    stack, project = str(evaluation["env"]), str(evaluation["project"])
    found: set[str] = set(getattr(request, "aliasURNs", []) or [])
    for alias in getattr(request, "aliases", []) or []:
        if alias.WhichOneof("alias") == "urn":
            found.add(alias.urn)
            continue
        spec = alias.spec
        parent = "" if spec.noParent else spec.parentUrn or request.parent
        found.add(
            make_urn(
                parent,
                spec.type or request.type,
                spec.name or request.name,
                stack=spec.stack or stack,
                project=spec.project or project,
            )
        )
    parent_entry = resources.get(request.parent) if request.parent else None
    if parent_entry is not None:
        parent_resource = parent_entry[1]
        parent_name = str(parent_resource.get("name") or "")
        for parent_alias in parent_resource.get("aliases") or []:
            name = request.name
            if parent_name and name.startswith(parent_name):
                name = _name(parent_alias) + name[len(parent_name) :]
            found.add(make_urn(parent_alias, request.type, name, stack=stack, project=project))
    found.discard(urn)
    return sorted(found)
