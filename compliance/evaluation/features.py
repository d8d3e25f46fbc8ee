"""The resource-monitor features the gate supports, by the SDK's feature id and protobuf enum name.

The monitor answers `SupportsFeature` and `GetDeploymentInfo` with these; the launcher also sends
them to the bootstrap (request `features`), which answers the program's own feature queries
locally, so a program runs its imports and first resources before the monitor is even listening.
Not `outputValues`: Output objects then never reach the monitor, as under the SDK's own mocks.
"""

from __future__ import annotations

__all__ = ["MONITOR_FEATURES"]

MONITOR_FEATURES: dict[str, str] = {
    "secrets": "RESOURCE_MONITOR_FEATURE_SECRETS",
    "resourceReferences": "RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES",
    "aliasSpecs": "RESOURCE_MONITOR_FEATURE_ALIAS_SPECS",
    "deletedWith": "RESOURCE_MONITOR_FEATURE_DELETED_WITH",
    "transforms": "RESOURCE_MONITOR_FEATURE_TRANSFORMS",
    "invokeTransforms": "RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS",
}
