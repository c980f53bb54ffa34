"""Fixtures for the signal tests (plain helpers live in pdq_helpers.py)."""

from __future__ import annotations

import pytest

from fairgate.settings import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings()
