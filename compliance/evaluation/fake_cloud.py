"""The fake cloud behind offline evaluation: plausible, deterministic resource outputs and lookups.

Pure functions of (type token, logical name, URN, inputs, region): the same program always gets the
same ids, ARNs and lookup results, so graphs and digests are stable across runs.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Collection, Mapping
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
    if module == "s3" and kind.startswith("Bucket") and "bucket" in outputs:
        resource_id = outputs["bucket"]
    else:
        resource_id = phys if phys != autoname else autoname
    return str(resource_id), outputs


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


def mock_call(token: str, args: dict[str, Any], region: str) -> dict[str, Any]:
    """Return values for provider functions (data sources) that programs commonly call."""
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
        return {"names": names, "zoneIds": [f"use1-az{i}" for i in (1, 2, 3)], "id": region}
    if token == "aws:iam/getPolicyDocument:getPolicyDocument":
        document = _policy_document(args)
        return {
            "json": document,
            "minifiedJson": json.dumps(json.loads(document), separators=(",", ":")),
            "id": short_hash(document),
        }
    return dict(args)
