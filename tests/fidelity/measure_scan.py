"""Measure the bridge + scan against `checkov -d` on the equivalent HCL (not a test; run by hand).

    .venv/bin/python tests/fidelity/measure_scan.py 700 [--profile] [--uncached]

Generates the synthetic program and HCL with bench.generate, then, each in a fresh process:
  gate path  = evaluate_project -> to_terraform_plan -> scan (Checkov import included)
  gate path with preload = the same, with scan.preload() in a thread during the evaluation
  scan only  = to_terraform_plan -> scan on the already evaluated graph
  checkov -d = checkov -d <hcl> --framework terraform --skip-download
and prints wall and CPU seconds (process tree) of each as JSON. `--uncached`: no .pyc files are
written or used (this machine's default, PYTHONDONTWRITEBYTECODE=1), so every import compiles.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.generate import write_hcl, write_program  # noqa: E402
from bench.measure import bench_env, run  # noqa: E402

CHECKOV_ARGS = ("--framework", "terraform", "--skip-download", "--compact", "--quiet")

GATE = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from compliance.evaluate import evaluate_project
from compliance.bridge import to_terraform_plan
from compliance.scan import scan
g = evaluate_project(Path(sys.argv[1]), "dev", repo_root=Path(sys.argv[1]))
assert g.error is None, g.error
t1 = time.perf_counter()
p = to_terraform_plan(g)
t2 = time.perf_counter()
r = scan([(g, p)])
t3 = time.perf_counter()
n = sum(len(v) for v in r.values())
print(f"resources={len(g.resources)} findings={n}", file=sys.stderr)
print(f"evaluate={t1-t0:.2f}s bridge={t2-t1:.2f}s scan={t3-t2:.2f}s", file=sys.stderr)
"""

GATE_PRELOAD = GATE.replace(
    "from compliance.scan import scan\n",
    "from compliance.scan import scan, preload\nimport threading\n"
    "loader = threading.Thread(target=preload)\nloader.start()\n",
).replace("t1 = time.perf_counter()\n", "loader.join()\nt1 = time.perf_counter()\n", 1)

SCAN_ONLY = """
import sys, time
from compliance.model import StackGraph
t0 = time.perf_counter()
from compliance.bridge import to_terraform_plan
from compliance.scan import scan
g = StackGraph.model_validate_json(open(sys.argv[1]).read())
p = to_terraform_plan(g)
r = scan([(g, p)])
print(f"findings={sum(len(v) for v in r.values())} total={time.perf_counter()-t0:.2f}s", file=sys.stderr)
"""

DUMP = """
import sys
from pathlib import Path
from compliance.evaluate import evaluate_project
g = evaluate_project(Path(sys.argv[1]), "dev", repo_root=Path(sys.argv[1]))
open(sys.argv[2], "w").write(g.model_dump_json())
"""

PROFILE = """
import cProfile, pstats, sys
from compliance.model import StackGraph
from compliance.bridge import to_terraform_plan
from compliance.scan import scan
g = StackGraph.model_validate_json(open(sys.argv[1]).read())
cProfile.run("scan([(g, to_terraform_plan(g))])", sys.argv[2])
with open(sys.argv[3], "w") as out:
    pstats.Stats(sys.argv[2], stream=out).sort_stats("cumulative").print_stats(40)
"""


def main(argv: list[str]) -> int:
    """Generate, run the three measurements, print JSON."""
    size = int(argv[0]) if argv else 700
    python = str(REPO / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="measure-scan-") as tmp_name:
        tmp = Path(tmp_name)
        program = write_program(tmp / "program", size)
        hcl = write_hcl(tmp / "hcl", size)
        (tmp / "pycache").mkdir()
        env = bench_env(tmp / "pycache", cached="--uncached" not in argv)
        graph = tmp / "graph.json"
        run([python, "-c", DUMP, str(program), str(graph)], cwd=REPO, env=env)  # also warms .pyc
        results = {
            "resources": size,
            "gate_path": run([python, "-c", GATE, str(program)], cwd=REPO, env=env).model_dump(),
            "gate_path_preload": run(
                [python, "-c", GATE_PRELOAD, str(program)], cwd=REPO, env=env
            ).model_dump(),
            "scan_only": run([python, "-c", SCAN_ONLY, str(graph)], cwd=REPO, env=env).model_dump(),
            "checkov_d": run(
                [str(REPO / ".venv" / "bin" / "checkov"), "-d", str(hcl), *CHECKOV_ARGS],
                cwd=REPO,
                env=env,
            ).model_dump(),
        }
        if "--profile" in argv:
            text = tmp / "profile.txt"
            run([python, "-c", PROFILE, str(graph), str(tmp / "prof"), str(text)], cwd=REPO, env=env)
            print(text.read_text(), file=sys.stderr)
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
