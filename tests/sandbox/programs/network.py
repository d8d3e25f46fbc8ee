"""Hostile program: tries the host's loopback port given in argv[1] and a name lookup; JSON result."""

import json
import os
import socket
import sys

result = {}
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3) as conn:
        conn.sendall(b"stolen")
    result["connect"] = "ok"
except OSError as exc:
    result["connect"] = type(exc).__name__
try:
    socket.getaddrinfo("localhost", 80)
    result["resolve"] = "ok"
except OSError as exc:
    result["resolve"] = type(exc).__name__
result["resolv_conf"] = os.path.exists("/etc/resolv.conf")
print(json.dumps(result))
