"""The agent's plan-only summary and `+a ~u -d =s` use the preview's matching and agree on counts."""

from __future__ import annotations

from pathlib import Path

from graphs import graph, resource, urn

from compliance.model import Resource
from gitops_agent.digest import describe_changes, resource_digests
from gitops_agent.engines import PlanOnlyEngine

QUEUE = "aws:sqs/queue:Queue"


def component(name: str) -> Resource:
    return Resource(urn=urn("acme:index:Queues", name), type="acme:index:Queues", name=name, custom=False)


def test_recorded_count_equals_the_change_counts() -> None:
    g = graph(component("batch"), resource(QUEUE, "a"), resource(QUEUE, "b"))
    summary = PlanOnlyEngine().apply(Path("."), g).summary
    assert summary == "recorded 3 resources (plan-only)"
    assert describe_changes({}, resource_digests(g)) == "+3 ~0 -0 =0"


def test_alias_rename_is_an_update_for_the_agent_too() -> None:
    before = graph(resource(QUEUE, "old", inputs={"delaySeconds": 0}))
    after = graph(resource(QUEUE, "new", inputs={"delaySeconds": 5}, aliases=[urn(QUEUE, "old")]))
    digests_before, digests_after = resource_digests(before), resource_digests(after)
    assert describe_changes(digests_before, digests_after) == "+1 ~0 -1 =0"
    aliases = {r.urn: r.aliases for r in after.resources}
    assert describe_changes(digests_before, digests_after, aliases) == "+0 ~1 -0 =0"
