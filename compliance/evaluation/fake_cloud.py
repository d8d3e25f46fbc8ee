"""The fake cloud behind offline evaluation: plausible, deterministic resource outputs and lookups.

Pure functions of (type token, logical name, URN, inputs, region): the same program always gets the
same ids, ARNs and lookup results, so graphs and digests are stable across runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import typing
from collections.abc import Collection, Mapping, Sequence
from typing import Any

ACCOUNT = "123456789012"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def short_hash(text: str, size: int = 7) -> str:
    """Deterministic hex digest prefix of `text`."""
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def _type_parts(token: str) -> tuple[str, str, str]:
    """`aws:s3/bucketV2:BucketV2` -> ("aws", "s3", "BucketV2")."""
    pieces = token.split(":")
    package = pieces[0]
    module = pieces[1].split("/")[0] if len(pieces) > 1 else ""
    kind = pieces[2] if len(pieces) > 2 else pieces[-1]
    return package, module, kind


@functools.cache  # output names repeat across resources: one conversion per name
def _kebab(name: str) -> str:
    out = []
    for i, char in enumerate(name):
        if char.isupper() and i:
            out.append("-")
        out.append(char.lower())
    return "".join(out)


def mock_arn(token: str, phys: str, region: str) -> str:
    """A plausible, deterministic ARN for a resource of type `token` named `phys`."""
    _, module, kind = _type_parts(token)
    service = {"index": "aws", "cloudwatch": "logs", "apigatewayv2": "apigateway"}.get(module, module)
    if module == "s3":
        return f"arn:aws:s3:::{phys}"
    if module == "iam":
        return f"arn:aws:iam::{ACCOUNT}:{_kebab(kind).removeprefix('user-policy-')}/{phys}"
    if module in ("lambda", "sns", "sqs") or (module == "cloudwatch" and kind == "LogGroup"):
        sep = {"lambda": ":function:", "cloudwatch": ":log-group:"}.get(module, ":")
        return f"arn:aws:{service}:{region}:{ACCOUNT}{sep}{phys}"
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{_kebab(kind)}/{phys}"


def _string_outputs(cls: type | None) -> set[str]:
    """Wire names of a resource class's string-typed output properties."""
    if cls is None:
        return set()
    names: set[str] = set()
    for base in cls.__mro__:
        for attr in vars(base).values():
            if not isinstance(attr, property):
                continue
            wire = getattr(attr.fget, "_pulumi_name", None)
            if wire is None:
                continue
            args = typing.get_args(attr.fget.__annotations__.get("return"))
            if args and args[0] in (str, str | None):
                names.add(wire)
    return names


_STRING_OUTPUTS: dict[type, set[str]] = {}


