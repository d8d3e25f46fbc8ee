"""`gitops sync`: ask a running agent to sync now (POST /sync on its --listen address)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from gitops_agent.webhooks import SECRET_ENV

__all__ = ["SyncClientError", "request_sync"]


class SyncClientError(Exception):
    """The agent could not be asked (one line: unreachable, refused, unauthorised)."""


def request_sync(host: str, port: int, *, secret: str | None = None, timeout: float = 10.0) -> str:
    """POST /sync; returns the agent's answer. The bearer token is the webhook secret when set
    (needed only when the agent is not on this host's loopback)."""
    secret = os.environ.get(SECRET_ENV) if secret is None else secret
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    headers = {"Content-Length": "0"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    request = urllib.request.Request(f"http://{where}/sync", data=b"", headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        detail = _message(exc.read(4096))
        raise SyncClientError(f"agent at {where} refused: HTTP {exc.code} {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SyncClientError(f"no agent listening at {where} ({reason}); start it with --listen") from None
    return f"agent at {where}: {_message(body)}"


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return body.decode(errors="replace").strip()[:200]
    return str(data.get("message", "")) if isinstance(data, dict) else str(data)[:200]
