"""The preview's data: what changes per stack between two revisions (JSON contract of `gitops preview`).

The first fields of each model are the contract other tools rely on; fields may be added, none
removed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from compliance.model import Finding

Op = Literal["create", "update", "delete"]


class PropertyChange(BaseModel):
    """One changed input property: `path` like `origins[0].domain_name`; values shortened and masked."""

    path: str
    before: Any = None
    after: Any = None


class ResourceChange(BaseModel):
    """One resource created, updated or deleted, by URN (type + logical name, parent chain included)."""

    op: Op
    urn: str
    resource: str = Field(description="logical name")
    type: str
    file: str | None = None
    line: int | None = None
    properties: list[PropertyChange] = Field(default_factory=list)
    stateful: bool = False
    custom: bool = True
    protect: bool = False
    protect_before: bool | None = Field(default=None, description="set when `protect` changed")
    retain_on_delete: bool = False
    renamed_from: str | None = Field(default=None, description="old URN, when an alias links them")
    unaliased_rename: str | None = Field(
        default=None,
        description="the URN this delete/create probably renames to/from (no alias links them)",
    )

    @property
    def protect_changed(self) -> bool:
        """True when the change turns `protect` on or off."""
        return self.protect_before is not None


class OutputChange(BaseModel):
    """One stack output added, removed or changed (None on the side where it does not exist)."""

    name: str
    before: Any = None
    after: Any = None


class FindingsDelta(BaseModel):
    """Failed findings (mandatory and advisory) this change introduces, and those it fixes."""

    new: list[Finding] = Field(default_factory=list)
    fixed: list[Finding] = Field(default_factory=list)
    existing: int = Field(default=0, description="failed at both revisions (already there)")


class ChangeCounts(BaseModel):
    """How many resources are created, updated, deleted and unchanged."""

    create: int = 0
    update: int = 0
    delete: int = 0
    same: int = 0

    def line(self) -> str:
        """`+1 ~2 -0 =30`."""
        return f"+{self.create} ~{self.update} -{self.delete} ={self.same}"


class StackPreview(BaseModel):
    """The difference for one project in one environment (an `error` at either revision stops it)."""

    project: str
    path: str
    env: str
    error: str | None = None
    changes: list[ResourceChange] = Field(default_factory=list)
    outputs: list[OutputChange] = Field(default_factory=list)
    findings: FindingsDelta = Field(default_factory=FindingsDelta)
    summary: ChangeCounts = Field(default_factory=ChangeCounts)
    status: Literal["changed", "unchanged", "new", "removed", "error"] = "unchanged"


class Preview(BaseModel):
    """Every affected stack, compared between revision `base` and the working tree."""

    base: str
    stacks: list[StackPreview] = Field(default_factory=list)
    policies: str | None = Field(default=None, description="revision the findings were judged with")
