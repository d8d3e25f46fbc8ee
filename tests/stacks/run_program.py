"""Run one stack program under Pulumi's mock runtime and write its resource graph as JSON.

Usage: python run_program.py <project-dir> <env> <stack-references.json> <out.json>

Runs in its own process (Pulumi's runtime state is global). Stack config comes from the project's
Pulumi.<env>.yaml; StackReference outputs come from the references file
({"organization/database/dev": {"tableName": ...}}). Registered stack transforms are applied to
every resource, as the engine would, so the recorded inputs are the ones sent to AWS.
"""

from __future__ import annotations

import inspect
import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.sync_await import _sync_await

ACCOUNT = "123456789012"
REGION = "us-east-1"


def fake_outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Plausible provider-computed outputs (ARNs, endpoints, names) for the types the stacks use."""
    service = typ.split(":")[1].split("/")[0]
    physical = inputs.get("name") or f"{name}-physical"
    out: dict[str, Any] = {"arn": f"arn:aws:{service}:{REGION}:{ACCOUNT}:{name}"}
    if typ == "aws:kms/key:Key":
        out |= {"keyId": f"{name}-key-id", "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{name}-key-id"}
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        out["arn"] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{physical}"
    elif typ == "aws:dynamodb/table:Table":
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{physical}"
        out |= {"name": physical, "arn": arn, "streamArn": f"{arn}/stream/2026-01-01T00:00:00.000"}
    elif typ == "aws:rds/cluster:Cluster":
        out |= {
            "endpoint": f"{inputs.get('clusterIdentifier')}.cluster-abc.{REGION}.rds.amazonaws.com",
            "masterUserSecrets": [
                {"secretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-{name}"}
            ],
        }
    elif typ == "aws:lambda/function:Function":
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical}"
        out |= {"name": physical, "arn": arn, "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/{arn}"}
    elif typ == "aws:apigatewayv2/api:Api":
        out |= {
            "apiEndpoint": f"https://{name}-api-id.execute-api.{REGION}.amazonaws.com",
            "executionArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{name}-api-id",
        }
    elif typ == "aws:sqs/queue:Queue":
        out |= {
            "url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
            "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
        }
    elif typ == "aws:s3/bucket:Bucket":
        out |= {
            "bucket": f"{name}-bucket",
            "arn": f"arn:aws:s3:::{name}-bucket",
            "bucketDomainName": f"{name}-bucket.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{name}-bucket.s3.{REGION}.amazonaws.com",
        }
    elif typ == "aws:cloudfront/distribution:Distribution":
        arn = f"arn:aws:cloudfront::{ACCOUNT}:distribution/{name}"
        out |= {"domainName": f"{name}.cloudfront.net", "arn": arn}
    return out


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every registration (after stack transforms) and answers StackReferences."""

    def __init__(self, references: dict[str, dict[str, Any]]) -> None:
        self.references = references
        self.transforms: list[Any] = []
        self.resources: list[dict[str, Any]] = []

    def register_transform(self, transform: Any) -> None:
        self.transforms.append(transform)

    def _transform(self, args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
        props = dict(args.inputs)
        for transform in self.transforms:
            result = transform(
                pulumi.ResourceTransformArgs(
                    custom=bool(args.custom),
                    type_=args.typ,
                    name=args.name,
                    props=props,
                    opts=pulumi.ResourceOptions(),
                )
            )
            if inspect.isawaitable(result):
                result = _sync_await(result)
            if result is not None:
                props = dict(result.props)
        return props

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs["name"]
            if name not in self.references:
                raise KeyError(f"no outputs for referenced stack {name}")
            return name, {"name": name, "outputs": self.references[name], "secretOutputNames": []}
        inputs = self._transform(args)
        record = {"type": args.typ, "name": args.name, "custom": bool(args.custom), "inputs": inputs}
        self.resources.append(record)
        return f"{args.name}-id", {**inputs, **fake_outputs(args.typ, args.name, inputs)}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            identity = {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/t", "userId": "U"}
            return identity, []
        raise NotImplementedError(f"unmocked call {args.token}")


def stack_config(project_dir: Path, env: str) -> dict[str, str]:
    """Pulumi.<env>.yaml as the engine passes it: `ns:key` -> string (objects as JSON)."""
    raw = yaml.safe_load((project_dir / f"Pulumi.{env}.yaml").read_text())["config"]
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in raw.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return {"path": value.path}
    if isinstance(value, pulumi.AssetArchive):
        return {"assets": {name: _jsonable(asset) for name, asset in value.assets.items()}}
    if isinstance(value, pulumi.Archive | pulumi.Asset):
        return {"asset": type(value).__name__}
    return repr(value)


def main(project_dir: Path, env: str, references_file: Path, out_file: Path) -> None:
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
    pulumi.runtime.set_all_config(stack_config(project_dir, env))
    mocks = RecordingMocks(json.loads(references_file.read_text()))
    pulumi.runtime.set_mocks(mocks, project=project, stack=env, preview=False, organization="organization")
    os.chdir(project_dir)
    program = str(project_dir / "__main__.py")
    _sync_await(pulumi.runtime.stack.run_pulumi_func(lambda: runpy.run_path(program, run_name="__main__")))
    root = pulumi.runtime.settings.get_root_resource()
    outputs = _sync_await(pulumi.Output.from_input(root.outputs).future()) if root else {}  # type: ignore[attr-defined]
    graph = {"project": project, "env": env, "resources": mocks.resources, "outputs": outputs}
    out_file.write_text(json.dumps(graph, default=_jsonable, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
