"""Fuzz the attachment path: identify, check limits, decode (full and reduced), PDQ."""

from __future__ import annotations

import sys

import atheris
import numpy  # noqa: F401  (imported before instrumentation: only fairgate is instrumented)
import PIL.Image  # noqa: F401
import pydantic  # noqa: F401

with atheris.instrument_imports(include=["fairgate"]):
    from fairgate.errors import MediaError
    from fairgate.media.limits import MediaLimits
    from fairgate.media.source import MediaSource
    from fairgate.settings import Settings
    from fairgate.signals.pdq import Pdq

LIMITS = MediaLimits(max_file_bytes=1 << 20, max_image_pixels=4_000_000, max_image_side=4000)
PDQ = Pdq(Settings())


def test_one(data: bytes) -> None:
    try:
        media = MediaSource(data, name="fuzz", limits=LIMITS)
        header = media.header()
        if header.width * header.height > LIMITS.max_image_pixels:
            raise AssertionError(f"header over the pixel limit passed: {header}")
        image = media.image()
        if image.width * image.height > LIMITS.max_image_pixels:
            raise AssertionError("decoded beyond the pixel limit")
        PDQ.compute(0, media, reference=False)
    except MediaError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
