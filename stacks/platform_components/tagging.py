"""Mandatory tags on every taggable resource, applied once per program by a stack transform."""

from __future__ import annotations

import importlib
import inspect
import warnings
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pulumi

from platform_components.settings import PlatformSettings

# Pulumi module names that are Python keywords get a trailing underscore in pulumi_aws.
_PY_MODULE = {"lambda": "lambda_"}


@lru_cache(maxsize=512)
def accepts_tags(type_token: str) -> bool:
    """True when the pulumi_aws resource behind `type_token` (e.g. `aws:s3/bucket:Bucket`) has a
    `tags` input. Component and non-AWS resources never do."""
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return False
    module_name = parts[1].split("/")[0]
    try:
        with warnings.catch_warnings():  # loading a module imports its deprecated classes too
            warnings.simplefilter("ignore", DeprecationWarning)
            module = importlib.import_module(f"pulumi_aws.{_PY_MODULE.get(module_name, module_name)}")
            init = getattr(module, parts[2])._internal_init
    except (ImportError, AttributeError):
        return False
    return "tags" in inspect.signature(init).parameters


def merge_tags(defaults: Mapping[str, str], existing: Any) -> dict[str, str] | None:
    """Defaults overlaid by the resource's own tags; None when the existing value is not a plain
    mapping (e.g. still unknown during preview), in which case the resource is left alone."""
    if existing is None:
        return dict(defaults)
    if isinstance(existing, Mapping) and all(isinstance(v, str) for v in existing.values()):
        return {**defaults, **existing}
    return None


def tags_transform(tags: Mapping[str, str]) -> pulumi.ResourceTransform:
    """A resource transform adding `tags` to every resource that accepts them."""
    defaults = dict(tags)

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.custom or not accepts_tags(args.type_):
            return None
        merged = merge_tags(defaults, args.props.get("tags"))
        if merged is None:
            return None
        return pulumi.ResourceTransformResult(props={**args.props, "tags": merged}, opts=args.opts)

    return transform


def register_default_tags(settings: PlatformSettings) -> None:
    """Register the mandatory tags for the rest of the program. Call it first in `__main__.py`."""
    pulumi.runtime.register_resource_transform(tags_transform(settings.tags()))
