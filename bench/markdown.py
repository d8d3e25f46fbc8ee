"""Results as Markdown tables, for docs/benchmarks.md (`python -m bench.run --markdown`)."""

from __future__ import annotations

from typing import Any


def _f(x: Any, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def _row(cells: list[str]) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] + ["---:"] * (len(header) - 1)), *(_row(r) for r in rows)]


def _cpu(runs: list[dict[str, Any]]) -> float | None:
    good = [r for r in runs if r["exit_code"] in (0, 1) and not r.get("error")]
    return min(good, key=lambda r: r["wall_s"])["cpu_s"] if good else None


def machine_lines(m: dict[str, Any]) -> list[str]:
    """The machine and versions, one bullet each."""
    return [
        f"- CPU: {m.get('cpu_model')}, nproc {m.get('nproc')}; memory {m.get('mem_total_gib')} GiB; "
        f"kernel {m.get('kernel')}",
        f"- Python {m.get('python')}, pulumi {m.get('pulumi')}, pulumi-aws {m.get('pulumi_aws')}, "
        f"checkov {m.get('checkov')}",
        f"- load average when the results file was written: {m.get('loadavg')}",
    ]


def gate_table(gate: dict[str, Any]) -> list[str]:
    """Gate vs Checkov per size, then the growth fits."""
    rows = []
    for s in gate["sizes"]:
        gs, cs = s["gate_summary"], s["checkov_summary"]
        rows.append(
            [
                str(s["resources"]),
                _f(s["gate_best_s"]),
                _f(s["checkov_best_s"]),
                _f(s["ratio"]),
                _f(_cpu(s["gate_runs"])),
                _f(_cpu(s["checkov_runs"])),
                _f(s["cpu_ratio"]),
                _f(s["gate_ms_per_resource"], "{:.1f}"),
                _f(s["checkov_ms_per_resource"], "{:.1f}"),
                f"{gs.get('passed', '-')}/{gs.get('failed', '-')}",
                f"{cs.get('passed', '-')}/{cs.get('failed', '-')}",
                str(s["stamp"].get("loadavg_1m", "-")),
            ]
        )
    header = [
        "resources",
        "gate s",
        "checkov s",
        "ratio",
        "gate CPU s",
        "checkov CPU s",
        "CPU ratio",
        "gate ms/resource",
        "checkov ms/resource",
        "gate passed/failed",
        "checkov passed/failed",
        "load (1 min)",
    ]
    fits = (
        f"Growth exponent (least-squares slope of log time over log resources): gate "
        f"{_f(gate.get('gate_exponent'))}, Checkov {_f(gate.get('checkov_exponent'))} (wall); "
        f"gate {_f(gate.get('gate_cpu_exponent'))}, Checkov {_f(gate.get('checkov_cpu_exponent'))} (CPU); "
        f"between the two largest sizes only (wall): gate {_f(gate.get('gate_exponent_largest'))}, "
        f"Checkov {_f(gate.get('checkov_exponent_largest'))}. "
        "Linear fit on wall time "
        f"(time = fixed + marginal x resources): gate {_f(gate.get('gate_fixed_s'))} s + "
        f"{_f(gate.get('gate_marginal_ms_per_resource'), '{:.1f}')} ms/resource; Checkov "
        f"{_f(gate.get('checkov_fixed_s'))} s + {_f(gate.get('checkov_marginal_ms_per_resource'), '{:.1f}')}"
        " ms/resource."
    )
    diffs = [f"{s['resources']}: {s.get('failed_differences') or 'none'}" for s in gate["sizes"]]
    parity = (
        "Checkov checks whose failure counts differ between the gate and Checkov on the HCL twin "
        "(check: [gate, checkov]), by size: " + "; ".join(diffs) + "."
    )
    return [*_table(header, rows), "", fits, "", parity]


def memory_table(memory: list[dict[str, Any]]) -> list[str]:
    """Peak memory per size."""
    rows = [
        [
            str(m["resources"]),
            _f(m["gate"]["max_rss_mb"], "{:.0f}"),
            _f(m["gate"]["tree_rss_mb"], "{:.0f}"),
            _f(m["checkov"]["max_rss_mb"], "{:.0f}"),
            _f(m["checkov"]["tree_rss_mb"], "{:.0f}"),
        ]
        for m in memory
    ]
    header = [
        "resources",
        "gate largest process RSS MiB",
        "gate process tree PSS MiB",
        "checkov largest process RSS MiB",
        "checkov process tree PSS MiB",
    ]
    return _table(header, rows)


def multistack_table(ms: dict[str, Any]) -> list[str]:
    """Full check vs --changed-since."""
    rows = [
        ["`gitops check stacks`", _f(ms["all_best_s"]), _f(_cpu(ms["all_runs"])), str(ms["stacks"])],
        [
            "`gitops check stacks --changed-since HEAD~1`",
            _f(ms["changed_best_s"]),
            _f(_cpu(ms["changed_runs"])),
            ", ".join(ms["changed_summary"].get("reported_stacks", [])) or "-",
        ],
    ]
    return _table(["command", "best s", "CPU s", "stacks reported"], rows)


