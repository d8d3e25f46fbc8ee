"""The difference between two resource graphs of one stack, by URN: create, update, delete.

Pure functions. A resource whose URN is unchanged, or that names the old URN in its `aliases`
option, is the same resource (an update when its inputs or `protect` changed). Anything else is a
delete plus a create; when both have the same type and parent (and, if several, the same source
line), the pair is marked as a likely rename that an alias would turn into an update.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from compliance.model import Resource, StackGraph
from compliance.preview.model import ChangeCounts, Op, OutputChange, ResourceChange, StackPreview
from compliance.preview.properties import property_changes, short_value
from compliance.preview.stateful import is_stateful

__all__ = ["canonical_urn", "count_changes", "diff_graphs", "diff_outputs", "match_resources"]

_STACK_QUALIFIER = "::pulumi:pulumi:Stack$"


def canonical_urn(urn: str) -> str:
    """A URN without the stack type the mock runtime puts before top-level types, so graph URNs and
    URNs written by users (`urn:pulumi:dev::app::aws:s3/bucketV2:BucketV2::logs`) compare equal."""
    return urn.replace(_STACK_QUALIFIER, "::", 1)


def match_resources(
    before: Sequence[str], after: Mapping[str, Sequence[str]]
) -> tuple[dict[str, str], list[str], list[str]]:
    """Pair URNs across two revisions: ({after urn: before urn}, created, deleted).

    `before`: URNs at the base; `after`: URN in the new revision -> its alias URNs. A URN matches
    itself first; otherwise the first alias naming an unmatched base URN links them.
    """
    base = {canonical_urn(u): u for u in before}
    taken: set[str] = set()
    pairs: dict[str, str] = {}
    pending: list[str] = []
    for urn in after:
        key = canonical_urn(urn)
        if key in base:
            pairs[urn] = base[key]
            taken.add(key)
        else:
            pending.append(urn)
    created: list[str] = []
    for urn in pending:
        for alias in after[urn]:
            key = canonical_urn(alias)
            if key in base and key not in taken:
                pairs[urn] = base[key]
                taken.add(key)
                break
        else:
            created.append(urn)
    deleted = [u for u in before if canonical_urn(u) not in taken]
    return pairs, created, deleted


def count_changes(
    before: Mapping[str, str], after: Mapping[str, str], aliases: Mapping[str, Sequence[str]] | None = None
) -> ChangeCounts:
    """Counts between two {URN: fingerprint of the resource's inputs} maps, matched like diff_graphs."""
    aliases = aliases or {}
    pairs, created, deleted = match_resources(list(before), {u: aliases.get(u, ()) for u in after})
    updated = sum(1 for new, old in pairs.items() if before[old] != after[new])
    return ChangeCounts(create=len(created), update=updated, delete=len(deleted), same=len(pairs) - updated)


def _change(resource: Resource, op: Op, **extra: Any) -> ResourceChange:
    source = resource.source
    return ResourceChange(
        op=op,
        urn=canonical_urn(resource.urn),
        resource=resource.name,
        type=resource.type,
        file=source.file if source else None,
        line=source.line if source else None,
        stateful=is_stateful(resource.type),
        custom=resource.custom,
        protect=resource.protect,
        retain_on_delete=resource.retain_on_delete,
        **extra,
    )


def _mark_unaliased_renames(
    created: list[ResourceChange], deleted: list[ResourceChange], parents: Mapping[str, str]
) -> None:
    """Link a delete and a create of the same type under the same parent (same line if ambiguous)."""
    groups: dict[tuple[str, str], tuple[list[ResourceChange], list[ResourceChange]]] = defaultdict(
        lambda: ([], [])
    )
    for change in deleted:
        groups[(change.type, parents.get(change.urn, ""))][0].append(change)
    for change in created:
        groups[(change.type, parents.get(change.urn, ""))][1].append(change)
    for gone, new in groups.values():
        if len(gone) == 1 and len(new) == 1:
            gone[0].unaliased_rename, new[0].unaliased_rename = new[0].urn, gone[0].urn
            continue
        for old in gone:
            same_line = [
                c for c in new if c.unaliased_rename is None and (c.file, c.line) == (old.file, old.line)
            ]
            if old.file is not None and len(same_line) == 1:
                old.unaliased_rename, same_line[0].unaliased_rename = same_line[0].urn, old.urn


def _parent_key(resource: Resource) -> str:
    return canonical_urn(resource.parent) if resource.parent else ""


def diff_outputs(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[OutputChange]:
    """Stack outputs added, removed or changed (values shortened; secrets stay `[secret]`)."""
    return [
        OutputChange(name=name, before=short_value(before.get(name)), after=short_value(after.get(name)))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name) or (name in before) != (name in after)
    ]


def diff_graphs(base: StackGraph | None, head: StackGraph | None) -> StackPreview:
    """What applying `head` changes in a stack that is at `base` (None: the stack does not exist
    there). Both graphs must have evaluated (no `error`); the runner reports errors itself."""
    some = head or base
    if some is None:
        raise ValueError("diff_graphs needs at least one graph")
    old = {r.urn: r for r in (base.resources if base else [])}
    new = {r.urn: r for r in (head.resources if head else [])}
    pairs, _created_urns, deleted_urns = match_resources(list(old), {u: r.aliases for u, r in new.items()})
    changes: list[ResourceChange] = []
    counts = ChangeCounts()
    created: list[ResourceChange] = []
    for urn, resource in new.items():
        if urn not in pairs:
            change = _change(resource, "create")
            created.append(change)
            changes.append(change)
            counts.create += 1
            continue
        previous = old[pairs[urn]]
        props = property_changes(resource.type, previous.inputs, resource.inputs)
        renamed = canonical_urn(previous.urn) if canonical_urn(previous.urn) != canonical_urn(urn) else None
        protect_before = previous.protect if previous.protect != resource.protect else None
        if props or renamed or protect_before is not None:
            changes.append(
                _change(
                    resource, "update", properties=props, renamed_from=renamed, protect_before=protect_before
                )
            )
            counts.update += 1
        else:
            counts.same += 1
    deleted = [_change(old[urn], "delete") for urn in deleted_urns]
    counts.delete = len(deleted)
    changes.extend(deleted)
    parents = {canonical_urn(r.urn): _parent_key(r) for r in [*old.values(), *new.values()]}
    _mark_unaliased_renames(created, deleted, parents)
    status = "new" if base is None else "removed" if head is None else "changed" if changes else "unchanged"
    outputs = diff_outputs(base.outputs if base else {}, head.outputs if head else {})
    if status == "unchanged" and outputs:
        status = "changed"
    return StackPreview(
        project=some.project,
        path=some.path,
        env=some.env,
        changes=changes,
        outputs=outputs,
        summary=counts,
        status=status,
    )
