"""The evaluation records each resource's `aliases` option as URNs, and `retain_on_delete`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from compliance.evaluate import evaluate_project
from compliance.preview.diff import canonical_urn

PROGRAM = """\
import pulumi
import pulumi_aws as aws


class Site(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("acme:index:Site", name, None, opts)
        self.bucket = aws.s3.BucketV2(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self))
        self.other = aws.s3.BucketV2("shared-logs", opts=pulumi.ResourceOptions(parent=self))


aws.s3.BucketV2(
    "new",
    opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")], protect=True, retain_on_delete=True),
)
aws.sqs.Queue("q", opts=pulumi.ResourceOptions(aliases=["urn:pulumi:dev::demo::aws:sqs/queue:Queue::before"]))
Site("site-v2", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="site")]))
same = pulumi.Alias(type_="aws:sqs/queue:Queue", name="moved")
aws.sqs.Queue("moved", opts=pulumi.ResourceOptions(aliases=[same]))
"""


@pytest.mark.slow
def test_aliases_are_recorded_as_urns(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    graph = evaluate_project(tmp_path, "dev")
    assert graph.error is None
    by_name = {r.name: r for r in graph.resources}
    new = by_name["new"]
    assert (new.protect, new.retain_on_delete) == (True, True)
    assert [canonical_urn(a) for a in new.aliases] == ["urn:pulumi:dev::demo::aws:s3/bucketV2:BucketV2::old"]
    assert by_name["q"].aliases == ["urn:pulumi:dev::demo::aws:sqs/queue:Queue::before"]
    assert [canonical_urn(a) for a in by_name["site-v2"].aliases] == [
        "urn:pulumi:dev::demo::acme:index:Site::site"
    ]
    # children inherit the component's alias, their name prefix renamed like the component's
    assert by_name["site-v2-bucket"].aliases == [
        "urn:pulumi:dev::demo::acme:index:Site$aws:s3/bucketV2:BucketV2::site-bucket"
    ]
    # an unprefixed child keeps its URN (the parent's type, not its name, qualifies it): no alias
    assert by_name["shared-logs"].aliases == []
    assert by_name["moved"].aliases == []  # an alias equal to the resource's own URN is dropped
    assert by_name["q"].retain_on_delete is False
