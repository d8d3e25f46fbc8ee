"""Fixtures for the gate's end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_repo import GateRepo


@pytest.fixture
def gate_repo(tmp_path: Path) -> GateRepo:
    return GateRepo(tmp_path / "repo")
