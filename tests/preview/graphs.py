"""Small synthetic graphs for the preview's pure tests."""

from __future__ import annotations

from typing import Any

from compliance.model import Resource, SourcePosition, StackGraph

STACK = "urn:pulumi:dev::app::pulumi:pulumi:Stack::app-dev"


def urn(type_: str, name: str, parent_type: str = "pulumi:pulumi:Stack") -> str:
    """A URN in the mock runtime's spelling."""
    return f"urn:pulumi:dev::app::{parent_type}${type_}::{name}"


def resource(type_: str, name: str, line: int = 1, **fields: Any) -> Resource:
    """A custom resource at stacks/app/__main__.py:`line`."""
    return Resource(
        urn=fields.pop("urn", None) or urn(type_, name),
        type=type_,
        name=name,
        parent=fields.pop("parent", STACK),
        source=SourcePosition(file="stacks/app/__main__.py", line=line),
        **fields,
    )


def graph(*resources: Resource, outputs: dict[str, Any] | None = None, project: str = "app") -> StackGraph:
    return StackGraph(
        project=project, path=f"stacks/{project}", env="dev", resources=list(resources), outputs=outputs or {}
    )
