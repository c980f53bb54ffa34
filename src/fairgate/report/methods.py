"""Detection method of a decision, from the signal and source of its top reason."""

from __future__ import annotations

EXACT_HASH = "exact hash"
PERCEPTUAL = "perceptual match"
KEYWORD_TEXT = "keyword (message text)"
KEYWORD_IMAGE = "keyword (text in image)"
ACCOUNT = "account restriction"
NO_MATCH = "none (no rule matched)"

METHODS: tuple[str, ...] = (EXACT_HASH, PERCEPTUAL, KEYWORD_TEXT, KEYWORD_IMAGE, ACCOUNT, NO_MATCH)
"""Always listed in the report, in this order, even when nothing was detected that way."""

EXACT_SIGNALS = frozenset({"sha256", "md5", "sha1"})
PERCEPTUAL_SIGNALS = frozenset({"pdq", "vpdq", "visual"})
KEYWORD_SIGNALS = frozenset({"term", "regex"})
OCR_SUFFIX = ":ocr"


def detection_method(signal: str | None, source: str | None) -> str:
    """The method named in the report for a top reason's ``signal`` and ``source``.

    ``None`` (no reason) is :data:`NO_MATCH`; a signal this module does not know
    is reported under its own name rather than hidden or guessed."""
    if signal is None:
        return NO_MATCH
    if signal in EXACT_SIGNALS:
        return EXACT_HASH
    if signal in PERCEPTUAL_SIGNALS:
        return PERCEPTUAL
    if signal in KEYWORD_SIGNALS:
        return KEYWORD_IMAGE if (source or "").endswith(OCR_SUFFIX) else KEYWORD_TEXT
    if signal == "account":
        return ACCOUNT
    return signal
