"""`python -m bench.run` (`make bench`): measure the gate, Checkov and the agent; print and save results.

Results go to bench/out/results.json (sections from earlier runs are kept, so subsets can be run one at
a time) and, for full-size runs, to bench/results/latest.json, which is committed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import markdown, scenarios
from bench.machine import describe
from bench.measure import bench_env

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out" / "results.json"
LATEST = BENCH / "results" / "latest.json"
SECTIONS = ("gate", "memory", "multistack", "agent", "profile")
FULL_SIZES = (70, 700, 3500)
QUICK_SIZES = (70, 140)
PYCACHE = Path(tempfile.gettempdir()) / "gitops-bench-pycache"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, 1 run, 6 stacks (smoke run)")
    p.add_argument("--only", action="append", choices=SECTIONS, help="run only this section (repeatable)")
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], help="e.g. 70,700,3500")
    p.add_argument("--repeats", type=int, help="runs per measurement, best is kept (default 3)")
    p.add_argument("--stacks", type=int, help="stacks in the multi-stack and agent repos (default 20)")
    p.add_argument(
        "--out",
        type=Path,
        help="results file (default bench/out/results.json; --show, --markdown and --update-doc "
        "fall back to the committed bench/results/latest.json when it does not exist)",
    )
    p.add_argument("--workdir", type=Path, help="keep generated inputs here instead of a temp dir")
    p.add_argument(
        "--bytecode",
        choices=("cached", "uncached"),
        default="cached",
        help="cached (default): .pyc reused from a bench-owned cache, like an installed environment; "
        "uncached: every import compiles from source (this machine's default state)",
    )
    p.add_argument("--show", action="store_true", help="print the tables of the results file and exit")
    p.add_argument("--markdown", action="store_true", help="print the results file as Markdown and exit")
    p.add_argument(
        "--update-doc",
        type=Path,
        metavar="MD",
        help="replace the text between <!-- bench:begin --> and <!-- bench:end --> in MD with the results",
    )
    return p.parse_args(argv)


def results_file(given: Path | None) -> Path:
    """The results to show: the given file, else this machine's last run, else the committed ones."""
    if given is not None:
        return given
    return OUT if OUT.is_file() else LATEST


