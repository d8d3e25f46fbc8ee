"""Hostile program: leaves a daemon behind that appends to DIR/heartbeat every 0.1 s, forever.

argv: DIR MODE; MODE "exit" returns at once after daemonising, "stay" then sleeps forever.
"""

import os
import sys
import time

directory, mode = sys.argv[1], sys.argv[2]
if os.fork() == 0:
    os.setsid()  # leave the process group, as a daemon does
    if os.fork() == 0:
        while True:
            with open(os.path.join(directory, "heartbeat"), "a") as handle:
                handle.write(f"{os.getpid()}\n")
            time.sleep(0.1)
    os._exit(0)
while not os.path.exists(os.path.join(directory, "heartbeat")):
    time.sleep(0.02)
with open(os.path.join(directory, "started"), "w") as handle:
    handle.write(str(os.getpid()))
if mode == "stay":
    while True:
        time.sleep(1)
