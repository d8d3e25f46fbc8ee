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

Only what the metadata cannot reveal is hand-written: field renames (`FIELD_RENAMES`,
`BLOCK_NAME_OVERRIDES`), Terraform type prefixes per module (`MODULE_PREFIXES`) and irregular type
names (`TYPE_OVERRIDES`). `python -m compliance.mapping` writes every token's Terraform type and
args fields to `compliance/tf_schema/aws.zip` (see compliance/schema_file.py), so the bridge needs
neither pulumi_aws nor Checkov at run time.
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import importlib.util
import json
import re
import types
import typing
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from compliance import schema_file
from compliance.schema_file import StoredSchema

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
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:codepipeline/pipeline:Pipeline": "aws_codepipeline",
    "aws:codedeploy/application:Application": "aws_codedeploy_app",
    "aws:sqs/redrivePolicy:RedrivePolicy": "aws_sqs_queue_redrive_policy",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "aws_sqs_queue_redrive_allow_policy",
    "aws:sns/dataProtectionPolicy:DataProtectionPolicy": "aws_sns_topic_data_protection_policy",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "aws_ec2_transit_gateway",
    "aws:ec2transitgateway/instanceConnectEndpoint:InstanceConnectEndpoint": (
        "aws_ec2_instance_connect_endpoint"
    ),
    "aws:ec2transitgateway/instanceState:InstanceState": "aws_ec2_instance_state",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/inventory:Inventory": "aws_s3_bucket_inventory",
    "aws:s3/analyticsConfiguration:AnalyticsConfiguration": "aws_s3_bucket_analytics_configuration",
    "aws:ses/mailFrom:MailFrom": "aws_ses_domain_mail_from",
    "aws:elb/loadBalancer:LoadBalancer": "aws_elb",
    "aws:elb/loadBalancerCookieStickinessPolicy:LoadBalancerCookieStickinessPolicy": (
        "aws_lb_cookie_stickiness_policy"
    ),
    "aws:directconnect/linkAggregationGroup:LinkAggregationGroup": "aws_dx_lag",
    "aws:directconnect/hostedTransitVirtualInterfaceAcceptor:HostedTransitVirtualInterfaceAcceptor": (
        "aws_dx_hosted_transit_virtual_interface_accepter"
    ),
    "aws:datasync/efsLocation:EfsLocation": "aws_datasync_location_efs",
    "aws:datasync/nfsLocation:NfsLocation": "aws_datasync_location_nfs",
    "aws:datasync/s3Location:S3Location": "aws_datasync_location_s3",
    "aws:datasync/locationFsxLustre:LocationFsxLustre": "aws_datasync_location_fsx_lustre_file_system",
    "aws:datasync/locationFsxWindows:LocationFsxWindows": "aws_datasync_location_fsx_windows_file_system",
    "aws:datasync/fsxOpenZfsFileSystem:FsxOpenZfsFileSystem": "aws_datasync_location_fsx_openzfs_file_system",
    "aws:location/routeCalculation:RouteCalculation": "aws_location_route_calculator",
    "aws:licensemanager/licenseGrant:LicenseGrant": "aws_licensemanager_grant",
    "aws:licensemanager/licenseGrantAccepter:LicenseGrantAccepter": "aws_licensemanager_grant_accepter",
    "aws:cloudcontrol/resource:Resource": "aws_cloudcontrolapi_resource",
    "aws:storagegateway/cachesIscsiVolume:CachesIscsiVolume": "aws_storagegateway_cached_iscsi_volume",
    "aws:ec2/dedicatedHost:DedicatedHost": "aws_ec2_host",
    "aws:iam/sshKey:SshKey": "aws_iam_user_ssh_key",
    "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment": (
        "aws_network_interface_sg_attachment"
    ),
    "aws:ec2/securityGroupAssociation:SecurityGroupAssociation": (
        "aws_vpc_endpoint_security_group_association"
    ),
    "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple": (
        "aws_vpc_endpoint_service_allowed_principal"
    ),
    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": "aws_vpc_peering_connection_options",
    "aws:rds/roleAssociation:RoleAssociation": "aws_db_instance_role_association",
    "aws:apigateway/response:Response": "aws_api_gateway_gateway_response",
    "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": (
        "aws_cognito_identity_pool_roles_attachment"
    ),
    "aws:codeartifact/domainPermissions:DomainPermissions": "aws_codeartifact_domain_permissions_policy",
    "aws:autoscaling/tag:Tag": "aws_autoscaling_group_tag",
    "aws:cloudformation/cloudFormationType:CloudFormationType": "aws_cloudformation_type",
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": (
        "aws_serverlessapplicationrepository_cloudformation_stack"
    ),
    "aws:bcmdata/export:Export": "aws_bcmdataexports_export",
    "aws:account/alternativeContact:AlternativeContact": "aws_account_alternate_contact",
    "aws:controltower/controlTowerControl:ControlTowerControl": "aws_controltower_control",
    "aws:directoryservice/serviceRegion:ServiceRegion": "aws_directory_service_region",
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
    "cfg": ("aws_config_", "aws_config_config_", "aws_config_configuration_"),
    "directconnect": ("aws_dx_",),
    "amp": ("aws_prometheus_",),
    "elb": ("aws_elb_", "aws_", "aws_load_balancer_", "aws_lb_"),
    "costexplorer": ("aws_ce_",),
    "macie": ("aws_macie2_",),
    "resourceexplorer": ("aws_resourceexplorer2_",),
    "route53recoverycontrol": ("aws_route53recoverycontrolconfig_",),
}

