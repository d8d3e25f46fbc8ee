"""Starts a child that stays in the process group and appends to DIR/heartbeat forever; then returns."""

import os
import sys
import time

directory = sys.argv[1]
if os.fork() == 0:
    while True:
        with open(os.path.join(directory, "heartbeat"), "a") as handle:
            handle.write("x")
        time.sleep(0.1)
while not os.path.exists(os.path.join(directory, "heartbeat")):
    time.sleep(0.02)
