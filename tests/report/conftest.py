"""Fixtures for the renderer tests."""

from __future__ import annotations

import pytest
from report_samples import realistic_report

from compliance.model import Report


@pytest.fixture
def report() -> Report:
    return realistic_report()