def load(path: Path) -> dict[str, Any]:
    """Existing results (empty when missing or unreadable)."""
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _s(x: Any, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def _failures(runs: Sequence[dict[str, Any]], what: str) -> list[str]:
    return [
        f"{what}: exit {r['exit_code']}, {r.get('error') or 'error'}: "
        + (r["stderr_tail"].splitlines() or [""])[-1]
        for r in runs
        if r.get("error") or r["exit_code"] > 1
    ]


def render(results: dict[str, Any], console: Console) -> list[str]:
    """Print one table per section present; returns one line per failed run."""
    failures: list[str] = []
    gate = results.get("gate")
    if gate:
        t = Table(title="Gate (gitops check) vs Checkov (checkov -d on equivalent HCL), best wall time")
        for col in (
            "resources",
            "gate s",
            "checkov s",
            "ratio",
            "cpu ratio",
            "gate ms/res",
            "checkov ms/res",
        ):
            t.add_column(col, justify="right")
        t.add_column("gate passed/failed", justify="right")
        t.add_column("checkov passed/failed", justify="right")
        for s in gate["sizes"]:
            gs, cs = s["gate_summary"], s["checkov_summary"]
            t.add_row(
                str(s["resources"]),
                _s(s["gate_best_s"]),
                _s(s["checkov_best_s"]),
                _s(s["ratio"]),
                _s(s["cpu_ratio"]),
                _s(s["gate_ms_per_resource"], "{:.1f}"),
                _s(s["checkov_ms_per_resource"], "{:.1f}"),
                f"{gs.get('passed', '-')}/{gs.get('failed', '-')}",
                f"{cs.get('passed', '-')}/{cs.get('failed', '-')}",
            )
            failures += _failures(s["gate_runs"], f"gate {s['resources']}")
            failures += _failures(s["checkov_runs"], f"checkov {s['resources']}")
        console.print(t)
        console.print(
            f"growth exponent (log-log fit): gate {_s(gate['gate_exponent'], '{:.2f}')}, "
            f"checkov {_s(gate['checkov_exponent'], '{:.2f}')}; two largest sizes: gate "
            f"{_s(gate.get('gate_exponent_largest'))}, checkov {_s(gate.get('checkov_exponent_largest'))}; "
            "linear fit: gate "
            f"{_s(gate['gate_fixed_s'])} s + "
            f"{_s(gate['gate_marginal_ms_per_resource'], '{:.1f}')} ms/resource, "
            f"checkov {_s(gate['checkov_fixed_s'])} s + "
            f"{_s(gate['checkov_marginal_ms_per_resource'], '{:.1f}')} ms/resource"
        )
    if results.get("memory"):
        t = Table(title="Peak memory, MiB (largest process RSS / summed PSS of the process tree)")
        for col in ("resources", "gate max proc", "gate tree", "checkov max proc", "checkov tree"):
            t.add_column(col, justify="right")
        for m in results["memory"]:
            g, c = m["gate"], m["checkov"]
            t.add_row(
                str(m["resources"]),
                _s(g["max_rss_mb"], "{:.0f}"),
                _s(g["tree_rss_mb"], "{:.0f}"),
                _s(c["max_rss_mb"], "{:.0f}"),
                _s(c["tree_rss_mb"], "{:.0f}"),
            )
            failures += _failures([g], f"gate memory {m['resources']}") + _failures([c], "checkov memory")
        console.print(t)
    ms = results.get("multistack")
    if ms:
        t = Table(title=f"Multi-stack repo: {ms['stacks']} stacks, one commit changes {ms['changed']}")
        for col in ("run", "best s", "stacks reported"):
            t.add_column(col, justify="right")
        t.add_row(
            "gitops check stacks",
            _s(ms["all_best_s"]),
            str(len(ms["all_summary"].get("reported_stacks", []))),
        )
        t.add_row(
            "--changed-since HEAD~1",
            _s(ms["changed_best_s"]),
            ", ".join(ms["changed_summary"].get("reported_stacks", [])) or "-",
        )
        console.print(t)
        console.print(f"speed-up of --changed-since: {_s(ms['speedup'])}x")
        failures += _failures(ms["all_runs"], "multistack all") + _failures(
            ms["changed_runs"], "multistack changed"
        )
    ag = results.get("agent")
    if ag:
        t = Table(title=f"Agent: one `gitops agent --once` cycle, plan-only engine, {ag['stacks']} stacks")
        for col in ("cycle", "best s", "exit codes", "stack events (last run)"):
            t.add_column(col, justify="right")
        events = ag.get("events", {})
        cycles = (
            ("warm-up sync", ag["warmup"]["wall_s"], [ag["warmup"]], "warmup"),
            ("idle (no new commit)", ag["idle_best_s"], ag["idle_runs"], "idle"),
            (f"one changed stack ({ag['changed']})", ag["changed_best_s"], ag["changed_runs"], "changed"),
        )
        for label, best_s, cycle_runs, kind in cycles:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(events.get(kind, {}).items())) or "-"
            t.add_row(label, _s(best_s), str([r["exit_code"] for r in cycle_runs]), counts)
        console.print(t)
        failures += _failures([ag["warmup"], *ag["idle_runs"], *ag["changed_runs"]], "agent")
    prof = results.get("profile")
    if prof and prof.get("phases_s"):
        t = Table(title=f"Gate pipeline phases at {prof['resources']} resources, seconds (bench.phases)")
        t.add_column("phase")
        runs = prof["phases_s"]
        for label in runs:
            t.add_column(label, justify="right")
        names = list(dict.fromkeys(k for r in runs.values() for k in r if k not in ("overlap", "error")))
        for name in names:
            t.add_row(name, *(str(r.get(name, "-")) for r in runs.values()))
        console.print(t)
    if prof and prof.get("fork_experiment"):
        console.print(
            f"evaluation workers spawned vs forked from a preloaded parent: {prof['fork_experiment']}"
        )
    return failures


