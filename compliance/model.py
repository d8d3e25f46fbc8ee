"""Data that crosses module boundaries in the gate: resource graphs, findings, reports.

Everything here is a pydantic model so it is validated once, where it enters (evaluation subprocess
output, preview/state files, Checkov results), and serialises the same way everywhere.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from compliance.constants import SECRET as SECRET  # re-exported: most users import it from here

Result = Literal["passed", "failed", "waived", "skipped"]
Level = Literal["mandatory", "advisory", "disabled"]


class SourcePosition(BaseModel):
    """A line of Python, relative to the repository (or project) root when possible."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int


class Resource(BaseModel):
    """One resource of an evaluated Pulumi program, as registered with the engine."""

    urn: str
    type: str = Field(description="Pulumi type token, e.g. aws:s3/bucketV2:BucketV2")
    name: str = Field(description="logical name")
    custom: bool = True
    remote: bool = Field(
        default=False, description="a component registered with remote=True (multi-language component)"
    )
    id: str | None = None
    parent: str | None = None
    provider: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    protect: bool = False
    retain_on_delete: bool = False
    aliases: list[str] = Field(
        default_factory=list, description="URNs this resource was known by before (the `aliases` option)"
    )
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    property_dependencies: dict[str, list[str]] = Field(
        default_factory=dict, description="input property name -> URNs its value came from"
    )
    source: SourcePosition | None = Field(
        default=None, description="primary position: the stack program line (outermost user frame)"
    )
    source_inner: SourcePosition | None = Field(
        default=None, description="innermost user frame (inside a component), when different"
    )


class StackGraph(BaseModel):
    """The desired state of one project in one environment."""

    project: str
    path: str
    env: str
    resources: list[Resource] = Field(default_factory=list)
    outputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    default_provider: dict[str, Any] = Field(
        default_factory=dict, description="stack config the default aws provider uses (region only)"
    )
    default_provider_source: SourcePosition | None = Field(
        default=None, description="where that config is set: the `aws:region` line of Pulumi.<env>.yaml"
    )
    confinement: str | None = Field(
        default=None, description="how the program was confined while it ran (compliance.sandbox.Confinement)"
    )


class Finding(BaseModel):
    """One check result on one resource. The first fields are the JSON contract of `gitops check`."""

    check_id: str
    title: str
    severity: str | None = None
    result: Result
    resource: str
    type: str
    file: str | None = None
    line: int | None = None
    guideline: str | None = None
    level: Level = "mandatory"
    controls: list[str] = Field(default_factory=list)
    waiver: dict[str, str] | None = None
    message: str | None = None
    call_line: int | None = Field(
        default=None, description="line of the call declaring the resource (`line` may be a keyword's line)"
    )


UncheckedReason = Literal[
    "other provider", "dynamic provider", "unexpanded remote component", "type unknown to the bridge"
]


class Unchecked(BaseModel):
    """A resource the gate counted but could not check, and why (JSON contract: `unchecked`)."""

    resource: str
    type: str
    reason: UncheckedReason


class StackReport(BaseModel):
    """The gate's verdict for one project in one environment (JSON contract of `gitops check`)."""

    project: str
    path: str
    env: str
    resources: int
    error: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    unchecked: list[Unchecked] = Field(default_factory=list)
    confinement: str | None = None

    def blocking(self) -> list[str]:
        """Reasons this stack must not be applied: an evaluation error or failed mandatory findings."""
        reasons = [f"evaluation error: {self.error}"] if self.error else []
        reasons += [
            f"{f.check_id} failed on {f.resource} ({f.file}:{f.line})"
            for f in self.findings
            if f.result == "failed" and f.level == "mandatory"
        ]
        return reasons


class Report(BaseModel):
    """All stacks checked in one run, plus a summary (counts, frameworks, waivers, policy source)."""

    stacks: list[StackReport] = Field(default_factory=list)
    summary: dict[str, Any] = Field(default_factory=dict)

    def blocking(self, project: str) -> list[str]:
        """Reasons `project` is blocked (empty when it may be applied)."""
        reasons: list[str] = []
        for stack in self.stacks:
            if stack.project == project:
                reasons += stack.blocking()
        for waiver in self.summary.get("waivers", {}).get("expired", []):
            if waiver.get("stack") in (None, project):
                reasons.append(f"expired waiver {waiver.get('check')} on {waiver.get('resource')}")
        return reasons
