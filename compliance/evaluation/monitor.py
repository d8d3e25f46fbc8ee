"""The resource monitor and engine a program talks to, in the gate's process (gRPC on a unix socket).

What the gate records is what the program registered over these RPCs: a program cannot hand the
gate a graph any other way. Custom resources get plausible outputs from the fake cloud, lookups
(invokes) its answers, StackReferences the outputs of the referenced project's own evaluation.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, resource_pb2, resource_pb2_grpc

from compliance.evaluation import positions as position_codec
from compliance.evaluation.aliases import alias_urns
from compliance.evaluation.fake_cloud import mock_call, mock_outputs
from compliance.evaluation.features import MONITOR_FEATURES
from compliance.evaluation.lookups import LookupCall, explain_lookup_error
from compliance.evaluation.program import Program
from compliance.evaluation.wire import (
    AssetHasher,
    mask_keys,
    sanitize,
    sanitize_for_call,
    struct_to_py,
    to_struct,
    wrap_secrets,
)
from compliance.model import SECRET

__all__ = ["DECLARED_HEADER", "ERROR_HEADER", "MonitorServer", "Program", "Recorder"]

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
DECLARED_HEADER = "gitops-declared"
"""Metadata on a registration: JSON list of the string-typed outputs the resource's class declares."""
ERROR_HEADER = "gitops-program-error"
"""Metadata on an engine Log call: this ERROR is the program's own failure, described by the bootstrap."""
LOOKUP_HEADER = "gitops-lookup-position"
"""Metadata on an Invoke: `<line>:<percent-encoded file>`, the user line that made the lookup."""
MAX_MESSAGE = 64 * 1024 * 1024
MAX_ERROR = 4000

FEATURES = [getattr(resource_pb2, enum) for enum in MONITOR_FEATURES.values() if hasattr(resource_pb2, enum)]


class Recorder:
    """The graph of one program, built from its registrations (secrets masked, paths relative)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.lock = threading.Lock()
        self.assets = AssetHasher(cwd=program.cwd, root=program.root)
        self.resources: dict[str, tuple[int, dict[str, Any]]] = {}
        self.states: dict[str, tuple[str, dict[str, Any]]] = {}
        self.outputs: dict[str, Any] = {}
        self.stack_urn = ""
        self.error: str | None = None
        self.program_error: str | None = None
        self.logged_errors: list[str] = []
        self.provider_regions: dict[str, str] = {}
        self.declared: dict[str, frozenset[str]] = {}
        self.lookups: list[LookupCall] = []
        self._relative: dict[str, str] = {}
        self._arrivals = 0

    def mask(self, text: str) -> str:
        """One line, secret placeholders replaced, capped."""
        line = " ".join(text.strip().splitlines())
        for placeholder in self.program.placeholders:
            line = line.replace(placeholder, SECRET)
        return line if len(line) <= MAX_ERROR else line[:MAX_ERROR] + " [truncated]"

    def relative(self, filename: str) -> str:
        """Path of a source file relative to the root (POSIX form), absolute when outside it."""
        known = self._relative.get(filename)
        if known is None:
            path = Path(filename).resolve()
            known = (
                path.relative_to(self.program.root).as_posix()
                if path.is_relative_to(self.program.root)
                else path.as_posix()
            )
            self._relative[filename] = known
        return known

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine would give (parent type chain included)."""
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        return "urn:pulumi:" + "::".join([self.program.env, self.program.project, type_, name])

    def region_for(self, provider_ref: str) -> str:
        """The region of an explicit AWS provider reference (`urn::id`), else the stack's."""
        return (
            self.provider_regions.get(provider_ref, self.program.region)
            if provider_ref
            else self.program.region
        )

    def resolve_reference(self, name: str) -> dict[str, Any]:
        """Outputs of a referenced stack `<org>/<project>/<env>`, by full or shorter key."""
        parts = name.split("/")
        outputs = self.program.stack_outputs
        for key in (name, "/".join(parts[-2:]), parts[-2] if len(parts) >= 2 else name):
            if key in outputs:
                return dict(outputs[key])
        raise LookupError(f"StackReference to unknown stack {name!r} (not evaluated or not discovered)")

    def positions(self, request: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None, int]:
        """(source, source_inner, order) of a registration, from its encoded sourcePosition."""
        self._arrivals += 1
        primary, inner, seq = position_codec.decode(request.sourcePosition.uri, request.sourcePosition.line)
        source = {"file": self.relative(primary[0]), "line": primary[1]} if primary else None
        inner_pos = {"file": self.relative(inner[0]), "line": inner[1]} if inner else None
        order = seq if seq is not None else 1_000_000 + self._arrivals
        return source, (inner_pos if inner_pos != source else None), order

    def record(
        self, request: Any, urn: str, raw: dict[str, Any], rid: str, outputs: dict[str, Any], custom: bool
    ) -> None:
        """Store one registered resource in graph form (secrets masked)."""
        source, inner, order = self.positions(request)
        secret_names = list(request.additionalSecretOutputs)
        placeholders = self.program.placeholders
        self.resources[urn] = (
            order,
            {
                "urn": urn,
                "type": request.type,
                "name": request.name,
                "custom": custom,
                "id": rid or None,
                "parent": request.parent or None,
                "provider": request.provider or None,
                "depends_on": sorted(set(request.dependencies)),
                "protect": bool(request.protect),
                "retain_on_delete": bool(request.retainOnDelete),
                "aliases": alias_urns(
                    request, urn, {"env": self.program.env, "project": self.program.project}, self.resources
                ),
                "remote": bool(getattr(request, "remote", False)),
                "inputs": mask_keys(sanitize(raw, placeholders, self.assets), secret_names),
                "outputs": mask_keys(sanitize(outputs, placeholders, self.assets), secret_names),
                "property_dependencies": {
                    key: sorted(set(deps.urns))
                    for key, deps in sorted(request.propertyDependencies.items())
                    if deps.urns
                },
                "source": source,
                "source_inner": inner,
            },
        )

    def graph(self) -> dict[str, Any]:
        """The StackGraph (as a dict) of everything registered so far."""
        with self.lock:
            ordered = [res for _, res in sorted(self.resources.values(), key=lambda item: item[0])]
            error = (
                self.error or self.program_error or (self.logged_errors[0] if self.logged_errors else None)
            )
            if error and self.lookups:
                error = explain_lookup_error(error, self.lookups, self.program.root)
            return {
                "project": self.program.project,
                "path": self.program.path,
                "env": self.program.env,
                "resources": ordered,
                "outputs": self.outputs,
                "error": error,
            }