def run_section(
    section: str,
    tmp: Path,
    sizes: list[int],
    repeats: int,
    stacks: int,
    env: dict[str, str],
    log: scenarios.Log,
) -> Any:
    """Run one section; its JSON-ready result."""
    if section == "gate":
        return scenarios.gate_vs_checkov(tmp, sizes, repeats, env, log).model_dump(mode="json")
    if section == "memory":
        return [m.model_dump(mode="json") for m in scenarios.memory(tmp, sizes, env, log)]
    if section == "multistack":
        return scenarios.multistack(tmp, repeats, env, log, stacks=stacks).model_dump(mode="json")
    if section == "agent":
        return scenarios.agent(tmp, repeats, env, log, stacks=stacks).model_dump(mode="json")
    from bench.profile import profile_gate

    return profile_gate(tmp, 700 if 700 in sizes else max(sizes), env, log)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected sections; exit 0 when every run gave a verdict, 1 otherwise, 2 on bad usage."""
    args = parse_args(argv)
    console, err = Console(), Console(stderr=True)
    if not console.is_terminal:
        console = Console(width=160)
    if args.show or args.markdown or args.update_doc:
        args.out = results_file(args.out)
        if not args.out.is_file():
            err.print(
                f"bench: {args.out}: no results file (run `make bench` first)", markup=False, soft_wrap=True
            )
            return 2
    else:
        args.out = args.out or OUT
    if args.show:
        return report(load(args.out), console, err)
    if args.markdown:
        sys.stdout.write(markdown.render(load(args.out)))
        return 0
    if args.update_doc:
        try:
            text = args.update_doc.read_text()
            args.update_doc.write_text(markdown.splice(text, markdown.render(load(args.out))))
        except (OSError, ValueError) as exc:
            err.print(f"bench: {args.update_doc}: {exc}", markup=False, highlight=False)
            return 2
        return 0
    sections = args.only or [s for s in SECTIONS if s != "profile"]
    sizes = args.sizes or list(QUICK_SIZES if args.quick else FULL_SIZES)
    repeats = args.repeats or (1 if args.quick else 3)
    stacks = args.stacks or (6 if args.quick else 20)
    if repeats < 1 or stacks < 6 or any(n <= 0 or n % 14 for n in sizes):
        err.print("bench: --repeats must be >= 1, --stacks >= 6, sizes positive multiples of 14")
        return 2

    def log(msg: str) -> None:
        err.print(f"[dim]{msg}[/dim]")

    results = load(args.out)
    results["machine"] = describe()
    tmp = args.workdir or Path(tempfile.mkdtemp(prefix="gitops-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    if args.bytecode == "cached":
        pycache = PYCACHE
    else:
        pycache = tmp / "empty-pycache"
        shutil.rmtree(pycache, ignore_errors=True)
    pycache.mkdir(parents=True, exist_ok=True)
    env = bench_env(pycache, cached=args.bytecode == "cached")
    try:
        if args.bytecode == "cached":
            scenarios.warm_bytecode(tmp, env, log)
        for section in sections:
            started = time.perf_counter()
            try:
                results[section] = run_section(section, tmp, sizes, repeats, stacks, env, log)
                outcome = "ok"
            except Exception as exc:  # one broken section must not lose the others' numbers
                outcome = f"{type(exc).__name__}: {exc}".splitlines()[0]
                results.pop(section, None)  # never leave an older run's numbers under a failed section
                err.print(f"bench: {section}: {outcome}", markup=False, highlight=False)
            results.setdefault("runs", {})[section] = {
                "quick": args.quick,
                "sizes": sizes,
                "repeats": repeats,
                "bytecode": args.bytecode,
                "outcome": outcome,
                "section_s": round(time.perf_counter() - started, 1),
            }
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if args.workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)
    if not args.quick and args.out == OUT:
        LATEST.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.out, LATEST)
    return report(results, console, err)


def report(results: dict[str, Any], console: Console, err: Console) -> int:
    """Print the tables, then one line per failed run on stderr; 1 when any run failed."""
    failures = render(results, console)
    for line in failures:
        err.print(f"bench: {line}", markup=False, highlight=False)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
