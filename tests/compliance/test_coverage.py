"""coverage.unchecked: resources counted but never checked, with the reason."""

from __future__ import annotations

from compliance.bridge import to_terraform_plan
from compliance.coverage import counted_resources, unchecked
from compliance.model import Resource, StackGraph

STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack"


def res(token: str, name: str, *, custom: bool = True, parent: str | None = None, **kw: object) -> Resource:
    return Resource(
        urn=f"urn:pulumi:dev::p::{token}::{name}", type=token, name=name, custom=custom, parent=parent, **kw
    )


def graph(*resources: Resource) -> StackGraph:
    return StackGraph(project="p", path="stacks/p", env="dev", resources=list(resources))


def test_each_reason_and_what_is_not_unchecked() -> None:
    component = res("platform:index:SecureFunction", "fn", custom=False)
    g = graph(
        res("pulumi:providers:aws", "default_6_0_0"),
        res("pulumi:providers:random", "default"),
        res("aws:sqs/queue:Queue", "orders", inputs={"name": "orders"}),
        res("random:index/randomPassword:RandomPassword", "pw"),
        res("docker:index/container:Container", "web"),
        res("pulumi-python:dynamic:Resource", "seed"),
        res("awsx:ec2:Vpc", "vpc", custom=False),
        res("aws:madeup/thing:Thing", "odd"),
        component,
        res("aws:lambda/function:Function", "fn-lambda", parent=component.urn),
        res("my:local:Empty", "empty", custom=False),
    )
    found = [(u.resource, u.type, u.reason) for u in unchecked(g, to_terraform_plan(g))]
    assert found == [
        ("pw", "random:index/randomPassword:RandomPassword", "other provider"),
        ("web", "docker:index/container:Container", "other provider"),
        ("seed", "pulumi-python:dynamic:Resource", "dynamic provider"),
        ("vpc", "awsx:ec2:Vpc", "unexpanded remote component"),
        ("odd", "aws:madeup/thing:Thing", "type unknown to the bridge"),
    ]


def test_a_remote_component_with_children_is_expanded_and_a_flagged_one_is_remote() -> None:
    vpc = res("awsx:ec2:Vpc", "vpc", custom=False)
    child = res("aws:ec2/vpc:Vpc", "vpc", parent=vpc.urn)
    flagged = res("acme:net:Mesh", "mesh", custom=False, remote=True)
    g = graph(vpc, child, flagged)
    assert [(u.resource, u.reason) for u in unchecked(g)] == [("mesh", "unexpanded remote component")]


def test_resources_counts_every_custom_resource_and_unexpanded_remote_components() -> None:
    g = graph(
        res("aws:sqs/queue:Queue", "orders"),
        res("random:index/randomPet:RandomPet", "pet"),
        res("awsx:ec2:Vpc", "vpc", custom=False),
        res("my:local:Component", "c", custom=False),
    )
    assert counted_resources(g.resources) == 3
