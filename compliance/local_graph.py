"""Checkov's Terraform graph, built with an index where Checkov scans every vertex name.

Building edges, Checkov resolves each reference (`aws_kms_key.key.arn`) by trying the whole name
first, then shorter ones. A name that is not a vertex (the one with the attribute) falls back to
a scan of every vertex name of that block type for one starting with `<name>[` (a count/for_each
resource referenced without its index): per reference, a pass over all resources, so edge building
grows with the square of the plan's size. `IndexedLocalGraph` answers that fallback from an index
of every name prefix that ends before a `[`: the same vertex Checkov's scan returns (the first
such name in the map's order), found in one lookup. Everything else is Checkov's own graph.
"""

from __future__ import annotations

from typing import Any

from checkov.terraform.graph_builder.graph_components.module import Module
from checkov.terraform.graph_builder.local_graph import TerraformLocalGraph
from checkov.terraform.graph_builder.variable_rendering.renderer import (
    LEFT_BRACKET,
    LEFT_BRACKET_WITH_QUOTATION,
    RIGHT_BRACKET,
    RIGHT_BRACKET_WITH_QUOTATION,
)
from checkov.terraform.graph_manager import TerraformGraphManager
from checkov.terraform.modules.module_objects import TFModule

__all__ = ["IndexedLocalGraph", "build_graph_from_definitions", "indexed_prefixes"]


def indexed_prefixes(block_map: dict[str, list[int]]) -> dict[str, list[int]]:
    """`base` -> the vertex list of the first name (in map order) that starts with `base[`."""
    index: dict[str, list[int]] = {}
    for name, vertices in block_map.items():
        start = name.find("[")
        while start != -1:
            index.setdefault(name[:start], vertices)
            start = name.find("[", start + 1)
    return index


class IndexedLocalGraph(TerraformLocalGraph):
    """TerraformLocalGraph whose indexed-name fallback is a lookup, not a scan of every name."""

    def __init__(self, module: Module) -> None:
        super().__init__(module)
        # (module key, block type) -> (the block map indexed, its size then, its prefix index)
        self._prefix_index: dict[tuple[Any, str], tuple[dict[str, list[int]], int, dict[str, list[int]]]] = {}

    def _get_possible_vertices(
        self, module_dependency_by_name_key: TFModule | None, block_type: str, name: str
    ) -> list[int]:
        block_map = self.vertices_by_module_dependency_by_name.get(module_dependency_by_name_key, {}).get(
            block_type, {}
        )
        if block_map.get(name) or block_map.get(_unquoted_brackets(name)):
            return super()._get_possible_vertices(module_dependency_by_name_key, block_type, name)
        key = (module_dependency_by_name_key, block_type)
        cached = self._prefix_index.get(key)
        # the maps are rebuilt (a new dict) or grow while the graph is built: index them again then
        if cached is None or cached[0] is not block_map or cached[1] != len(block_map):
            cached = (block_map, len(block_map), indexed_prefixes(block_map))
            self._prefix_index[key] = cached
        return cached[2].get(name, [])


def _unquoted_brackets(name: str) -> str:
    """The second name Checkov tries: `["` and `"]` turned into `[` and `]`."""
    unquoted = name.replace(LEFT_BRACKET_WITH_QUOTATION, LEFT_BRACKET)
    return unquoted.replace(RIGHT_BRACKET_WITH_QUOTATION, RIGHT_BRACKET)


def build_graph_from_definitions(
    manager: TerraformGraphManager, definitions: dict[Any, dict[str, Any]], *, render_variables: bool
) -> IndexedLocalGraph:
    """TerraformGraphManager.build_graph_from_definitions, building an IndexedLocalGraph."""
    module, _ = manager.parser.parse_hcl_module_from_tf_definitions(definitions, "", manager.source)
    graph = IndexedLocalGraph(module)
    graph.build_graph(render_variables=render_variables)
    return graph
