"""Detection method of a decision from its top reason's signal and source."""

from __future__ import annotations

import pytest

from fairgate.report.methods import (
    ACCOUNT,
    EXACT_HASH,
    KEYWORD_IMAGE,
    KEYWORD_TEXT,
    NO_MATCH,
    PERCEPTUAL,
    detection_method,
)


@pytest.mark.parametrize(
    ("signal", "source", "method"),
    [
        ("sha256", "attachment:0", EXACT_HASH),
        ("md5", "attachment:3", EXACT_HASH),
        ("pdq", "attachment:0", PERCEPTUAL),
        ("term", "text", KEYWORD_TEXT),
        ("regex", "text", KEYWORD_TEXT),
        ("term", "attachment:2:ocr", KEYWORD_IMAGE),
        ("regex", "attachment:0:ocr", KEYWORD_IMAGE),
        ("account", "account", ACCOUNT),
        (None, None, NO_MATCH),
        ("tmk", "attachment:0", "tmk"),
    ],
)
def test_methods(signal: str | None, source: str | None, method: str) -> None:
    assert detection_method(signal, source) == method
