from __future__ import annotations

from collections.abc import Iterator

import pytest
from policy_planning import CHECKS_DIR

from policies.context import set_env
from policies.loader import load_checks, unload_external_checks


@pytest.fixture(scope="session")
def org_checks() -> Iterator[list[str]]:
    """Our checks from the working tree, loaded once per session."""
    ids = load_checks(CHECKS_DIR)
    yield ids
    unload_external_checks()


@pytest.fixture
def env() -> Iterator[None]:
    """Checks see environment `dev` unless a test sets another; reset afterwards."""
    set_env("dev")
    yield
    set_env(None)
