"""Pulumi AWS type tokens and input names -> Terraform resource types and attribute shapes.

pulumi-aws is generated from the Terraform AWS provider, and the installed `pulumi_aws` package keeps
the bridged schema in its `@pulumi.input_type` args classes: every property's camelCase Pulumi name,
its Python (snake_case) name and its type. From those we derive, per resource, the Terraform
attribute name and shape:

- a property typed `Sequence[<Args class>]` is a Terraform list/set *block*, which Pulumi pluralised
  (`attributes` -> `attribute`, `rules` -> `rule`; `ingress` stays `ingress`);
- a property typed as a single `<Args class>` is a MaxItems=1 block that Pulumi flattened to an
  object; Terraform plan JSON represents it as a list of one object;
- `Mapping[...]` is a map (tags), `Union[str, <Args class>]` is a JSON document (IAM policies).

Only renames the metadata cannot reveal are hand-written (`FIELD_RENAMES`, `TYPE_OVERRIDES`).
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import json
import re
import types
import typing
import warnings
from dataclasses import dataclass
from typing import Any, Literal

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The Pulumi engine's sentinel for a value not known until apply."""

Kind = Literal["scalar", "list", "map", "json", "block", "blocks"]

TYPE_OVERRIDES: dict[str, str] = {
    # Tokens whose Terraform type does not follow `aws_<module>_<resource>` or the module prefixes below.
    "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "aws_s3_bucket_versioning",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketLoggingV2:BucketLoggingV2": "aws_s3_bucket_logging",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": (
        "aws_s3_bucket_lifecycle_configuration"
    ),
    "aws:s3/bucketAclV2:BucketAclV2": "aws_s3_bucket_acl",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:alb/loadBalancer:LoadBalancer": "aws_alb",
    "aws:ec2/instance:Instance": "aws_instance",
    "aws:ebs/volume:Volume": "aws_ebs_volume",
    "aws:iam/policy:Policy": "aws_iam_policy",
}

MODULE_PREFIXES: dict[str, tuple[str, ...]] = {
    # Pulumi module -> Terraform type prefixes, tried in order (first one Checkov knows wins).
    "ec2": ("aws_", "aws_ec2_"),
    "rds": ("aws_db_", "aws_rds_"),
    "lambda": ("aws_lambda_",),
    "cloudwatch": ("aws_cloudwatch_", "aws_cloudwatch_log_"),
    "lb": ("aws_lb_", "aws_lb"),
    "alb": ("aws_alb_", "aws_alb"),
    "ebs": ("aws_ebs_",),
    "ecs": ("aws_ecs_",),
    "elasticache": ("aws_elasticache_",),
}

FIELD_RENAMES: dict[str, dict[str, str]] = {
    # Terraform type -> {Pulumi property: Terraform attribute}: tfbridge renames (pulumi-aws resources.go).
    "aws_lambda_function": {"name": "function_name"},
    "aws_lambda_permission": {"function": "function_name"},
    "aws_sns_topic_subscription": {"topic": "topic_arn"},
    "aws_api_gateway_deployment": {"restApi": "rest_api_id"},
    "aws_api_gateway_stage": {"restApi": "rest_api_id", "deployment": "deployment_id"},
    "aws_api_gateway_resource": {"restApi": "rest_api_id"},
    "aws_api_gateway_method": {"restApi": "rest_api_id", "resourceId": "resource_id"},
    "aws_api_gateway_rest_api_policy": {"restApiId": "rest_api_id"},
}

BLOCK_NAME_OVERRIDES: dict[str, dict[str, str]] = {
    # Terraform list blocks whose name is already plural in Terraform, so singularising is wrong.
    "aws_apigatewayv2_stage": {"routeSettings": "route_settings"},
    "aws_ecs_task_definition": {"volumes": "volume"},
    "aws_ecr_repository": {},
}


@dataclass(frozen=True)
class Field:
    """How one Pulumi input property appears in Terraform."""

    tf_name: str
    kind: Kind
    nested: type | None = None


def camel_to_snake(name: str) -> str:
    """`serverSideEncryptionConfiguration` -> `server_side_encryption_configuration`."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name).lower()


def singular(name: str) -> str:
    """Undo Pulumi's pluralisation of a list block name (`rules` -> `rule`, `indexes` -> `index`)."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("xes", "sses", "ches", "shes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith(("ss", "us", "is")):
        return name[:-1]
    return name


def args_class(token: str) -> type | None:
    """The `@pulumi.input_type` args class of a pulumi-aws resource token, or None if unknown."""
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return None
    module = parts[1].split("/")[0]
    module = f"{module}_" if module in ("lambda",) else module
    try:
        with warnings.catch_warnings():  # importing a module warns about its deprecated resources
            warnings.simplefilter("ignore", DeprecationWarning)
            mod = importlib.import_module("pulumi_aws" if module == "index" else f"pulumi_aws.{module}")
    except ImportError:
        return None
    resource_cls = getattr(mod, parts[2], None)
    home = importlib.import_module(resource_cls.__module__) if isinstance(resource_cls, type) else mod
    # The resource's own args class is `<Name>Args`, or `<Name>InitArgs` when a nested block's args
    # class took that name (s3.BucketServerSideEncryptionConfiguration); both live in its module.
    for candidate in (f"{parts[2]}InitArgs", f"{parts[2]}Args"):
        cls = vars(home).get(candidate)
        if isinstance(cls, type) and _is_input_type(cls):
            return cls
    return None


