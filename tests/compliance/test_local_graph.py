"""IndexedLocalGraph finds the vertices Checkov's graph finds, and builds the same edges."""

from __future__ import annotations

import json
from typing import Any

import pytest

from compliance.local_graph import IndexedLocalGraph, build_graph_from_definitions, indexed_prefixes
from compliance.scan import preload

AWS = "registry.terraform.io/hashicorp/aws"
KEY_ARN = "aws_kms_key.key.arn"


def planned(address: str, type_: str, name: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"address": address, "mode": "managed", "type": type_, "name": name, "provider_name": AWS,
            "values": values, **extra}  # fmt: skip


def configured(address: str, type_: str, name: str, expressions: dict[str, Any]) -> dict[str, Any]:
    return {"address": address, "mode": "managed", "type": type_, "name": name, "expressions": expressions}


PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.9.0",
    "planned_values": {
        "root_module": {
            "resources": [
                planned("aws_s3_bucket.logs[0]", "aws_s3_bucket", "logs", {"bucket": "logs-0"}, index=0),
                planned("aws_s3_bucket.logs[1]", "aws_s3_bucket", "logs", {"bucket": "logs-1"}, index=1),
                planned("aws_kms_key.key", "aws_kms_key", "key", {"enable_key_rotation": True}),
                planned(
                    "aws_s3_bucket_versioning.v",
                    "aws_s3_bucket_versioning",
                    "v",
                    {"bucket": "logs-0", "versioning_configuration": [{"status": "Enabled"}]},
                ),
                planned(
                    "aws_s3_bucket_server_side_encryption_configuration.sse",
                    "aws_s3_bucket_server_side_encryption_configuration",
                    "sse",
                    {"bucket": "logs-1", "rule": [{"apply_server_side_encryption_by_default": [{}]}]},
                ),
            ]
        }
    },
    "configuration": {
        "root_module": {
            "resources": [
                configured("aws_s3_bucket.logs", "aws_s3_bucket", "logs", {}),
                configured("aws_kms_key.key", "aws_kms_key", "key", {}),
                configured(
                    "aws_s3_bucket_versioning.v",
                    "aws_s3_bucket_versioning",
                    "v",
                    {"bucket": {"references": ["aws_s3_bucket.logs[0].id", "aws_s3_bucket.logs[0]"]}},
                ),
                configured(
                    "aws_s3_bucket_server_side_encryption_configuration.sse",
                    "aws_s3_bucket_server_side_encryption_configuration",
                    "sse",
                    {
                        "bucket": {"references": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
                        "rule": [
                            {
                                "apply_server_side_encryption_by_default": [
                                    {
                                        "kms_master_key_id": {
                                            "references": ["aws_kms_key.key.arn", "aws_kms_key.key"]
                                        }
                                    }
                                ]
                            }
                        ],
                    },
                ),
            ]
        }
    },
}


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> dict[Any, dict[str, Any]]:
    preload()
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.plan_utils import create_definitions

    path = tmp_path_factory.mktemp("plan") / "tfplan.json"
    path.write_text(json.dumps(PLAN))
    found, _ = create_definitions(None, [str(path)], RunnerFilter(framework=["terraform_plan"]), {})
    return found


def manager() -> Any:
    from checkov.terraform.plan_runner import Runner

    return Runner().graph_manager


def edges(graph: Any) -> list[tuple[int, int, str]]:
    return sorted((e.origin, e.dest, e.label) for e in graph.edges)


def test_indexed_prefixes_keep_the_first_name_in_map_order_for_each_prefix() -> None:
    names = {
        "aws_s3_bucket.b[1]": [2],
        "aws_s3_bucket.b[0]": [1],
        'aws_s3_bucket.c["x"]': [3],
        "aws_s3_bucket.d": [4],
        "aws_s3_bucket.e[0].f[1]": [5],
        "aws_s3_bucket.g[0]": [],
    }
    assert indexed_prefixes(names) == {
        "aws_s3_bucket.b": [2],
        "aws_s3_bucket.c": [3],
        "aws_s3_bucket.e": [5],
        "aws_s3_bucket.e[0].f": [5],
        "aws_s3_bucket.g": [],
    }


def test_the_graph_has_checkovs_vertices_and_edges(definitions: dict[Any, dict[str, Any]]) -> None:
    ours = build_graph_from_definitions(manager(), definitions, render_variables=False)
    checkovs = manager().build_graph_from_definitions(definitions, render_variables=False)
    assert isinstance(ours, IndexedLocalGraph)
    assert [(v.block_type, v.name, v.config) for v in ours.vertices] == [
        (v.block_type, v.name, v.config) for v in checkovs.vertices
    ]
    assert edges(ours) == edges(checkovs)
    assert len(edges(ours)) >= 3  # references by index, without it, and nested in a block


def test_possible_vertices_are_checkovs_for_every_kind_of_name(
    definitions: dict[Any, dict[str, Any]],
) -> None:
    from checkov.terraform.graph_builder.local_graph import TerraformLocalGraph

    graph = build_graph_from_definitions(manager(), definitions, render_variables=False)
    block_map = graph.vertices_by_module_dependency_by_name[None]["resource"]
    # names as a graph with count/for_each in modules holds them (the plan runner's are plain)
    block_map["aws_sqs_queue.jobs[0]"].append(0)
    block_map["aws_sqs_queue.jobs[1]"].append(1)
    block_map['aws_sqs_queue.named["a"]'].append(2)
    block_map["aws_sqs_queue.nested[0].inner[2]"].append(3)
    block_map["aws_sqs_queue.empty[0]"]

    def queries() -> list[str]:
        names = list(block_map)
        names += [f"{n}.arn" for n in names] + [n.split("[")[0] for n in names]
        names += ['aws_sqs_queue.named["a"]', "aws_sqs_queue.named[a]", "aws_sqs_queue.nested[0].inner"]
        return [*names, "aws_sqs_queue.absent", "aws_sqs_queue", "", "["]

    def compare() -> None:
        for name in queries():
            for block_type in ("resource", "data", "module"):
                for key in (None, "another module"):
                    expected = TerraformLocalGraph._get_possible_vertices(graph, key, block_type, name)
                    assert graph._get_possible_vertices(key, block_type, name) == expected, name

    compare()
    block_map["aws_sqs_queue.late[0]"].append(4)  # the map grows after it was indexed
    assert graph._get_possible_vertices(None, "resource", "aws_sqs_queue.late") == [4]
    compare()
