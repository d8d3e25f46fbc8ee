"""Fixtures of the journal tests: a PostgreSQL cluster for the session, a journal per backend."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitops_agent.journal import JournalBackend, open_journal
from tests.agent.conftest import make_reconciler, repo  # noqa: F401 - shared fixtures
from tests.journal.pg_cluster import PgCluster, find_bindir


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway cluster for the session (skipped when the PostgreSQL binaries are missing)."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    cluster = PgCluster(bindir)
    try:
        cluster.init()
    except (subprocess.CalledProcessError, OSError) as exc:
        cluster.destroy()
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"cannot run a PostgreSQL cluster here: {exc} {detail.decode(errors='replace')[:300]}")
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """A fresh database on the session cluster."""
    return pg_cluster.database()


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The journal URL of each backend (the same tests run on both)."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'state' / 'journal.sqlite'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.database()


@pytest.fixture
def open_backend(journal_url: str, tmp_path: Path) -> Callable[[], JournalBackend]:
    """Open (another handle on) the parametrised journal."""
    return lambda: open_journal(journal_url, tmp_path / "state")
