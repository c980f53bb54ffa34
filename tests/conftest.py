"""Shared fixtures: where the shared reference data lives, and engines on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fairgate.engine import Engine
from fairgate.policy import load_policy

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PDQ_IMAGES = SHARED / "pdq-reference" / "images"
EXAMPLES = ROOT / "examples"


def shared_file(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared test data missing: {path}")
    return path


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with Engine.open(
        f"sqlite:///{tmp_path / 'fairgate.db'}", policy=load_policy(EXAMPLES / "policy.yaml")
    ) as e:
        yield e
