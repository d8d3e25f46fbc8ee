"""HTTP endpoints of the agent: /healthz, /readyz (after the first good sync) and /metrics."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST


def parse_listen(value: str) -> tuple[str, int]:
    """'HOST:PORT' -> (host, port); raises ValueError with a clear message."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--listen {value!r}: expected HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def start_server(
    host: str, port: int, *, ready: Callable[[], bool], metrics: Callable[[], bytes]
) -> ThreadingHTTPServer:
    """Serve the endpoints on a daemon thread; port 0 picks a free port (see server.server_address)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._send(200, b"ok\n", "text/plain")
            elif path == "/readyz":
                ok = ready()
                self._send(200 if ok else 503, b"ready\n" if ok else b"not ready\n", "text/plain")
            elif path == "/metrics":
                self._send(200, metrics(), CONTENT_TYPE_LATEST)
            else:
                self._send(404, b"not found\n", "text/plain")

        def _send(self, code: int, body: bytes, ctype: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="gitops-http", daemon=True).start()
    return server
