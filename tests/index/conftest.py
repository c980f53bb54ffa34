"""Fixtures of the index tests."""

from __future__ import annotations

import pytest
from tests.index.index_testkit import FACTORIES, IndexFactory


@pytest.fixture(params=sorted(FACTORIES))
def make_index(request: pytest.FixtureRequest) -> IndexFactory:
    """Each SignalIndex implementation in turn."""
    return FACTORIES[request.param]
