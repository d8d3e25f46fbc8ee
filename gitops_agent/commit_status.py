"""GitHub commit statuses for stack outcomes (`POST /repos/{owner}/{repo}/statuses/{sha}`).

Context `gitops/<env>/<project>`; state success (applied, unchanged, remediated), failure (failed),
error (blocked); description = the outcome's one-line summary, at most 140 characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gitops_agent.reporting import Delivery, Outcome

__all__ = [
    "DEFAULT_API_URL",
    "TOKEN_ENVS",
    "CommitStatuses",
    "description",
    "github_repo_of",
    "status_state",
]

DEFAULT_API_URL = "https://api.github.com"
TOKEN_ENVS = ("GITOPS_GITHUB_TOKEN", "GITHUB_TOKEN")
_STATES = {"applied": "success", "unchanged": "success", "remediated": "success", "failed": "failure"}
_STATES["blocked"] = "error"
_OWNER_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_GITHUB_URL = re.compile(
    r"^(?:https?://|ssh://git@|git@)(?P<host>[^/:]+)[/:](?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+?)"
    r"(?:\.git)?/?$"
)


def status_state(action: str) -> str | None:
    """The commit-status state for an outcome action (None: not reported, e.g. drifted)."""
    return _STATES.get(action)


def description(summary: str, limit: int = 140) -> str:
    """The summary on one line, cut to `limit` characters (GitHub's maximum) with an ellipsis."""
    line = " ".join(summary.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def github_repo_of(repo: str, explicit: str | None = None) -> str | None:
    """`owner/repo` from `--github-repo`, else from a GitHub-style repository URL (https, ssh, scp-like);
    None for a local path. ValueError when `explicit` is not `owner/repo`."""
    if explicit is not None:
        if not _OWNER_REPO.match(explicit):
            raise ValueError(f"--github-repo {explicit!r}: expected OWNER/REPO")
        return explicit
    match = _GITHUB_URL.match(repo.strip())
    return f"{match['owner']}/{match['repo']}" if match else None


@dataclass(frozen=True)
class CommitStatuses:
    """A sink: one status delivery per reportable outcome."""

    owner_repo: str
    token: str
    api_url: str = DEFAULT_API_URL
    target_url: str | None = None

    @classmethod
    def from_environment(
        cls, owner_repo: str | None, environ: Mapping[str, str], target_url: str | None = None
    ) -> CommitStatuses | None:
        """The sink when a token (GITOPS_GITHUB_TOKEN or GITHUB_TOKEN) and owner/repo are known."""
        token = next((environ[name] for name in TOKEN_ENVS if environ.get(name)), None)
        if not token or not owner_repo:
            return None
        api = environ.get("GITHUB_API_URL") or DEFAULT_API_URL
        return cls(owner_repo=owner_repo, token=token, api_url=api.rstrip("/"), target_url=target_url)

    def __call__(self, outcome: Outcome) -> Sequence[Delivery]:
        state = status_state(outcome.action)
        if state is None:
            return []
        payload: dict[str, str] = {
            "state": state,
            "context": f"gitops/{outcome.env}/{outcome.project}",
            "description": description(f"{outcome.action}: {outcome.summary}".rstrip(": ")),
        }
        if self.target_url:
            payload["target_url"] = self.target_url
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        url = f"{self.api_url}/repos/{self.owner_repo}/statuses/{outcome.revision}"
        return [Delivery(kind="commit_status", url=url, payload=payload, headers=headers)]

    def __repr__(self) -> str:  # the token never reaches a log through a repr
        return f"CommitStatuses({self.owner_repo!r}, api_url={self.api_url!r})"