FIELD_RENAMES: dict[str, dict[str, str]] = {
    # Terraform type -> {Pulumi property: Terraform attribute}: tfbridge renames (pulumi-aws resources.go).
    "aws_lambda_function": {"name": "function_name"},
    "aws_lambda_permission": {"function": "function_name"},
    "aws_sns_topic_subscription": {"topic": "topic_arn"},
    "aws_api_gateway_*": {"restApi": "rest_api_id"},
    "aws_api_gateway_stage": {"restApi": "rest_api_id", "deployment": "deployment_id"},
}

BLOCK_NAME_OVERRIDES: dict[str, dict[str, str]] = {
    # Terraform list blocks whose name is already plural in Terraform, so singularising is wrong.
    "aws_apigatewayv2_stage": {"routeSettings": "route_settings"},
    "aws_ecs_task_definition": {"volumes": "volume"},
    "aws_ecr_repository": {},
}


@dataclass(frozen=True)
class Field:
    """How one Pulumi input property appears in Terraform (`nested`: args class key of a block)."""

    tf_name: str
    kind: Kind
    nested: str | None = None


@functools.cache  # a few hundred distinct names, converted thousands of times per stack
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
    entry = resource_tokens().get(token)
    if entry is None:
        return None
    with warnings.catch_warnings():  # importing a module warns about its deprecated resources
        warnings.simplefilter("ignore", DeprecationWarning)
        resource_cls = getattr(importlib.import_module(entry[0]), entry[1], None)
        if not isinstance(resource_cls, type):
            return None
        home = importlib.import_module(resource_cls.__module__)
    # The resource's own args class is `<Name>Args`, or `<Name>InitArgs` when a nested block's args
    # class took that name (s3.BucketServerSideEncryptionConfiguration); both live in its module.
    for candidate in (f"{entry[1]}InitArgs", f"{entry[1]}Args"):
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


def class_key(cls: type) -> str:
    """`pulumi_aws.s3._inputs:BucketVersioningArgs`: where an args class lives, importable again."""
    return f"{cls.__module__}:{cls.__qualname__}"


def _class_of(key: str) -> type:
    module, _, name = key.partition(":")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        cls: type = getattr(_import_submodule(module), name)
    return cls


def _import_submodule(module: str) -> types.ModuleType:
    """`importlib.import_module`, after loading each parent package in full.

    pulumi-aws loads its service packages lazily (`pulumi_aws.s3` is a stand-in until an attribute
    is read); importing one of their submodules directly leaves the package without the classes its
    `__init__` exports, so `pulumi_aws.s3.Bucket` would then fail for the rest of the process.
    """
    parts = module.split(".")
    for end in range(1, len(parts)):
        getattr(importlib.import_module(".".join(parts[:end])), "__all__", None)  # loads a stand-in
    return importlib.import_module(module)


def introspect(cls: type) -> dict[str, list[Any]]:
    """Pulumi property -> [python name, kind, nested class key] read from an args class."""
    import pulumi._types as pulumi_types

    hints = pulumi_types.input_type_types(cls)
    out: dict[str, list[Any]] = {}
    for py_name, pulumi_name in pulumi_types.input_type_py_to_pulumi_names(cls).items():
        kind, nested = _classify(hints.get(pulumi_name, Any))
        out[pulumi_name] = [py_name, kind, class_key(nested) if nested is not None else None]
    return out


