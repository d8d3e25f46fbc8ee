from __future__ import annotations

from collections.abc import Iterator

import pytest
from policy_planning import CHECKS_DIR

from policies.context import set_env
from policies.loader import load_checks, unload_external_checks


@pytest.fixture
def org_checks() -> Iterator[list[str]]:
    """Our checks from the working tree, loaded for one test and removed after it.

    Checkov's registries are process-wide: checks left loaded would run in other tests' scans
    (e.g. tests/compliance/test_scan.py) that happen to share this pytest worker.
    """
    ids = load_checks(CHECKS_DIR)
    yield ids
    unload_external_checks()


@pytest.fixture
def env() -> Iterator[None]:
    """Checks see environment `dev` unless a test sets another; reset afterwards."""
    set_env("dev")
    yield
    set_env(None)


@pytest.fixture(autouse=True)
def no_checks_left_behind() -> Iterator[None]:
    """Whatever a test loaded, the next test (in any module on this worker) starts without it."""
    yield
    unload_external_checks()
