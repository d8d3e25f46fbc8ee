"""Failed findings a change introduces and fixes: the gate's findings at two revisions, compared by
(stack, env, check, resource type, resource name)."""

from __future__ import annotations

from collections.abc import Iterable

from compliance.model import Finding, Report, StackReport
from compliance.preview.model import FindingsDelta

__all__ = ["FindingKey", "findings_delta", "group_report"]

FindingKey = tuple[str, str, str, str, str]


def _key(stack: StackReport, finding: Finding) -> FindingKey:
    return (stack.project, stack.env, finding.check_id, finding.type, finding.resource)


def _failed(stacks: Iterable[StackReport]) -> dict[FindingKey, Finding]:
    return {_key(s, f): f for s in stacks for f in s.findings if f.result == "failed"}


def findings_delta(base: StackReport | None, head: StackReport | None) -> FindingsDelta:
    """New failed findings (in `head`, not failed in `base`) and fixed ones (the other way round);
    mandatory and advisory alike. A stack missing on one side has no findings there."""
    before = _failed([base] if base else [])
    after = _failed([head] if head else [])
    return FindingsDelta(
        new=[f for k, f in after.items() if k not in before],
        fixed=[f for k, f in before.items() if k not in after],
        existing=sum(1 for k in after if k in before),
    )


def group_report(base: Report, head: Report) -> dict[tuple[str, str], FindingsDelta]:
    """findings_delta for every stack of `head` (and stacks only `base` has), by (project, env)."""
    old = {(s.project, s.env): s for s in base.stacks}
    new = {(s.project, s.env): s for s in head.stacks}
    return {
        key: findings_delta(old.get(key), new.get(key)) for key in [*new, *(k for k in old if k not in new)]
    }
