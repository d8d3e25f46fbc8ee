"""HTTP endpoints of the agent: /healthz, /readyz (after the first good sync), /metrics, and POST routes
(the GitHub push hook, /sync) given by the caller.

Every request is answered or dropped without a traceback: a client that disconnects early is
logged as one JSON line at most (the log stays one JSON object per line).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from gitops_agent.logs import log

__all__ = [
    "MAX_BODY",
    "PostRequest",
    "PostRoute",
    "Response",
    "parse_listen",
    "start_server",
]

MAX_BODY = 1024 * 1024
"""Largest POST body read (GitHub caps webhook payloads at 25 MB; a push event is far smaller)."""


@dataclass(frozen=True)
class PostRequest:
    """What a POST route sees: lower-cased headers, the body, and the client's address."""

    headers: Mapping[str, str]
    body: bytes
    client: str


@dataclass(frozen=True)
class Response:
    """What a route answers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


PostRoute = Callable[[PostRequest], Response]

_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


def parse_listen(value: str) -> tuple[str, int]:
    """'HOST:PORT' -> (host, port); raises ValueError with a clear message."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--listen {value!r}: expected HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog: bursts of clients wait in it instead of SYN retries

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line instead of socketserver's multi-line traceback on stderr."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, _DISCONNECTS):
            return  # the client went away: nothing to answer, nothing worth a log line
        log("http.error", "error", client=str(client_address[0]), error=f"{type(exc).__name__}: {exc}")


def start_server(
    host: str,
    port: int,
    *,
    ready: Callable[[], bool],
    metrics: Callable[[], bytes],
    routes: Mapping[str, PostRoute] | None = None,
) -> ThreadingHTTPServer:
    """Serve the endpoints on a daemon thread; port 0 picks a free port (see server.server_address).

    `routes` maps a path to the function answering POSTs to it; bodies over MAX_BODY are refused
    with 413 before they are read.
    """
    post_routes = dict(routes or {})

    class Handler(BaseHTTPRequestHandler):
        timeout = 30  # a client that stops sending mid-request does not hold a thread forever

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._send(Response(200, b"ok\n", "text/plain"))
            elif path == "/readyz":
                ok = ready()
                self._send(Response(200 if ok else 503, b"ready\n" if ok else b"not ready\n", "text/plain"))
            elif path == "/metrics":
                self._send(Response(200, metrics(), CONTENT_TYPE_LATEST))
            elif path in post_routes:
                self._send(Response(405, b"method not allowed\n", "text/plain", {"Allow": "POST"}))
            else:
                self._send(Response(404, b"not found\n", "text/plain"))

        def do_POST(self) -> None:
            route = post_routes.get(self.path.split("?", 1)[0])
            if route is None:
                self._send(Response(404, b"not found\n", "text/plain"))
                return
            length = self.headers.get("Content-Length")
            if length is None or not length.strip().isdigit():
                self.close_connection = True
                self._send(Response(411, b"Content-Length required\n", "text/plain"))
                return
            if int(length) > MAX_BODY:
                self.close_connection = True  # the unread body must not be parsed as a next request
                self._send(Response(413, b"payload too large\n", "text/plain"))
                return
            body = self.rfile.read(int(length))
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(route(PostRequest(headers=headers, body=body, client=self.client_address[0])))

        def _send(self, response: Response) -> None:
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)
            except _DISCONNECTS:
                self.close_connection = True  # the client left early; nothing to log

        def log_message(self, format: str, *args: object) -> None:
            return

    server = _Server((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="gitops-http", daemon=True).start()
    return server