def agent_table(ag: dict[str, Any]) -> list[str]:
    """Agent cycles."""
    rows = [
        ["warm-up (first sync, all stacks)", _f(ag["warmup"]["wall_s"]), _f(ag["warmup"]["cpu_s"])],
        ["idle (no new commit)", _f(ag["idle_best_s"]), _f(_cpu(ag["idle_runs"]))],
        [f"one commit to {ag['changed']}", _f(ag["changed_best_s"]), _f(_cpu(ag["changed_runs"]))],
    ]
    events = ag.get("events", {})
    for row, kind in zip(rows, ("warmup", "idle", "changed"), strict=True):
        row.append(", ".join(f"{k} {v}" for k, v in sorted(events.get(kind, {}).items())) or "-")
    return _table(["`gitops agent --once`, plan-only", "best s", "CPU s", "stack events (last run)"], rows)


def journal_rows(jr: dict[str, Any]) -> list[list[str]]:
    """One row per backend: replicas, warm-up / idle / one-change fleet cycle (slowest replica), applies."""
    rows = []
    for b in jr["backends"]:
        if b.get("error"):
            rows.append([b["backend"], str(b["replicas"]), "-", "-", "-", b["error"]])
            continue
        warm = b.get("warmup") or {}
        wall = max((r["wall_s"] for r in warm.get("runs", [])), default=None)
        last = (b.get("changed") or [{}])[-1].get("events", {})
        applies = f"applied {last.get('stack.applied', 0)}, skipped {last.get('stack.locked', 0)} locked"
        rows.append(
            [
                b["backend"],
                str(b["replicas"]),
                _f(wall),
                _f(b["idle_best_s"]),
                _f(b["changed_best_s"]),
                applies,
            ]
        )
    return rows


JOURNAL_COLUMNS = ["journal", "agents", "warm-up s", "idle s", "one change s", "last one-change cycle"]


def journal_table(jr: dict[str, Any]) -> list[str]:
    """Agent cycles per journal backend."""
    return _table(JOURNAL_COLUMNS, journal_rows(jr))


def journal_rich(jr: dict[str, Any]) -> Any:
    """The same as a rich table for the terminal."""
    from rich.table import Table

    t = Table(title=f"Agent cycles per journal, {jr['stacks']} stacks, `--once`, plan-only, best wall s")
    for col in JOURNAL_COLUMNS:
        t.add_column(col, justify="right")
    for row in journal_rows(jr):
        t.add_row(*row)
    return t


def phases_table(runs: dict[str, dict[str, Any]]) -> list[str]:
    """One row per pipeline phase, one column per variant (sequential, Checkov warmed during evaluation)."""
    names = list(dict.fromkeys(k for r in runs.values() for k in r if k not in ("overlap", "error")))
    rows = [[name, *(str(r.get(name, "-")) for r in runs.values())] for name in names]
    return _table(["phase", *runs], rows)


def render(results: dict[str, Any]) -> str:
    """All sections present in `results` as Markdown."""
    out: list[str] = ["### Machine", *machine_lines(results.get("machine", {})), ""]
    if results.get("gate"):
        out += ["### Gate vs Checkov", *gate_table(results["gate"]), ""]
    if results.get("memory"):
        out += ["### Peak memory", *memory_table(results["memory"]), ""]
    if results.get("multistack"):
        out += ["### Multi-stack repository", *multistack_table(results["multistack"]), ""]
    if results.get("agent"):
        out += ["### Agent", *agent_table(results["agent"]), ""]
    if results.get("journal"):
        out += ["### Agent per journal backend", *journal_table(results["journal"]), ""]
    pv = results.get("preview")
    if pv:
        out += [
            f"### Offline preview: {pv['resources']}-resource stack with one change",
            *_table(
                ["gitops check s", "gitops preview s", "ratio (goal < 2)"],
                [[str(pv.get("check_best_s")), str(pv.get("preview_best_s")), str(pv.get("ratio"))]],
            ),
            "",
        ]
    prof = results.get("profile")
    if prof and prof.get("phases_s"):
        out += [
            f"### Gate phases at {prof['resources']} resources (seconds)",
            *phases_table(prof["phases_s"]),
            "",
        ]
    if prof and prof.get("fork_experiment"):
        f = prof["fork_experiment"]
        out += [
            "### Evaluation workers: spawned (today) vs forked from a preloaded parent",
            *_table(
                [
                    "stacks",
                    "spawn s",
                    "spawn CPU s",
                    "fork s (incl. preload)",
                    "fork CPU s",
                    "graphs identical",
                ],
                [
                    [
                        str(f.get(k, "-"))
                        for k in (
                            "stacks",
                            "spawn_wall_s",
                            "spawn_cpu_s",
                            "fork_wall_s",
                            "fork_cpu_s",
                            "graphs_identical",
                        )
                    ]
                ],
            ),
            "",
        ]
    runs = results.get("runs", {})
    if runs:
        out += ["Runs: " + "; ".join(f"{k}: {v}" for k, v in runs.items())]
    return "\n".join(out) + "\n"


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def splice(document: str, generated: str) -> str:
    """`document` with the text between the BEGIN and END markers replaced by `generated`."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no {BEGIN} ... {END} markers")
    return document[: start + len(BEGIN)] + "\n" + generated + document[end:]