def mock_outputs(
    token: str,
    name: str,
    urn: str,
    inputs: dict[str, Any],
    cls: type | None,
    region: str,
    physical: str | None = None,
    declared: Collection[str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """(id, outputs) for a custom resource: the inputs echoed plus id/arn/name-like attributes.

    `physical` is the cloud name when known (a read of an existing resource by id); `declared`, the
    string outputs of the resource's class when the class itself is in another process."""
    full = hashlib.sha256(urn.encode()).hexdigest()  # one hash per resource, sliced for every value
    digest, h10, h13, h16 = full[:7], full[:10], full[:13], full[:16]
    if declared is None and cls is not None:
        declared = _STRING_OUTPUTS.get(cls)
    if cls is not None and declared is None:
        declared = _STRING_OUTPUTS[cls] = _string_outputs(cls)
    _, module, kind = _type_parts(token)
    autoname = physical or f"{name}-{digest}"
    phys = next(
        (inputs[key] for key in ("name", "bucket", "functionName") if isinstance(inputs.get(key), str)),
        autoname,
    )
    if phys == UNKNOWN:
        phys = autoname
    arn = mock_arn(token, phys, region)
    host = f"{phys}.{digest}.{region}.{module}.amazonaws.com"
    api = f"{h10}.execute-api.{region}.amazonaws.com"
    generated: dict[str, str] = {
        "arn": arn,
        "name": phys,
        "bucket": phys,
        "functionName": phys,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        "executionArn": f"arn:aws:execute-api:{region}:{ACCOUNT}:{h10}",
        "endpoint": host,
        "address": host,
        "dnsName": host,
        "url": f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{phys}"
        if module == "sqs"
        else f"https://{h16}.lambda-url.{region}.on.aws/",
        "apiEndpoint": f"https://{api}",
        "invokeUrl": f"https://{api}/{inputs.get('stageName') or '$default'}",
        "domainName": f"d{h13}.cloudfront.net" if module == "cloudfront" else f"{h10}.{module}.amazonaws.com",
        "hostedZoneId": "Z" + h13.upper(),
        "zoneId": "Z" + full[13:26].upper(),
        "bucketDomainName": f"{phys}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{phys}.s3.{region}.amazonaws.com",
        "keyId": f"{full[:8]}-{full[8:12]}-{full[12:16]}-{full[16:20]}-{full[20:32]}",
        "rootResourceId": h10,
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{phys}",
    }
    outputs = dict(inputs)
    for key, value in generated.items():
        if key in outputs and outputs[key] != UNKNOWN:
            continue
        if declared is None:
            if key in ("arn", "name") and module != "providers":
                outputs[key] = value
        elif key in declared:
            outputs[key] = value
    for key in sorted(declared or ()):
        if key not in outputs and key not in generated:
            outputs[key] = plausible_output(key, full, module, region, arn)
    if module == "s3" and kind.startswith("Bucket") and "bucket" in outputs:
        resource_id = outputs["bucket"]
    else:
        resource_id = phys if phys != autoname else autoname
    return str(resource_id), outputs


def plausible_output(key: str, full: str, module: str, region: str, arn: str) -> str:
    """A deterministic value in the format of the output `key` (IPs, ids, ARNs, hosts, URLs).

    Every value carries part of the resource's own hash, so one resource's output never equals
    another's and the bridge can tell which resource a value came from."""
    h = hashlib.sha256(f"{full}:{key}".encode()).hexdigest()
    octets = [int(h[i : i + 2], 16) for i in range(0, 8, 2)]
    lower = key.lower()
    if lower.endswith(("ipv6", "ipv6address")):
        return f"2600:1f18:{h[:4]}:{h[4:8]}::{h[8:12]}"
    if lower.endswith(("ip", "ipaddress")):
        first = "10" if "private" in lower else "54"
        return f"{first}.{octets[1]}.{octets[2]}.{max(octets[3], 1)}"
    if lower.endswith(("dns", "dnsname")):
        return f"{_kebab(key)}-{h[:10]}.{region}.{module}.amazonaws.com"
    if lower.endswith("arn"):
        return f"{arn}/{_kebab(key).removesuffix('-arn')}-{h[:8]}"
    if lower.endswith(("url", "endpoint")):
        return f"https://{h[:10]}.{module}.{region}.amazonaws.com"
    if key == "ownerId" or lower.endswith("accountid"):
        return ACCOUNT
    if lower.endswith("id"):
        stem = key[:-2]
        if stem.lower().endswith(_ZONE_STEMS):
            return "Z" + h[:13].upper()
        return f"{id_prefix(stem) or _kebab(stem)}-{h[:17]}"
    return f"{_kebab(key)}-{h[:10]}"


def _policy_document(args: Mapping[str, Any]) -> str:
    """Render aws.iam.get_policy_document arguments the way the provider does (enough for checks)."""
    statements = []
    for stmt in args.get("statements") or []:
        out: dict[str, Any] = {}
        if stmt.get("sid"):
            out["Sid"] = stmt["sid"]
        out["Effect"] = stmt.get("effect") or "Allow"
        for key, wire in (("actions", "Action"), ("notActions", "NotAction")):
            if stmt.get(key):
                values = stmt[key]
                out[wire] = values[0] if len(values) == 1 else values
        for key, wire in (("resources", "Resource"), ("notResources", "NotResource")):
            if stmt.get(key):
                values = stmt[key]
                out[wire] = values[0] if len(values) == 1 else values
        for key, wire in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if stmt.get(key):
                principal: dict[str, Any] = {}
                for entry in stmt[key]:
                    ids = entry.get("identifiers") or []
                    principal[entry.get("type", "AWS")] = ids[0] if len(ids) == 1 else ids
                out[wire] = "*" if principal == {"*": "*"} else principal
        if stmt.get("conditions"):
            condition: dict[str, Any] = {}
            for entry in stmt["conditions"]:
                values = entry.get("values") or []
                condition.setdefault(entry.get("test"), {})[entry.get("variable")] = (
                    values[0] if len(values) == 1 else values
                )
            out["Condition"] = condition
        statements.append(out)
    return json.dumps({"Version": args.get("version") or "2012-10-17", "Statement": statements}, indent=2)


# --- lookups (provider functions) -----------------------------------------------------------------

# EC2-style id prefixes by the (lower-cased) noun they identify; matched on the end of a field's stem,
# longest first, so `defaultSecurityGroupId` -> sg-, `rootSnapshotId` -> snap-.
ID_PREFIXES: dict[str, str] = {
    "ami": "ami",
    "image": "ami",
    "vpc": "vpc",
    "subnet": "subnet",
    "securitygroup": "sg",
    "instance": "i",
    "internetgateway": "igw",
    "egressonlyinternetgateway": "eigw",
    "natgateway": "nat",
    "routetable": "rtb",
    "networkinterface": "eni",
    "networkacl": "acl",
    "vpcendpoint": "vpce",
    "transitgateway": "tgw",
    "peeringconnection": "pcx",
    "eip": "eipalloc",
    "allocation": "eipalloc",
    "association": "eipassoc",
    "keypair": "key",
    "launchtemplate": "lt",
    "volume": "vol",
    "snapshot": "snap",
    "prefixlist": "pl",
    "customergateway": "cgw",
    "vpngateway": "vgw",
    "dhcpoptions": "dopt",
    "kernel": "aki",
    "ramdisk": "ari",
    "placementgroup": "pg",
    "carriergateway": "cagw",
    "capacityreservation": "cr",
}
_PREFIX_KEYS = sorted(ID_PREFIXES, key=len, reverse=True)


def id_prefix(stem: str) -> str | None:
    """The EC2-style id prefix of a field stem (`defaultSecurityGroup` -> `sg`), longest noun first."""
    lowered = stem.lower()
    return next((ID_PREFIXES[key] for key in _PREFIX_KEYS if lowered.endswith(key)), None)


_ZONE_STEMS = ("zone", "hostedzone", "delegationset")
_TIME = "2026-01-01T00:00:00.000Z"
_NAMED_STRINGS: dict[str, str] = {
    "architecture": "x86_64",
    "virtualizationType": "hvm",
    "rootDeviceType": "ebs",
    "rootDeviceName": "/dev/xvda",
    "imageType": "machine",
    "hypervisor": "xen",
    "platformDetails": "Linux/UNIX",
    "usageOperation": "RunInstances",
    "bootMode": "uefi-preferred",
    "imdsSupport": "v2.0",
    "imageOwnerAlias": "amazon",
    "sriovNetSupport": "simple",
    "state": "available",
    "status": "available",
    "instanceTenancy": "default",
    "partition": "aws",
    "dnsSuffix": "amazonaws.com",
    "engine": "postgres",
    "instanceType": "t3.micro",
    "comment": "Managed by Pulumi",
    "description": "",
    "ipv6CidrBlock": "",
}


def _zone_ids(region: str) -> list[str]:
    parts = region.split("-")
    short = parts[0] + "".join(p[0] for p in parts[1:-1]) + parts[-1] if len(parts) >= 3 else region
    return [f"{short}-az{i}" for i in (1, 2, 3)]


class _Lookup:
    """Generates one plausible, well-typed result of invoke `token` (deterministic in token + args)."""

    def __init__(self, token: str, args: Mapping[str, Any], region: str, fields: Any) -> None:
        from compliance.evaluation.result_types import camel_to_snake

        self.token, self.args, self.region = token, args, region
        _, self.module, function = _type_parts(token)
        noun = function[3:] if function.startswith("get") else function
        wires = {f.wire for f in fields}
        self.plural = "ids" in wires and noun.endswith("s") and "id" in wires
        if self.plural:
            noun = noun.removesuffix("Ids") if noun.endswith("Ids") else noun[:-1]
        self.noun = noun
        self.snake_noun = camel_to_snake(noun).replace("_", "-")
        seed = json.dumps(args, sort_keys=True, default=str)
        self.seed = f"{token}|{seed}"

    def hex(self, salt: str, size: int = 17) -> str:
        return hashlib.sha256(f"{self.seed}|{salt}".encode()).hexdigest()[:size]

    def ec2_id(self, stem: str, salt: str) -> str | None:
        prefix = id_prefix(stem)
        return f"{prefix}-{self.hex(salt)}" if prefix is not None else None

    def zone_id(self, salt: str) -> str:
        return "Z" + self.hex(salt, 13).upper()

    def own_id(self) -> str:
        if self.plural:
            return self.region
        if self.module == "route53" and self.noun.lower() in _ZONE_STEMS:
            return self.zone_id("id")
        ec2 = self.ec2_id(self.noun, "id")
        if ec2 is not None:
            return ec2
        if self.module == "kms":
            full = self.hex("id", 32)
            return f"{full[:8]}-{full[8:12]}-{full[12:16]}-{full[16:20]}-{full[20:]}"
        return self.given_name() or f"{self.snake_noun}-{self.hex('id', 7)}"

    def given_name(self) -> str | None:
        """The name the call asked for: `name`, `bucket` (get_bucket), `functionName`..."""
        lower = self.noun[:1].lower() + self.noun[1:]
        for key in ("name", lower, f"{lower}Name"):
            value = self.args.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    def name(self) -> str:
        given = self.given_name()
        if given is not None:
            return given
        if self.module == "route53":
            return f"zone-{self.hex('name', 6)}.example.com"
        return f"{self.snake_noun}-{self.hex('name', 7)}"

    def arn(self, stem: str, salt: str) -> str:
        if self.module == "route53" and stem.lower() in ("", *_ZONE_STEMS):
            return f"arn:aws:route53:::hostedzone/{self.own_id()}"
        kind = stem[:1].upper() + stem[1:] if stem else self.noun
        resource = self.own_id() if not stem else f"{camel_to_kebab(stem)}-{self.hex(salt, 7)}"
        if not stem and self.module == "ec2" and self.noun.lower() in ("ami", "image"):
            return f"arn:aws:ec2:{self.region}::image/{resource}"
        return mock_arn(f"aws:{self.module}/x:{kind}", resource, self.region)

    def string(self, wire: str) -> str:
        if wire == "id":
            return self.own_id()
        if wire == "name":
            return self.name()
        if wire in _NAMED_STRINGS:
            return _NAMED_STRINGS[wire]
        if wire in ("region", "regionName") or wire.endswith("Region"):
            return self.region
        if wire in ("accountId", "ownerId", "ownerAccountId", "awsAccountId"):
            return ACCOUNT
        if wire == "availabilityZone":
            return f"{self.region}a"
        if wire == "availabilityZoneId":
            return _zone_ids(self.region)[0]
        if wire == "cidrBlock":
            return (
                "10.0.0.0/16"
                if self.noun.lower() == "vpc"
                else f"10.0.{int(self.hex('cidr', 4), 16) % 250}.0/24"
            )
        if wire.endswith("Arn") or wire == "arn":
            return self.arn(wire[:-3], wire)
        if wire.endswith("Id"):
            stem = wire[:-2]
            if stem == "hostedZone" or (self.module == "route53" and stem.lower().endswith(_ZONE_STEMS)):
                return self.own_id() if self.noun.lower() in _ZONE_STEMS else self.zone_id(wire)
            if stem.lower() in (self.noun.lower(), "image" if self.noun.lower() == "ami" else ""):
                return self.own_id()
            return self.ec2_id(stem, wire) or f"{camel_to_kebab(stem)}-{self.hex(wire, 7)}"
        if wire.endswith(("Date", "Time", "Timestamp")):
            return _TIME
        if wire.endswith(("dnsName", "DnsName", "domainName", "DomainName", "endpoint", "Endpoint")):
            return f"{self.snake_noun}-{self.hex(wire, 7)}.{self.region}.{self.module}.amazonaws.com"
        if wire.endswith(("url", "Url")):
            return f"https://{self.snake_noun}-{self.hex(wire, 7)}.{self.region}.{self.module}.amazonaws.com"
        if wire == "imageLocation":
            return f"amazon/{self.name()}"
        return f"{camel_to_kebab(wire)}-{self.hex(wire, 7)}"

    def strings(self, wire: str) -> list[str]:
        if wire == "ids" and self.plural:
            singular = self.ec2_id(self.noun, "ids-0")
            if singular is not None:
                return [self.ec2_id(self.noun, f"ids-{i}") or "" for i in range(3)]
            return [f"{self.snake_noun}-{self.hex(f'ids-{i}', 7)}" for i in range(3)]
        if wire in ("names", "availabilityZones") and self.noun.lower() in (
            "availabilityzones",
            "vpc",
            "subnet",
        ):
            return [f"{self.region}{s}" for s in "abc"]
        if wire == "zoneIds" and "availability" in self.noun.lower():
            return _zone_ids(self.region)
        if wire == "nameServers":
            tlds = ("com", "net", "org", "co.uk")
            return [f"ns-{i}.awsdns-{i:02d}.{tld}" for i, tld in enumerate(tlds, start=1)]
        if wire == "cidrBlocks":
            return ["10.0.0.0/16"]
        if wire.endswith("Arns"):
            return [self.string(wire[:-1])]
        if wire.endswith("Ids"):
            single = self.ec2_id(wire[:-3], wire)
            return [single] if single is not None else []
        return []

    def value(self, wire: str, spec: Any, depth: int = 0) -> Any:
        from compliance.evaluation.result_types import ListOf, MapOf, ObjectType

        if spec == "str":
            return self.string(wire)
        if spec == "bool":
            return wire in ("enableDnsSupport", "enabled")
        if spec == "int":
            return 2 if wire.endswith("Count") else 1
        if spec == "float":
            return 1.0
        if isinstance(spec, ListOf):
            return self.strings(wire) if spec.item == "str" else []
        if isinstance(spec, MapOf):
            return {}
        if isinstance(spec, ObjectType):
            if depth >= 2:
                return None
            return {f.wire: self.value(f.wire, f.type, depth + 1) for f in spec.fields}
        return None


def camel_to_kebab(name: str) -> str:
    """`securityGroup` -> `security-group`."""
    return _kebab(name[:1].upper() + name[1:])


_MISSING = object()


def coerce(value: Any, spec: Any, depth: int = 0) -> Any:
    """`value` as type `spec` (the provider's own conversions: "true" -> True, "3" -> 3), else _MISSING."""
    from compliance.evaluation.result_types import ListOf, MapOf, ObjectType

    if value is None or depth > 6:
        return _MISSING
    if spec == "any":
        return value
    if spec == "str":
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, (str, int, float)) else _MISSING
    if spec == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return _MISSING
    if spec in ("int", "float"):
        if isinstance(value, bool):
            return _MISSING
        try:
            number = float(value)
        except (TypeError, ValueError):
            return _MISSING
        if spec == "float":
            return number
        return int(number) if number.is_integer() else _MISSING
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            return _MISSING
        items = [coerce(item, spec.item, depth + 1) for item in value]
        return _MISSING if any(item is _MISSING for item in items) else items
    if isinstance(spec, MapOf):
        if not isinstance(value, dict):
            return _MISSING
        mapped = {str(k): coerce(v, spec.value, depth + 1) for k, v in value.items()}
        return _MISSING if any(v is _MISSING for v in mapped.values()) else mapped
    if isinstance(spec, ObjectType):
        if not isinstance(value, dict):
            return _MISSING
        out = {}
        for field in spec.fields:
            if field.wire in value:
                item = coerce(value[field.wire], field.type, depth + 1)
                if item is not _MISSING:
                    out[field.wire] = item
        return out
    return _MISSING


def _fields(token: str, sdk_path: tuple[str, ...] | None = None) -> Any:
    from compliance.evaluation.result_types import result_type

    return result_type(token, sdk_path)


def plausible_result(
    token: str, args: Mapping[str, Any], region: str, sdk_path: Sequence[str] | None = None
) -> dict[str, Any] | None:
    """Every field of invoke `token`'s result type with a plausible value: the call's own arguments
    where the type declares them (converted to the declared type), made-up ids, ARNs, names, lists
    otherwise. None when the result type is unknown (its SDK is not installed here)."""
    fields = _fields(token, tuple(sdk_path) if sdk_path is not None else None)
    if fields is None:
        return None
    lookup = _Lookup(token, args, region, fields)
    result: dict[str, Any] = {}
    for field in fields:
        echoed = coerce(args.get(field.wire), field.type)
        result[field.wire] = echoed if echoed is not _MISSING else lookup.value(field.wire, field.type)
    return result


def _special(token: str, args: Mapping[str, Any], region: str) -> dict[str, Any] | None:
    """Lookups with fixed or computed answers (identity, region, AZs, policy documents)."""
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {
            "accountId": ACCOUNT,
            "arn": f"arn:aws:iam::{ACCOUNT}:user/offline-evaluation",
            "userId": "AIDAOFFLINEEVALUATION",
            "id": ACCOUNT,
        }
    if token == "aws:index/getRegion:getRegion":
        return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        names = [f"{region}{s}" for s in "abc"]
        return {"names": names, "zoneIds": _zone_ids(region), "id": region, "groupNames": [region]}
    if token == "aws:iam/getPolicyDocument:getPolicyDocument":
        document = _policy_document(args)
        return {
            "json": document,
            "minifiedJson": json.dumps(json.loads(document), separators=(",", ":")),
            "id": short_hash(document),
        }
    return None


class PinSource(typing.Protocol):
    """Pinned lookup results (compliance.evaluation.lookups.LookupPins)."""

    def pinned(self, token: str, args: Mapping[str, Any]) -> Mapping[str, Any] | None: ...


def mock_call(
    token: str,
    args: dict[str, Any],
    region: str,
    pins: PinSource | None = None,
    sdk_path: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The result of provider function `token` called with `args` (wire names) in `region`.

    Special cases (caller identity, region, partition, AZs, policy documents) over a plausible value
    for every field of the SDK's result type, then the user's pinned values (gitops-lookups.yaml)
    over both. A function whose result type is unknown here returns only its pins (or nothing): its
    arguments are never echoed. `sdk_path`: where the program's provider SDKs are (its
    site-packages); None reads the result types from this interpreter's SDKs."""
    result = plausible_result(token, args, region, sdk_path) or {}
    special = _special(token, args, region)
    if special is not None:
        result.update(special)
    if pins is not None:
        pinned = pins.pinned(token, args)
        if pinned is not None:
            result.update(pinned)
    return result
