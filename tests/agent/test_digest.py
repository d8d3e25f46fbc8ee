"""plan_digest: stable over order and run-dependent fields, sensitive to desired state."""

from __future__ import annotations

from compliance.model import Resource, SourcePosition, StackGraph
from gitops_agent.digest import describe_changes, plan_digest, resource_digests


def _graph(resources: list[Resource], outputs: dict[str, object] | None = None) -> StackGraph:
    return StackGraph(project="a", path="stacks/a", env="dev", resources=resources, outputs=outputs or {})


R1 = Resource(urn="urn:1", type="aws:s3/bucketV2:BucketV2", name="one", inputs={"b": 1, "a": [1, 2]})
R2 = Resource(urn="urn:2", type="aws:sns/topic:Topic", name="two", inputs={"name": "t"})


def test_order_ids_and_source_positions_do_not_matter() -> None:
    moved = R1.model_copy(
        update={"id": "i-123", "source": SourcePosition(file="x.py", line=9), "outputs": {"z": 1}}
    )
    assert plan_digest(_graph([R1, R2])) == plan_digest(_graph([R2, moved]))
    assert len(plan_digest(_graph([R1]))) == 64


def test_inputs_types_and_outputs_matter() -> None:
    base = plan_digest(_graph([R1, R2], {"o": 1}))
    assert base != plan_digest(_graph([R1, R2.model_copy(update={"inputs": {"name": "u"}})], {"o": 1}))
    assert base != plan_digest(_graph([R1, R2.model_copy(update={"type": "aws:sqs/queue:Queue"})], {"o": 1}))
    assert base != plan_digest(_graph([R1, R2], {"o": 2}))
    assert base != plan_digest(_graph([R1], {"o": 1}))


def test_describe_changes_counts_added_changed_removed_unchanged() -> None:
    before = resource_digests(_graph([R1, R2]))
    r3 = Resource(urn="urn:3", type="aws:sqs/queue:Queue", name="three")
    after = resource_digests(_graph([R1.model_copy(update={"inputs": {"b": 2}}), r3]))
    assert describe_changes(before, after) == "+1 ~1 -1 =0"
    assert describe_changes({}, before) == "+2 ~0 -0 =0"
    assert describe_changes(before, before) == "+0 ~0 -0 =2"
