"""Structured logs: JSON lines on stderr (rich when stderr is a TTY). Secrets are redacted."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

SECRET_ENV_VARS = (
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_ACCESS_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)
_SECRET_KEY = re.compile(r"(passphrase|password|secret|token)", re.IGNORECASE)


def redact(text: str) -> str:
    """Replace the values of secret environment variables found in `text` with [secret]."""
    for name in SECRET_ENV_VARS:
        value = os.environ.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, "[secret]")
    return text


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: "[secret]" if _SECRET_KEY.search(k) else (redact(v) if isinstance(v, str) else v)
        for k, v in fields.items()
    }


def log(event: str, level: str = "info", stream: TextIO | None = None, **fields: Any) -> None:
    """Write one log record for `event` with `fields`."""
    out = stream or sys.stderr
    record = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "event": event,
        **_clean(fields),
    }
    if out.isatty():
        from rich.console import Console

        detail = " ".join(f"{k}={v}" for k, v in record.items() if k not in ("time", "level", "event"))
        style = {"error": "red", "warning": "yellow"}.get(level, "cyan")
        Console(file=out, highlight=False).print(f"[{style}]{event}[/] {detail}", markup=True)
        return
    out.write(json.dumps(record, default=str) + "\n")
    out.flush()
