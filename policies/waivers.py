"""Waivers (policies/waivers.yaml): owned, time-boxed exceptions for one check on one resource.

A matching, unexpired waiver turns a failed finding into `waived`. Expired waivers never apply and
block the gate; waivers expiring soon are warnings; waivers that match nothing are stale, and a
stale waiver whose resource is close to a real one suggests it ("did you mean `orders-api`?").
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from compliance.model import Finding
from policies.yamlfile import load_yaml_model

WAIVERS_FILE = "waivers.yaml"
EXPIRY_WARNING = timedelta(days=14)


class Waiver(BaseModel):
    """One exception. `resource` is the finding's resource, the Pulumi logical name (exact, or a glob
    like `logs-*`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(min_length=1)
    resource: str = Field(min_length=1)
    stack: str | None = None
    env: str | None = None
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: date

    @field_validator("check", "resource", "reason", "owner")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("expires", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expires {value!r} is not a YYYY-MM-DD date") from None
        return value

    def matches(self, project: str, env: str, finding: Finding) -> bool:
        """Whether this waiver covers `finding` of stack `project` in environment `env`."""
        return (
            self.check == finding.check_id
            and (self.resource == finding.resource or fnmatch.fnmatchcase(finding.resource, self.resource))
            and self.stack in (None, project)
            and self.env in (None, env)
        )

    def record(self) -> dict[str, Any]:
        """A JSON-ready description for reports."""
        return self.model_dump(mode="json")


class WaiverFile(BaseModel):
    """The whole waivers file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[Waiver] = Field(default_factory=list)


def load_waivers(policies_dir: Path) -> list[Waiver]:
    """Read `<policies_dir>/waivers.yaml` (no waivers when the file is absent)."""
    return load_yaml_model(policies_dir / WAIVERS_FILE, WaiverFile, missing_ok=True).waivers


@dataclass
class WaiverOutcome:
    """What apply_waivers did: the findings (updated in place) and the waivers per state."""

    findings: list[tuple[str, str, Finding]]
    applied: list[Waiver] = field(default_factory=list)
    expired: list[Waiver] = field(default_factory=list)
    expiring: list[Waiver] = field(default_factory=list)
    stale: list[Waiver] = field(default_factory=list)
    did_you_mean: dict[Waiver, str] = field(default_factory=dict)
    """Stale waiver -> the resource name of this run it was probably meant for."""

    def messages(self) -> list[str]:
        """One line per expired, expiring and stale waiver, naming check, resource and owner."""
        lines = [
            f"expired waiver {w.check} on {w.resource} (owner {w.owner}, expired {w.expires})"
            for w in self.expired
        ]
        lines += [
            f"waiver {w.check} on {w.resource} expires {w.expires} (owner {w.owner})" for w in self.expiring
        ]
        lines += [
            f"stale waiver {w.check} on {w.resource}: matches no failed finding"
            + (f"; did you mean `{self.did_you_mean[w]}`?" if w in self.did_you_mean else "")
            for w in self.stale
        ]
        return lines

    def summary(self) -> dict[str, list[dict[str, Any]]]:
        """JSON-ready lists: applied, expired (block the gate), expiring (warn), stale (warn)."""
        return {
            "applied": [w.record() for w in self.applied],
            "expired": [w.record() for w in self.expired],
            "expiring": [w.record() for w in self.expiring],
            "stale": [
                {**w.record(), **({"did_you_mean": self.did_you_mean[w]} if w in self.did_you_mean else {})}
                for w in self.stale
            ],
        }


def _in_scope(waiver: Waiver, stacks: set[str], envs: set[str]) -> bool:
    return (waiver.stack is None or waiver.stack in stacks) and (waiver.env is None or waiver.env in envs)


def apply_waivers(
    findings: Sequence[tuple[str, str, Finding]], waivers: Sequence[Waiver], *, today: date
) -> WaiverOutcome:
    """Waive failed findings (tagged (project, env)) covered by an unexpired waiver.

    A waived finding gets result `waived` and `waiver` {reason, owner, expires}; the Finding objects are
    updated in place (and returned in the outcome). Only waivers for stacks/envs in this run are judged
    expired or stale, so a partial run (--changed-since) does not report other teams' waivers.
    """
    stacks = {project for project, _, _ in findings}
    envs = {env for _, env, _ in findings}
    outcome = WaiverOutcome(findings=list(findings))
    live = [w for w in waivers if w.expires >= today]
    used: set[int] = set()
    for project, env, finding in findings:
        if finding.result != "failed":
            continue
        for index, waiver in enumerate(live):
            if waiver.matches(project, env, finding):
                finding.result = "waived"
                finding.waiver = {
                    "reason": waiver.reason,
                    "owner": waiver.owner,
                    "expires": str(waiver.expires),
                }
                used.add(index)
                break
    outcome.applied = [w for i, w in enumerate(live) if i in used]
    outcome.expired = [w for w in waivers if w.expires < today and _in_scope(w, stacks, envs)]
    outcome.expiring = [w for w in live if w.expires - today <= EXPIRY_WARNING and _in_scope(w, stacks, envs)]
    outcome.stale = [w for i, w in enumerate(live) if i not in used and _in_scope(w, stacks, envs)]
    for waiver in outcome.stale:
        hint = closest_resource(waiver, findings)
        if hint is not None:
            outcome.did_you_mean[waiver] = hint
    return outcome


def closest_resource(waiver: Waiver, findings: Iterable[tuple[str, str, Finding]]) -> str | None:
    """The resource name in `findings` (within the waiver's stack and env) closest to the waiver's,
    when it is close enough to be a typo or a Terraform-style address, and not the same name."""
    if any(ch in waiver.resource for ch in "*?["):
        return None
    names = sorted(
        {
            f.resource
            for project, env, f in findings
            if waiver.stack in (None, project) and waiver.env in (None, env)
        }
    )
    wanted = waiver.resource.rsplit(".", 1)[-1] if "." in waiver.resource else waiver.resource
    for candidate in (waiver.resource, wanted):
        match = difflib.get_close_matches(candidate, names, n=1, cutoff=0.6)
        if match and match[0] != waiver.resource:
            return match[0]
    return None
