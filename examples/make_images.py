"""Write the quick start's example photos: a listed one, an edited copy of it,
and an unrelated one (synthetic, deterministic, no downloads)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps


def photo(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    for c in range(3):
        for _ in range(6):
            fx, fy, ph = rng.uniform(0.002, 0.03, 2).tolist() + [rng.uniform(0, 6.3)]
            img[..., c] += np.sin(x * fx + y * fy + ph) * rng.uniform(20, 60)
    img += 128
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def main(out: Path) -> None:
    listed = photo(1)
    listed.save(out / "listed.jpg", quality=92)
    ImageOps.mirror(listed).save(out / "listed-mirrored-q50.jpg", quality=50)
    photo(2).save(out / "unrelated.jpg", quality=92)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