def _abort(context: Any, code: grpc.StatusCode, message: str) -> NoReturn:
    """Fail the RPC: the program sees `message` as the call's error."""
    context.abort(code, message)
    raise RuntimeError(message)  # abort raises; this only tells type checkers


def _header(context: grpc.ServicerContext, name: str) -> str | None:
    """The value of the call's metadata entry `name` (the first one), if the program sent it."""
    for key, value in context.invocation_metadata() or ():
        if key == name and isinstance(value, str):
            return value
    return None


def _declared(context: grpc.ServicerContext, recorder: Recorder, token: str) -> frozenset[str] | None:
    known = recorder.declared.get(token)
    if known is not None:
        return known
    value = _header(context, DECLARED_HEADER)
    try:
        names = json.loads(value) if value is not None else None
    except ValueError:
        return None
    if not isinstance(names, list):
        return None
    known = recorder.declared[token] = frozenset(str(n) for n in names)
    return known


def _lookup_position(context: grpc.ServicerContext, recorder: Recorder) -> tuple[str | None, int | None]:
    """(repository-relative file, line) the bootstrap sent with an Invoke; (None, None) without one."""
    line, _, quoted = (_header(context, LOOKUP_HEADER) or "").partition(":")
    file = unquote(quoted)
    if line.isdigit() and file and "\0" not in file:
        return recorder.relative(file), int(line)
    return None, None


class ResourceMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    """Records registrations into a Recorder and answers like a preview against the fake cloud."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in MONITOR_FEATURES)

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return resource_pb2.DeploymentInfo(supportedFeatures=FEATURES)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        rec = self.recorder
        declared = _declared(context, rec, request.type)
        with rec.lock:
            urn = rec.make_urn(request.parent, request.type, request.name)
            if request.type == STACK_TYPE:
                rec.stack_urn = urn
                return resource_pb2.RegisterResourceResponse(urn=urn)
            raw = struct_to_py(request.object)
            rid = ""
            outputs: dict[str, Any] = {}
            if request.custom:
                region = rec.region_for(request.provider)
                rid, outputs = mock_outputs(
                    request.type, request.name, urn, raw, None, region, declared=declared
                )
                if request.type == "pulumi:providers:aws" and isinstance(raw.get("region"), str):
                    rec.provider_regions[f"{urn}::{rid}"] = raw["region"]
            rec.record(request, urn, raw, rid, outputs, bool(request.custom))
            rec.states[urn] = (rid, outputs)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid, object=to_struct(outputs))

    def ReadResource(self, request: Any, context: Any) -> Any:
        rec = self.recorder
        declared = _declared(context, rec, request.type)
        with rec.lock:
            urn = rec.make_urn(request.parent, request.type, request.name)
            if request.type == STACK_REFERENCE:
                try:
                    found = rec.resolve_reference(request.id)
                except LookupError as exc:
                    rec.error = rec.error or str(exc)
                    _abort(context, grpc.StatusCode.NOT_FOUND, str(exc))
                state: dict[str, Any] = {
                    "name": request.id,
                    "outputs": wrap_secrets(found),
                    "secretOutputNames": sorted(k for k, v in found.items() if v == SECRET),
                }
            else:
                props = struct_to_py(request.properties)
                region = rec.region_for(request.provider)
                _, state = mock_outputs(
                    request.type,
                    request.name,
                    urn,
                    props,
                    None,
                    region,
                    physical=request.id,
                    declared=declared,
                )
                state["id"] = request.id
                rec.states[urn] = (request.id, state)
        return resource_pb2.ReadResourceResponse(urn=urn, id=request.id, properties=to_struct(state))

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        rec = self.recorder
        with rec.lock:
            outputs = sanitize(struct_to_py(request.outputs), rec.program.placeholders, rec.assets)
            if request.urn == rec.stack_urn:
                rec.outputs = outputs
            elif request.urn in rec.resources:
                rec.resources[request.urn][1]["outputs"] = outputs
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:
        rec = self.recorder
        args = struct_to_py(request.args)
        if request.tok == "pulumi:pulumi:getResource":
            with rec.lock:
                found = rec.states.get(str(args.get("urn")))
            if found is None:
                _abort(context, grpc.StatusCode.NOT_FOUND, f"unknown resource {args.get('urn')}")
            rid, state = found
            ret = {"urn": args["urn"], "id": rid, "state": state}
        else:
            call_args = sanitize_for_call(args)
            pins = rec.program.pins
            ret = mock_call(
                request.tok,
                call_args,
                rec.region_for(request.provider),
                pins=pins,
                sdk_path=rec.program.sdk_path,
            )
            pinned = pins is not None and pins.pinned(request.tok, call_args) is not None
            with rec.lock:
                file, line = _lookup_position(context, rec)
                rec.lookups.append(LookupCall.of(request.tok, ret, file=file, line=line, pinned=pinned))
        return resource_pb2.ResourceInvokeResponse(**{"return": to_struct(ret)})

    def Call(self, request: Any, context: Any) -> Any:
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED, f"method calls ({request.tok}) are not evaluated offline"
        )

    def RegisterStackTransform(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()  # the bootstrap applies transforms in the program's process

    def RegisterStackInvokeTransform(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def RegisterResourceHook(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def RegisterErrorHook(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def RegisterPackage(self, request: Any, context: Any) -> Any:
        return resource_pb2.RegisterPackageResponse(ref=f"offline-{request.name}-{request.version}")

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()


class Engine(engine_pb2_grpc.EngineServicer):
    """Log messages (an ERROR is a failure, as in a real preview) and the root resource."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.root = ""

    def Log(self, request: Any, context: Any) -> Any:
        if request.severity == engine_pb2.ERROR:
            rec = self.recorder
            message = rec.mask(request.message)
            own = _header(context, ERROR_HEADER) is not None
            with rec.lock:
                if own:
                    rec.program_error = rec.program_error or message
                elif len(rec.logged_errors) < 20:
                    rec.logged_errors.append(message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self.root)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        self.root = request.urn
        return engine_pb2.SetRootResourceResponse()


class MonitorServer:
    """A gRPC server for one program on `unix:<socket_dir>/monitor.sock` (monitor and engine)."""

    def __init__(self, recorder: Recorder, socket_dir: Path) -> None:
        self.recorder = recorder
        self.path = socket_dir / "monitor.sock"
        self.address = f"unix:{self.path}"
        self._server = grpc.server(
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="gitops-monitor"),
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE),
                ("grpc.max_send_message_length", MAX_MESSAGE),
            ],
        )
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(ResourceMonitor(recorder), self._server)
        engine_pb2_grpc.add_EngineServicer_to_server(Engine(recorder), self._server)
        if not self._server.add_insecure_port(self.address):  # older grpc: 0 instead of raising
            raise OSError(f"cannot listen on {self.path}")

    def __enter__(self) -> MonitorServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None)
