"""Inbound triggers: the GitHub push webhook (`POST /hooks/github`) and `POST /sync`.

Verification is pure (`signature_valid`, `github_push`); `github_route` and `sync_route` turn them
into server routes that wake the reconcile loop through a callback.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gitops_agent.logs import log
from gitops_agent.server import PostRequest, PostRoute, Response

__all__ = [
    "SECRET_ENV",
    "HookDecision",
    "github_push",
    "github_route",
    "is_loopback",
    "signature_valid",
    "sync_route",
]

SECRET_ENV = "GITOPS_WEBHOOK_SECRET"

Wake = Callable[[str], None]


@dataclass(frozen=True)
class HookDecision:
    """How to answer one delivery, and whether it asks for a sync now."""

    status: int
    message: str
    sync: bool = False


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """True when `header` is `sha256=<hex HMAC-SHA256 of body with secret>` (constant-time compare)."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def github_push(secret: bytes | None, branch: str, headers: Mapping[str, str], body: bytes) -> HookDecision:
    """Decide on one GitHub delivery (`headers` lower-cased).

    No secret configured: 503 (the hook is off, nothing is verified). Bad or missing signature: 401.
    `ping`: 200. Events other than `push`, and pushes to other branches: 202, ignored. A push to
    `refs/heads/<branch>`: 202 and a sync now.
    """
    if not secret:
        return HookDecision(503, f"webhook secret not configured ({SECRET_ENV})")
    if not signature_valid(secret, body, headers.get("x-hub-signature-256")):
        return HookDecision(401, "bad or missing X-Hub-Signature-256")
    event = headers.get("x-github-event", "")
    if event == "ping":
        return HookDecision(200, "pong")
    if event != "push":
        return HookDecision(202, f"ignored: event {event or '(none)'}")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return HookDecision(400, "push payload is not JSON")
    ref = payload.get("ref") if isinstance(payload, dict) else None
    if ref != f"refs/heads/{branch}":
        return HookDecision(202, f"ignored: push to {ref}, watching refs/heads/{branch}")
    return HookDecision(202, f"sync requested by a push to {branch}", sync=True)


def _answer(decision: HookDecision) -> Response:
    body = json.dumps({"message": decision.message, "sync": decision.sync}).encode() + b"\n"
    return Response(decision.status, body)


def github_route(secret: bytes | None, branch: str, wake: Wake) -> PostRoute:
    """The `POST /hooks/github` route: verify, decide, and wake the loop on a push to `branch`."""

    def route(request: PostRequest) -> Response:
        decision = github_push(secret, branch, request.headers, request.body)
        delivery = request.headers.get("x-github-delivery", "")
        level = "warning" if decision.status in (401, 503) else "info"
        log("webhook.github", level, status=decision.status, delivery=delivery, detail=decision.message)
        if decision.sync:
            wake(f"github push {delivery}".strip())
        return _answer(decision)

    return route


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def sync_route(secret: bytes | None, wake: Wake) -> PostRoute:
    """The `POST /sync` route: from loopback always; from elsewhere only with
    `Authorization: Bearer <webhook secret>` (401 otherwise, 403 when no secret is configured)."""

    def route(request: PostRequest) -> Response:
        if not is_loopback(request.client):
            if not secret:
                why = f"/sync from {request.client}: loopback only while {SECRET_ENV} is unset"
                return _answer(HookDecision(403, why))
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), b"Bearer " + secret):
                return _answer(HookDecision(401, "bad or missing bearer token"))
        wake(f"POST /sync from {request.client}")
        return _answer(HookDecision(202, "sync requested", sync=True))

    return route