def _strip(tp: Any) -> Any:
    """Drop Optional/Awaitable/Output from an input type hint; a tuple when a real union remains."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        kept = [
            a
            for a in typing.get_args(tp)
            if a is not type(None)
            and typing.get_origin(a) is not collections.abc.Awaitable
            and getattr(a, "__name__", "") != "Output"
            and getattr(typing.get_origin(a), "__name__", "") != "Output"
        ]
        return kept[0] if len(kept) == 1 else tuple(kept)
    return tp


def _is_input_type(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "_pulumi_input_type")


def _classify(tp: Any) -> tuple[Kind, type | None]:
    tp = _strip(tp)
    if isinstance(tp, tuple):
        if any(_is_input_type(t) for t in tp) and str in tp:
            return "json", None
        return "scalar", None
    origin = typing.get_origin(tp)
    if origin in (collections.abc.Sequence, list):
        element = _strip(typing.get_args(tp)[0])
        return ("blocks", element) if _is_input_type(element) else ("list", None)
    if origin in (collections.abc.Mapping, dict):
        return "map", None
    if _is_input_type(tp):
        return "block", tp
    return "scalar", None


@functools.cache
def fields(cls: type, tf_type: str = "") -> dict[str, Field]:
    """Pulumi property name -> Terraform `Field` for an args (or nested args) class."""
    import pulumi._types as pulumi_types

    py_names = pulumi_types.input_type_py_to_pulumi_names(cls)
    hints = pulumi_types.input_type_types(cls)
    renames = FIELD_RENAMES.get(tf_type, {})
    block_names = BLOCK_NAME_OVERRIDES.get(tf_type, {})
    out: dict[str, Field] = {}
    for py_name, pulumi_name in py_names.items():
        kind, nested = _classify(hints.get(pulumi_name, Any))
        tf_name = py_name
        if kind == "blocks":
            tf_name = block_names.get(pulumi_name, singular(py_name))
        out[pulumi_name] = Field(renames.get(pulumi_name, tf_name), kind, nested)
    return out


@functools.cache
def known_tf_types() -> frozenset[str]:
    """Terraform resource types some Checkov check (resource or graph check) targets."""
    from compliance.scan import offline_checkov

    offline_checkov()
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    known = set(resource_registry.checks) | set(resource_registry.wildcard_checks)
    registry = get_graph_checks_registry("terraform")
    registry.load_checks()
    for check in registry.checks:
        known.update(getattr(check, "resource_types", []) or [])
    return frozenset(t for t in known if t.startswith("aws_"))


@functools.cache
def tf_type(token: str) -> str | None:
    """Terraform resource type of a pulumi-aws type token; None for other providers and non-resources."""
    if token in TYPE_OVERRIDES:
        return TYPE_OVERRIDES[token]
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return None
    module = parts[1].split("/")[0]
    resource = camel_to_snake(re.sub(r"V\d+$", "", parts[2]))
    candidates = [f"{p}{resource}" for p in MODULE_PREFIXES.get(module, ())]
    candidates.append(f"aws_{module}_{resource}")
    known = known_tf_types()
    return next(
        (c for c in candidates if c in known),
        candidates[-1] if module not in MODULE_PREFIXES else candidates[0],
    )


def to_tf_value(value: Any, field: Field | None, tf_type: str = "") -> Any:
    """Convert one registered Pulumi input value to its Terraform plan JSON shape."""
    if value is None or value == UNKNOWN:
        return None
    if field is None:
        return value
    if field.kind == "json" and isinstance(value, dict | list):
        return json.dumps(value)
    if field.kind == "block" and field.nested is not None:
        items = value if isinstance(value, list) else [value]
        return [to_tf_object(v, field.nested) for v in items if isinstance(v, dict)]
    if field.kind == "blocks" and field.nested is not None and isinstance(value, list):
        return [to_tf_object(v, field.nested) for v in value if isinstance(v, dict)]
    return value


def to_tf_object(inputs: dict[str, Any], cls: type | None, tf_type: str = "") -> dict[str, Any]:
    """Convert a dict of Pulumi inputs (camelCase keys) to Terraform attributes (snake_case keys)."""
    schema = fields(cls, tf_type) if cls is not None else {}
    out: dict[str, Any] = {}
    for key, value in inputs.items():
        if key.startswith("__"):
            continue
        field = schema.get(key)
        converted = to_tf_value(value, field, tf_type)
        if converted is None:
            continue
        out[field.tf_name if field else camel_to_snake(key)] = converted
    return out


def tf_name_of(token: str, tf_type_name: str, prop: str) -> str:
    """Terraform attribute name of a top-level Pulumi input property."""
    cls = args_class(token)
    field = fields(cls, tf_type_name).get(prop) if cls is not None else None
    return field.tf_name if field else camel_to_snake(prop)
