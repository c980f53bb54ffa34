"""Which characters count as Han (Chinese characters) for the Chinese steps."""

from __future__ import annotations

import re

HAN_CLASS = (
    "\u2e80-\u2fdf"  # radicals
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"  # ideographic iteration/number marks
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0003134f"  # extensions B..G
)
HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),
    (0x3005, 0x3005),
    (0x3007, 0x3007),
    (0x3021, 0x3029),
    (0x3038, 0x303B),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)
"""The same ranges as ``HAN_CLASS``, as code points."""
HAN = re.compile(f"[{HAN_CLASS}]")


def has_han(text: str) -> bool:
    """Whether ``text`` holds at least one Han character."""
    return not text.isascii() and HAN.search(text) is not None