@functools.cache
def raw_fields(key: str) -> dict[str, list[Any]]:
    """The properties of an args class, from the generated schema file or by introspection."""
    schema = generated_schema()
    stored = schema.class_fields(key) if schema is not None else None
    return dict(stored) if stored is not None else introspect(_class_of(key))


@functools.cache
def fields(key: str, tf_type: str = "") -> dict[str, Field]:
    """Pulumi property name -> Terraform `Field` for an args (or nested block args) class key."""
    renames = FIELD_RENAMES.get(tf_type) or next(
        (
            r
            for pattern, r in FIELD_RENAMES.items()
            if pattern.endswith("*") and tf_type.startswith(pattern[:-1])
        ),
        {},
    )
    block_names = BLOCK_NAME_OVERRIDES.get(tf_type, {})
    provider_names = provider_tf_names(key)
    out: dict[str, Field] = {}
    for pulumi_name, (py_name, kind, nested) in raw_fields(key).items():
        tf_name = provider_names.get(pulumi_name)
        if tf_name is None:
            tf_name = block_names.get(pulumi_name, singular(py_name)) if kind == "blocks" else py_name
        out[pulumi_name] = Field(renames.get(pulumi_name, tf_name), kind, nested)
    return out


def provider_tf_names(key: str) -> dict[str, str]:
    """Pulumi property -> Terraform name of an args class, as the provider's schema spells it.

    Recorded in the generated schema when it was made with `--provider-names` (see
    compliance/provider_names.py); empty otherwise, and `fields` falls back to `singular`.
    """
    schema = generated_schema()
    names = schema.tf_names(key) if schema is not None else None
    return dict(names) if names else {}


def args_key(token: str) -> str | None:
    """Class key of the args class of a pulumi-aws resource token (None: not a pulumi-aws resource)."""
    schema = generated_schema()
    if schema is not None and token in schema.types:
        return typing.cast("str | None", schema.types[token][1])
    cls = args_class(token)
    return class_key(cls) if cls is not None else None


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
    schema = generated_schema()
    if schema is not None and token in schema.types:
        return typing.cast("str", schema.types[token][0])
    return derive_tf_type(token)


def _squash(name: str) -> str:
    return name.removeprefix("aws_").replace("_", "").lower()


@functools.cache
def _known_by_squash() -> dict[str, str]:
    """Known Terraform types by their name without `aws_` and underscores (`apigatewaystage`)."""
    return {_squash(t): t for t in sorted(known_tf_types())}


def derive_tf_type(token: str, provider_types: frozenset[str] | None = None) -> str | None:
    """`tf_type` by rule; among the candidates, the first the provider has (when its type list is
    given), else the first that some Checkov check targets.

    Candidates in order: the module's prefixes (`ec2` -> `aws_<name>`), `aws_<module>_<name>`, then
    a known type whose name without underscores is module + name (`apigateway/stage` ->
    `aws_api_gateway_stage`, `opensearch/serverlessCollection` -> `aws_opensearchserverless_collection`).
    """
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return None
    module = parts[1].split("/")[0]
    name = re.sub(r"V\d+$", "", parts[2])
    resource = camel_to_snake(name)
    candidates = [f"{p}{resource}" for p in MODULE_PREFIXES.get(module, ())]
    candidates.append(f"aws_{module}_{resource}")
    known = known_tf_types()
    squashed = _known_by_squash().get(_squash(f"{module}{name}"))
    if squashed is not None:
        candidates.append(squashed)
    if provider_types:
        squashed_provider = {_squash(t): t for t in sorted(provider_types)}.get(_squash(f"{module}{name}"))
        if squashed_provider is not None:
            candidates.append(squashed_provider)
        found = next((c for c in candidates if c in provider_types), None)
        if found is not None:
            return found
    return next(
        (c for c in candidates if c in known),
        candidates[0] if module in MODULE_PREFIXES else f"aws_{module}_{resource}",
    )


def to_tf_value(value: Any, field: Field | None) -> Any:
    """Convert one registered Pulumi input value to its Terraform plan JSON shape."""
    if value is None or value == UNKNOWN:
        return None
    if field is None:
        return value
    if field.kind == "json" and isinstance(value, dict | list):
        return json.dumps(value)
    if field.kind == "scalar" and isinstance(value, dict):
        return json.dumps(value)  # an object given for a string (e.g. a policy): Terraform sees JSON
    if field.kind in ("block", "blocks") and field.nested is not None:
        items = value if isinstance(value, list) else [value]
        return [to_tf_object(v, field.nested) for v in items if isinstance(v, dict)]
    return value


