"""Checkov's graph-check records without a deep copy of each failing resource's whole vertex.

For every result of a graph check, Checkov's Terraform runner (checkov.terraform.base_runner,
`get_graph_checks_report`) deep-copies the result with `pickle_deepcopy`, including `entity`: the
resource's vertex with all its attributes, and then at once replaces the copy's `entity` with the
vertex's config. The copied vertex is thrown away: at 700 resources that copying was about a
quarter of the graph checks' report time. `copy_check_result` copies everything else the same way
and keeps `entity` (the original, in the same key position) for the runner to replace.

`install()` puts it in place of that module's `pickle_deepcopy` (used nowhere else there); the
check process does it when it loads Checkov.
"""

from __future__ import annotations

from typing import Any, TypeVar

from checkov.common.util.data_structures_utils import pickle_deepcopy

__all__ = ["copy_check_result", "install"]

T = TypeVar("T")


def copy_check_result(check_result: T) -> T:
    """pickle_deepcopy(check_result), except that a dict's `entity` is the original, not a copy."""
    if not isinstance(check_result, dict) or "entity" not in check_result:
        return pickle_deepcopy(check_result)
    original: dict[Any, Any] = check_result
    rest = pickle_deepcopy({key: value for key, value in original.items() if key != "entity"})
    copied = {key: original[key] if key == "entity" else rest[key] for key in original}
    return copied  # type: ignore[return-value]


def install() -> None:
    """Use copy_check_result where Checkov's Terraform runner copies graph-check results."""
    import checkov.terraform.base_runner as base_runner

    base_runner.pickle_deepcopy = copy_check_result  # type: ignore[assignment]
