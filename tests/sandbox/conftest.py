"""Fixtures for the sandbox tests: real programs run through confine() + spawn()."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from compliance.sandbox import BubblewrapProbe, probe_bubblewrap

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture
def bubblewrap() -> BubblewrapProbe:
    """The working bubblewrap, or a skip saying why it cannot run here."""
    found = probe_bubblewrap()
    if found.path is None:
        pytest.skip(f"bubblewrap cannot run here: {found.reason}")
    return found


@pytest.fixture
def no_bubblewrap() -> BubblewrapProbe:
    """A probe result as on a machine without bubblewrap (injected into confine())."""
    return BubblewrapProbe(None, "simulated: bwrap is not installed")


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A private writable directory reachable by other uids (tmp_path's parents are mode 0700)."""
    path = Path(tempfile.mkdtemp(prefix="gitops-sandbox-test-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def project() -> Iterator[Path]:
    """A read-only project directory with a policy file and a .git (world-readable, like a checkout)."""
    path = Path(tempfile.mkdtemp(prefix="gitops-sandbox-project-", dir="/tmp"))
    try:
        path.chmod(0o755)
        (path / "enforcement.yaml").write_text("default: mandatory\n")
        (path / "enforcement.yaml").chmod(0o644)
        (path / ".git").mkdir(mode=0o755)
        (path / ".git" / "config").write_text("[http]\n\textraheader = AUTHORIZATION: basic c2VudGluZWw=\n")
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def system_python() -> str | None:
    """An interpreter other uids can run (the fallback drops to a dedicated uid only for those)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK):
            mode = Path(candidate).resolve().stat().st_mode
            if mode & 0o005 == 0o005:
                return candidate
    return None