def to_tf_object(inputs: dict[str, Any], key: str | None, tf_type: str = "") -> dict[str, Any]:
    """Convert a dict of Pulumi inputs (camelCase keys) to Terraform attributes (snake_case keys)."""
    schema = fields(key, tf_type) if key is not None else {}
    out: dict[str, Any] = {}
    for name, value in inputs.items():
        if name.startswith("__"):
            continue
        field = schema.get(name)
        converted = to_tf_value(value, field)
        if converted is None:
            continue
        out[field.tf_name if field else camel_to_snake(name)] = converted
    return out


SCHEMA_FILE = Path(__file__).parent / "tf_schema" / "aws.zip"


def installed_version() -> str:
    """Version of the installed pulumi_aws (from its pulumi-plugin.json, without importing it)."""
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or not spec.submodule_search_locations:
        return ""
    plugin = Path(next(iter(spec.submodule_search_locations))) / "pulumi-plugin.json"
    return str(json.loads(plugin.read_text()).get("version", "")) if plugin.is_file() else ""


def preload() -> None:
    """Load the generated schema and the types Checkov knows now (the gate does it while evaluating)."""
    generated_schema()
    known_tf_types()


@functools.cache
def generated_schema() -> StoredSchema | None:
    """The schema generated from pulumi_aws (see `generate_schema`), if it matches the installed one."""
    schema = schema_file.load(SCHEMA_FILE)
    return schema if schema is not None and schema.version == installed_version() else None


@functools.cache
def resource_tokens() -> dict[str, tuple[str, str]]:
    """Every pulumi-aws resource token -> (python module, class name), from its `_utilities` registry."""
    spec = importlib.util.find_spec("pulumi_aws")
    assert spec is not None and spec.origin is not None
    text = Path(spec.origin).read_text()
    match = re.search(r'resource_modules="""(.*?)"""', text, re.S)
    modules = json.loads(match.group(1)) if match else []
    return {token: (m["fqn"], name) for m in modules for token, name in m["classes"].items()}


def generate_schema(provider: dict[str, Any] | None = None) -> dict[str, Any]:
    """Walk every pulumi-aws resource's args classes: token -> (TF type, args key), key -> fields.

    `provider`: Terraform type -> name tree from the provider's own schema
    (compliance.provider_names); it picks Terraform types among the candidates and records, per args
    class, the Terraform name of each property (`tf_names`).
    """
    from compliance.provider_names import resolve

    provider_types = frozenset(provider or ())
    types_: dict[str, list[Any]] = {}
    classes: dict[str, dict[str, list[Any]]] = {}
    pending: list[str] = []
    for token in sorted(resource_tokens()):
        cls = args_class(token)
        tf = TYPE_OVERRIDES.get(token) or derive_tf_type(token, provider_types)
        key = class_key(cls) if cls is not None else None
        types_[token] = [tf, key]
        if key is not None:
            pending.append(key)
    while pending:
        key = pending.pop()
        if key in classes:
            continue
        classes[key] = introspect(_class_of(key))
        pending += [nested for _, _, nested in classes[key].values() if nested and nested not in classes]
    tf_names: dict[str, dict[str, str]] = {}

    def name_class(key: str, tree: Any) -> None:
        if key in tf_names or not isinstance(tree, dict):
            return
        tf_names[key] = {}
        for pulumi_name, (py_name, _kind, nested) in classes.get(key, {}).items():
            found = resolve(py_name, tree)
            if found is None:
                continue
            tf_names[key][pulumi_name] = found
            if nested:
                name_class(nested, tree[found])

    for tf, key in types_.values():
        if key is not None and provider and tf in provider:
            name_class(key, provider[tf])
    schema: dict[str, Any] = {"version": installed_version(), "types": types_, "classes": classes}
    if provider:
        schema["tf_names"] = {k: v for k, v in tf_names.items() if v}
    return schema


def write_schema(path: Path = SCHEMA_FILE, provider_names: Path | None = None) -> Path:
    """Regenerate the schema file for the installed pulumi_aws (`python -m compliance.mapping`).

    `provider_names`: an unpacked `@cdktf/provider-aws` npm package (`npm pack`), whose names become
    the Terraform names of the properties (see compliance/provider_names.py).
    """
    from compliance.provider_names import names_from_cdktf

    provider = names_from_cdktf(provider_names) if provider_names is not None else None
    return schema_file.store(generate_schema(provider), path)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m compliance.mapping", description=write_schema.__doc__)
    parser.add_argument("--provider-names", type=Path, metavar="DIR", help="unpacked @cdktf/provider-aws")
    print(write_schema(provider_names=parser.parse_args().provider_names))
