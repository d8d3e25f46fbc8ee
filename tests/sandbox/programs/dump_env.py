"""Prints its environment and identity as JSON (the test looks for sentinel secrets)."""

import json
import os

print(json.dumps({"env": dict(os.environ), "uid": os.getuid(), "cwd": os.getcwd()}))
