"""Write small seed inputs for the harnesses (a few bytes of each format), so
the fuzzer starts past the first header check."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

from fairgate.policy.schema import Policy


def main(root: Path) -> None:
    media = root / "media"
    media.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", (24, 16), (10, 200, 30))
    for fmt in ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"):
        out = io.BytesIO()
        img.save(out, fmt)
        (media / f"seed.{fmt.lower()}").write_bytes(out.getvalue())
    text = root / "normalize"
    text.mkdir(parents=True, exist_ok=True)
    for i, sample in enumerate(
        ["c.h.3.a.p p1\u200bll5", "賭博 赌*博", "ｆｕｌｌ ｗｉｄｔｈ", "v1agra ѵiagra"]
    ):
        (text / f"seed{i}").write_bytes(sample.encode("utf-8"))
    policy = root / "policy"
    policy.mkdir(parents=True, exist_ok=True)
    example = Path(__file__).resolve().parents[1] / "examples" / "policy.yaml"
    (policy / "seed.yaml").write_bytes(example.read_bytes())
    Policy()  # the import above must work where the fuzzer runs


if __name__ == "__main__":
    main(Path(sys.argv[1]))
