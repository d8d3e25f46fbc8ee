"""Program-side bootstrap: run one Pulumi Python program against the gate's resource monitor.

Started by the gate as `<program's python> -s -B bootstrap.py` (a script path, never
`-m compliance...`): it runs under the PROGRAM's interpreter and imports only the standard library
and the program's own Pulumi SDK (any 3.x from the last two years). It imports the SDK first, then
reads the request: one line of JSON on stdin (monitor address, project, stack, organization,
program path, directories for sys.path, config file name, and `environment`: PULUMI_CONFIG and
PULUMI_CONFIG_SECRET_KEYS, put in os.environ as the Pulumi CLI would). The gate may therefore start
this process before it knows which program it will run (compliance.evaluation.starter).

Nothing this process writes decides the gate's result: the gate records what the program
registers over gRPC. This process only adds, per registration, the source position (inside the
request's `sourcePosition`) and the string outputs of the resource's class (gRPC metadata), applies
transforms locally, and reports the program's own failure as an ERROR log on the engine. The gate
starts this process before its monitor listens: feature queries are answered from the request's
`features`, and the first call that needs the monitor waits for it (MonitorReady).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import importlib.util
import json
import os
import runpy
import sys
import threading
import time
import typing
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

DECLARED_HEADER = "gitops-declared"  # == compliance.evaluation.monitor.DECLARED_HEADER
ERROR_HEADER = "gitops-program-error"  # == compliance.evaluation.monitor.ERROR_HEADER
LOOKUP_HEADER = "gitops-lookup-position"  # == compliance.evaluation.monitor.LOOKUP_HEADER
INVOKE_ENTRIES = ("invoke", "invoke_single", "invoke_output", "invoke_output_single", "invoke_async")
"""pulumi.runtime's lookup entry points (those the running SDK has) that record their caller's line."""
_LOOKUP_AT: contextvars.ContextVar[tuple[str, int] | None] = contextvars.ContextVar(
    "gitops_lookup_at", default=None
)
HERE = os.path.dirname(os.path.abspath(__file__))
MONITOR_WAIT_SECONDS = 300.0
"""How long the program waits for the gate's monitor (the gate's own --timeout ends it sooner)."""


def _load_positions() -> Any:
    """compliance/evaluation/positions.py, loaded by path (its directory never joins sys.path)."""
    spec = importlib.util.spec_from_file_location("_gitops_positions", os.path.join(HERE, "positions.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class ProgramOrderExecutor(ThreadPoolExecutor):
    """Runs the SDK's blocking monitor calls on one worker thread, in the order the program made them.

    The program goes on building resources while the gate answers (the gate runs in another
    process, so this uses the second core); one worker keeps the calls, and so the gate's records,
    in program order. Each call runs in the context of the code that made it (a lookup's line).
    """

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="gitops-monitor-calls")

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def string_outputs(cls: type | None) -> list[str]:
    """Wire names of a resource class's string-typed output properties."""
    if cls is None:
        return []
    names: set[str] = set()
    for base in cls.__mro__:
        for attr in vars(base).values():
            if not isinstance(attr, property):
                continue
            wire = getattr(attr.fget, "_pulumi_name", None)
            if wire is None:
                continue
            args = typing.get_args(getattr(attr.fget, "__annotations__", {}).get("return"))
            if args and args[0] in (str, str | None):
                names.add(wire)
    return sorted(names)


def _on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class MonitorReady:
    """Waits, once, for the gate's monitor: on the first call, not before the program starts.

    The program imports its packages and builds resources meanwhile; the first monitor call (run
    by the SDK on its worker thread, or a lookup on the program's own) blocks until the gate listens.
    """

    def __init__(self, wait: Callable[[], None]) -> None:
        self._wait: Callable[[], None] | None = wait
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if self._wait is None:
            return
        with self._lock:
            if self._wait is not None:
                self._wait()
                self._wait = None


class MonitorProxy:
    """The SDK's monitor stub, plus: transforms applied here, class string outputs sent as metadata."""

    def __init__(
        self, stub: Any, positions: Any, ready: Callable[[], None], features: dict[str, str], pb2: Any
    ) -> None:
        self._stub = stub
        self._positions = positions
        self._ready = ready
        self._features = features  # the gate's, from the request: answered here, without waiting
        self._pb2 = pb2
        self.loop: asyncio.AbstractEventLoop | None = None  # the program's; transforms run there
        self._sent: set[str] = set()
        self.stack_transforms: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self._ready()
        return getattr(self._stub, name)

    def _metadata(self, token: str) -> tuple[tuple[str, str], ...]:
        if token in self._sent:
            return ()
        cls = self._positions.classes.get(token)
        if (
            cls is None or cls.__module__.split(".")[0] == "pulumi"
        ):  # the SDK's generic classes declare nothing
            return ()
        self._sent.add(token)
        return ((DECLARED_HEADER, json.dumps(string_outputs(cls))),)

    def SupportsFeature(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return self._pb2.SupportsFeatureResponse(hasSupport=request.id in self._features)

    def GetDeploymentInfo(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        enums = [getattr(self._pb2, name) for name in self._features.values() if hasattr(self._pb2, name)]
        return self._pb2.DeploymentInfo(supportedFeatures=enums)

    def RegisterStackTransform(self, request: Any) -> Any:
        from google.protobuf import empty_pb2

        self.stack_transforms.append(request.token)
        return empty_pb2.Empty()

    def _transform(self, request: Any) -> None:
        tokens = [c.token for c in request.transforms] + self.stack_transforms
        if not tokens or request.type == "pulumi:pulumi:Stack":
            return
        from pulumi.runtime._callbacks import _CallbackServicer
        from pulumi.runtime.proto import resource_pb2
        from pulumi.runtime.sync_await import _sync_await

        properties = request.object
        for token in tokens:
            callback = None
            for servicer in _CallbackServicer._servicers:
                callback = servicer._callbacks.get(token) or callback
            if callback is None:
                raise LookupError(f"transform callback {token} is not registered")
            options = resource_pb2.TransformResourceOptions(
                depends_on=list(request.dependencies),
                protect=request.protect,
                provider=request.provider,
                ignore_changes=list(request.ignoreChanges),
                additional_secret_outputs=list(request.additionalSecretOutputs),
            )
            transform_request = resource_pb2.TransformRequest(
                type=request.type,
                name=request.name,
                custom=request.custom,
                parent=request.parent,
                properties=properties,
                options=options,
            )
            properties = self._run_on_loop(
                callback(transform_request.SerializeToString()), _sync_await
            ).properties
        request.object.CopyFrom(properties)
        del request.transforms[:]

    def _run_on_loop(self, awaitable: Any, sync_await: Any) -> Any:
        """Await a transform callback on the program's event loop, from whichever thread calls."""
        loop = self.loop
        if loop is None or not loop.is_running() or _on_loop_thread(loop):
            return sync_await(awaitable)

        async def wait() -> Any:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wait(), loop).result()

    def RegisterResource(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self._transform(request)
        self._ready()
        return self._stub.RegisterResource(request, metadata=self._metadata(request.type))

    def ReadResource(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self._ready()
        return self._stub.ReadResource(request, metadata=self._metadata(request.type))

    def Invoke(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        where = _LOOKUP_AT.get() or self._positions.caller()
        metadata = ((LOOKUP_HEADER, f"{where[1]}:{quote(where[0])}"),) if where else ()
        self._ready()
        return self._stub.Invoke(request, metadata=metadata)


def record_lookup_callers(runtime_module: Any, invoke_module: Any, positions: Any) -> None:
    """Wrap the SDK's lookup entry points so each lookup remembers the user line that called it.

    The line rides in a context variable: an output-form lookup runs its RPC later, in a task that
    inherits the caller's context, when the user's frame is no longer on the stack.
    """

    def wrap(original: Any) -> Any:
        if asyncio.iscoroutinefunction(original):

            @functools.wraps(original)
            async def wrapped_async(*args: Any, **kwargs: Any) -> Any:
                token = _LOOKUP_AT.set(_LOOKUP_AT.get() or positions.caller())
                try:
                    return await original(*args, **kwargs)
                finally:
                    _LOOKUP_AT.reset(token)

            return wrapped_async

        @functools.wraps(original)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            token = _LOOKUP_AT.set(_LOOKUP_AT.get() or positions.caller())
            try:
                return original(*args, **kwargs)
            finally:
                _LOOKUP_AT.reset(token)

        return wrapped

    for name in INVOKE_ENTRIES:
        original = getattr(invoke_module, name, None)
        if original is None:
            continue
        wrapped = wrap(original)
        setattr(invoke_module, name, wrapped)
        if getattr(runtime_module, name, None) is original:
            setattr(runtime_module, name, wrapped)


class EngineProxy:
    """The SDK's engine stub, sending only ERROR logs: the gate records nothing else, and the SDK
    logs several DEBUG lines per resource (each one an RPC)."""

    def __init__(self, stub: Any, error_severity: int, ready: Callable[[], None]) -> None:
        self._stub = stub
        self._error = error_severity
        self._ready = ready

    def __getattr__(self, name: str) -> Any:
        self._ready()
        return getattr(self._stub, name)

    def Log(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.severity != self._error:
            return None
        self._ready()
        return self._stub.Log(request, *args, **kwargs)


async def wait_for_rpcs_batched(await_all_outstanding_tasks: bool = True) -> None:
    """pulumi.runtime.stack.wait_for_rpcs with the same contract, in time linear in the outputs.

    The SDK's version waits on every pending output with FIRST_COMPLETED and requeues the rest:
    quadratic in the number of pending outputs. Here each batch is awaited at once.
    """
    from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

    rpc_manager = _get_rpc_manager()
    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            rpcs = list(rpc_manager.rpcs)
            rpc_manager.rpcs.clear()
            try:
                await asyncio.gather(*rpcs)
            except Exception as exn:
                if rpc_manager.unhandled_exception is not None:
                    cause = rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
                    raise exn from cause
                raise
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        if await_all_outstanding_tasks:
            while True:
                with SETTINGS.lock:
                    if not SETTINGS.outputs:
                        break
                    pending = list(SETTINGS.outputs)
                    SETTINGS.outputs.clear()
                done, not_done = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    failure = None if task.cancelled() else task.exception()
                    if failure is not None:
                        # raised as is: awaiting the task would keep only this frame, not the
                        # user's line that failed (an `apply` callback, say)
                        raise failure
                    await task
                with SETTINGS.lock:
                    SETTINGS.outputs.update(not_done)
        if not rpc_manager.rpcs:
            break


class Describer:
    """One line naming where the program failed (file:line of the innermost user frame) and why."""

    def __init__(self, positions: Any, root: str, config_file: str, config_exists: bool) -> None:
        self.positions = positions
        self.root = Path(root)
        self.config_file = config_file
        self.config_exists = config_exists

    def relative(self, filename: str) -> str:
        path = Path(filename).resolve()
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def chain(self, exc: BaseException) -> BaseException:
        """The first exception of the cause/context chain with a user frame (cycles stop the walk)."""
        seen = {id(exc)}
        cause = exc
        while not self.positions.innermost_user_frame(cause.__traceback__):
            following = cause.__cause__
            if following is None and not cause.__suppress_context__:
                following = cause.__context__
            if following is None or id(following) in seen:
                break
            seen.add(id(following))
            cause = following
        return cause

    def config_hint(self, exc: BaseException) -> str | None:
        key = getattr(exc, "key", None)
        if type(exc).__name__ != "ConfigMissingError" or not isinstance(key, str):
            return None
        line = f"`{key}: <value>`"
        if not self.config_exists:
            return (
                f"missing required config {key}: {self.config_file} does not exist: create it with "
                f"`config:` and under it {line}, or pass --config {key}=VALUE"
            )
        return (
            f"missing required config {key}: add {line} to {self.config_file} (under `config:`), "
            f"or pass --config {key}=VALUE"
        )

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, SyntaxError) and exc.filename:
            return f"{self.relative(exc.filename)}:{exc.lineno}: SyntaxError: {exc.msg}"
        cause = self.chain(exc)
        try:
            text = str(cause)
        except Exception:  # a broken __str__ must not hide the failure
            text = ""
        message = self.config_hint(cause) or " ".join(text.split()) or type(cause).__name__
        frame = self.positions.innermost_user_frame(cause.__traceback__)
        where = f"{self.relative(frame[0])}:{frame[1]}: " if frame else ""
        return f"{where}{type(cause).__name__}: {message}"


def report_error(engine: Any, message: str) -> None:
    """Send the program's failure to the gate's engine (and stderr, for when the channel is gone)."""
    print(message, file=sys.stderr, flush=True)
    try:
        from pulumi.runtime.proto import engine_pb2

        engine.Log(
            engine_pb2.LogRequest(severity=engine_pb2.ERROR, message=message), metadata=((ERROR_HEADER, "1"),)
        )
    except Exception as exc:  # the gate then reads stderr and the exit status
        print(f"cannot report to the gate: {type(exc).__name__}", file=sys.stderr, flush=True)


def wait_for_monitor(grpc: Any, channel: Any, address: str, seconds: float) -> None:
    """Block until the gate's monitor accepts calls: the gate starts the program first, then listens."""
    path = address.removeprefix("unix:")
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the gate's monitor did not start listening at {path}")
        time.sleep(0.005)
    grpc.channel_ready_future(channel).result(timeout=max(1.0, deadline - time.monotonic()))


def configure(request: dict[str, Any], positions_module: Any) -> tuple[Any, Any, Any]:
    """Point the SDK at the gate's monitor and engine; hook positions. -> (positions, proxy, engine)."""
    import grpc
    import pulumi.resource as resource_module
    import pulumi.runtime as runtime_module
    import pulumi.runtime.resource as runtime_resource
    import pulumi.runtime.stack as runtime_stack
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, resource_pb2, resource_pb2_grpc, source_pb2

    options = [
        ("grpc.max_receive_message_length", 64 * 1024 * 1024),
        # the monitor may start listening just after the socket appears: retry soon, not after 1 s
        ("grpc.initial_reconnect_backoff_ms", 20),
        ("grpc.min_reconnect_backoff_ms", 20),
        ("grpc.max_reconnect_backoff_ms", 200),
    ]
    channel = grpc.insecure_channel(request["monitor"], options=options)
    ready = MonitorReady(lambda: wait_for_monitor(grpc, channel, request["monitor"], MONITOR_WAIT_SECONDS))
    monitor_stub = resource_pb2_grpc.ResourceMonitorStub(channel)
    engine = EngineProxy(engine_pb2_grpc.EngineStub(channel), engine_pb2.ERROR, ready)
    positions = positions_module.Positions(
        resource_module.ComponentResource,
        resource_module.__file__ or "",
        positions_module.library_dirs(HERE),
    )
    proxy = MonitorProxy(monitor_stub, positions, ready, dict(request["features"]), resource_pb2)
    settings = runtime_settings.Settings(
        project=request["project"],
        stack=request["stack"],
        monitor=proxy,
        engine=engine,
        dry_run=True,
        organization=request.get("organization") or "organization",
    )
    runtime_settings.configure(settings)

    def source_position(*args: Any, **kwargs: Any) -> Any:
        uri, line = positions.capture()
        return source_pb2.SourcePosition(uri=uri, line=line)

    runtime_resource._get_source_position = source_position
    # `pulumi.runtime.invoke` is also the name of a function: take the module from sys.modules
    record_lookup_callers(runtime_module, sys.modules["pulumi.runtime.invoke"], positions)
    if hasattr(runtime_resource, "_get_stack_trace"):
        runtime_resource._get_stack_trace = source_pb2.StackTrace  # the position carries what we need
    if isinstance(getattr(runtime_settings.SETTINGS, "outputs", None), set):
        runtime_stack.wait_for_rpcs = wait_for_rpcs_batched
    return positions, proxy, engine


PRELOADED = (
    "grpc",
    "pulumi",
    "pulumi.resource",
    "pulumi.runtime",
    "pulumi.runtime.resource",
    "pulumi.runtime.stack",
    "pulumi.runtime.settings",
    "pulumi.runtime.proto",
    "pulumi_aws",
)
"""Imported before the request arrives, from the interpreter's own environment (never the project's
directories, which join sys.path only with the request)."""


def preload() -> None:
    """Import the SDK while the gate still prepares the request; a missing or broken module is
    left to configure() and the program, which report it."""
    for name in PRELOADED:
        if importlib.util.find_spec(name.partition(".")[0]) is None:
            continue
        try:
            importlib.import_module(name)
        except Exception:
            return


def read_request(stream: typing.BinaryIO) -> dict[str, Any]:
    """The request: one line of JSON (the gate's end of the pipe may stay open in its children)."""
    line = stream.readline()
    if not line.strip():
        raise SystemExit("bootstrap: no request on stdin")
    request: dict[str, Any] = json.loads(line)
    return request


def main(argv: list[str]) -> int:
    """Import the SDK, read the request from stdin, evaluate its program; 0 when it ran to the end."""
    del argv
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != HERE and p != "."]
    preload()
    request = read_request(sys.stdin.buffer)
    devnull = os.open(os.devnull, os.O_RDONLY)  # the program reads nothing of the gate's
    os.dup2(devnull, 0)
    os.close(devnull)
    os.environ.update(request.get("environment", {}))
    positions_module = _load_positions()
    os.chdir(request["cwd"])
    # program dir, then project dir, then the repository's shared libraries beside the project
    sys.path[:0] = list(
        dict.fromkeys([request["program_dir"], request["cwd"], *request.get("library_paths", [])])
    )
    # No cyclic garbage collection in this short-lived process: the SDK keeps every resource's
    # futures and outputs alive until the end, and the collector walking them costs more than the
    # evaluation itself.
    gc.disable()
    engine = None
    describer = None
    try:
        positions, proxy, engine = configure(request, positions_module)
        describer = Describer(positions, request["root"], request["config_file"], request["config_exists"])
        from pulumi.runtime.stack import run_in_stack

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_default_executor(ProgramOrderExecutor())
        proxy.loop = loop
        program: str = request["program"]

        def run_program() -> None:
            runpy.run_path(program, run_name="__main__")

        loop.run_until_complete(run_in_stack(run_program))
    except BaseException as exc:  # any failure of user code is reported to the gate
        if isinstance(exc, KeyboardInterrupt):
            raise
        if describer is None:
            message = f"cannot start the program's Pulumi SDK: {type(exc).__name__}: {exc}"
        else:
            message = describer.describe(exc)
        if engine is not None:
            report_error(engine, message)
        else:
            print(message, file=sys.stderr, flush=True)
        return 1
    finally:
        sys.stdout.flush()
    # The interpreter's last garbage collection would walk every object for nothing.
    gc.freeze()
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
