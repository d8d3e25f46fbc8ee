"""The HTTP server under hostile clients: early disconnects keep the log one JSON object per line;
malformed requests, huge headers and 200 concurrent requests leave it serving."""

from __future__ import annotations

import json
import socket
import struct
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from gitops_agent.server import PostRequest, Response, start_server

BIG_METRICS = b"# HELP x y\n" + b"gitops_padding 1.0\n" * 300_000  # ~5.7 MB: writes outlast the client


@pytest.fixture
def base() -> Iterator[str]:
    def boom(request: PostRequest) -> Response:
        raise RuntimeError("route bug\nsecond line")

    server = start_server(
        "127.0.0.1", 0, ready=lambda: True, metrics=lambda: BIG_METRICS, routes={"/boom": boom}
    )
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _healthy(base: str) -> bool:
    with urllib.request.urlopen(f"http://{base}/healthz", timeout=10) as resp:
        return resp.status == 200 and resp.read() == b"ok\n"


def _close_early(port: int) -> None:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    sock.recv(1024)  # the answer has started
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close
    sock.close()


def test_clients_that_leave_early_write_no_traceback(base: str, capfd: pytest.CaptureFixture[str]) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda _: _close_early(_port(base)), range(60)))
    assert _healthy(base)
    with socket.create_connection(("127.0.0.1", _port(base)), timeout=10) as sock:
        sock.sendall(b"POST /boom HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        sock.recv(1024)
    assert _healthy(base)
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(isinstance(r, dict) and "event" in r for r in records)
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert [r["event"] for r in records] == ["http.error"]  # the route bug, on one line
    assert "route bug" in records[0]["error"]


def test_malformed_requests_and_huge_headers(base: str, capfd: pytest.CaptureFixture[str]) -> None:
    port = _port(base)
    junk = [
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(500)) + b"\r\n",
        b"POST /hooks/nothing HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        b"POST /boom HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"POST /boom HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ]
    for payload in junk:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            try:
                sock.sendall(payload)
                sock.recv(4096)
            except OSError:
                pass  # the server may drop it: what matters is that it stays up
        assert _healthy(base)
    err = capfd.readouterr().err
    assert "Traceback" not in err
    for line in err.splitlines():
        if line.strip():
            json.loads(line)


def test_200_concurrent_requests(base: str) -> None:
    def get(i: int) -> int:
        path = ("/healthz", "/readyz", "/nope")[i % 3]
        try:
            with urllib.request.urlopen(f"http://{base}{path}", timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=200) as pool:
        codes = list(pool.map(get, range(200)))
    assert codes.count(200) == 134 and codes.count(404) == 66
    assert _healthy(base)
