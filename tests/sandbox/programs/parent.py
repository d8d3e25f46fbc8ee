"""A `gitops check`-like parent: starts a confined daemonising program and waits for it.

argv: DIR SANDBOX_MODE [--no-bwrap]. Exits 128+N when signal N stops it (no traceback).
"""

import sys
from pathlib import Path

from compliance import processes
from compliance.sandbox import (
    BubblewrapProbe,
    allowed_environment,
    confine,
    interpreter_paths,
    probe_bubblewrap,
)

directory, mode = Path(sys.argv[1]), sys.argv[2]
probe = (
    (lambda: BubblewrapProbe(None, "simulated: no bwrap")) if "--no-bwrap" in sys.argv else probe_bubblewrap
)
program = Path(__file__).with_name("daemon.py")
python = sys.argv[sys.argv.index("--python") + 1] if "--python" in sys.argv else sys.executable
confined = confine(
    [python, str(program), str(directory), "stay"],
    mode=mode,
    read_only=[program.parent, *interpreter_paths(python)],
    writable=[directory],
    env=allowed_environment({}, home=directory),
    probe=probe,
)
with processes.stop_on_signals():
    try:
        process = processes.spawn(confined, cwd=directory, stdout=None, stderr=None)
        print(f"started {confined.confinement}", flush=True)
        process.wait()
    except processes.Stopped as exc:
        print(f"stopped by {exc.name}", file=sys.stderr)
        sys.exit(exc.status)
