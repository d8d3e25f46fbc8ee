"""What the benchmarks ran on: CPU, memory, Python and tool versions."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any


def _cpuinfo(key: str) -> str | None:
    """First value of `key` in /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        return None
    return None


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def describe() -> dict[str, Any]:
    """Machine and software description recorded with every result file."""
    return {
        "nproc": os.cpu_count(),
        "sched_cpus": len(os.sched_getaffinity(0)),
        "cpu_model": _cpuinfo("model name"),
        "mem_total_gib": _mem_total_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pulumi": _version("pulumi"),
        "pulumi_aws": _version("pulumi-aws"),
        "checkov": _version("checkov"),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
