"""Connects to the unix socket argv[1] and sends a line: the gate's monitor must stay reachable."""

import socket
import sys

with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
    conn.connect(sys.argv[1])
    conn.sendall(b"hello from the sandbox\n")
print("sent")
