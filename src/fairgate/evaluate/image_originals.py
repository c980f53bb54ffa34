"""The originals of ``fairgate eval images``: real photos from folders, made distinct.

Default folders are what Debian's wallpaper packages install
(``mate-backgrounds``, ``gnome-backgrounds``, ``plasma-workspace-wallpapers``;
``.ci/run`` installs them) and the photos of ``shared/data/pdq-reference``.
A KDE wallpaper folder holds one picture at many resolutions: only its
largest is taken; screenshots and previews are skipped. Every photo is
scaled so its longer side is ``size`` px. Photos at least twice as wide as
they are needed also give their left and right halves as two originals
(distinct content, so more distractors), unless the photo is mirror-symmetric
(its mirrored left half within ``mirror_distance`` PDQ bits of its right
half, as a pier shot head-on in fog: its halves are one picture mirrored, and
the engine rightly matches one with the other). Near-duplicates (PDQ distance under
``min_distance`` to one already taken, e.g. a light and a dark variant of a
wallpaper; or one nearly the negative of the other) are dropped so that a
"false" match is really false, and so are photos too flat for PDQ (quality
under ``min_quality``: gradients and plain designs, which no PDQ list holds).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from fairgate.errors import MediaError
from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.settings import Settings
from fairgate.signals.pdq import pdq_reference

ROOT = Path(__file__).resolve().parents[3]
PDQ_IMAGES = ROOT.parent / "shared" / "data" / "pdq-reference" / "images"
DEFAULT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/backgrounds/mate/nature"),
    Path("/usr/share/wallpapers"),
    PDQ_IMAGES / "reg-test-input" / "labelme-subset",
    Path("/usr/share/backgrounds/mate"),
)
"""Photos first (``--limit`` takes the first ones); mate's abstract designs last. GNOME's
backgrounds are left out: repeating patterns whose two halves are the same picture."""
EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
SKIP_NAMES = ("screenshot", "preview", "thumb")


@dataclass(frozen=True, slots=True)
class Original:
    name: str
    image: Image.Image


def photo_files(dirs: Iterable[Path]) -> list[Path]:
    """Image files under ``dirs`` (recursive, sorted), one per multi-resolution set."""
    files: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        by_set: dict[Path, list[Path]] = {}
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in EXTENSIONS or not path.is_file():
                continue
            if any(skip in path.name.lower() for skip in SKIP_NAMES):
                continue
            key = path.parent if path.parent.name == "images" else path
            by_set.setdefault(key, []).append(path)
        for paths in by_set.values():
            files.append(max(paths, key=lambda p: p.stat().st_size))
    return files


def load(path: Path, size: int, limits: MediaLimits) -> Image.Image | None:
    """The photo decoded at (about) ``size`` px or more, or None if it cannot be read safely."""
    try:
        MediaSource.from_path(path, limits=limits).header()  # refuses files over the limits
        with Image.open(path) as opened:
            opened.draft("RGB", (size, size))
            return opened.convert("RGB")
    except (MediaError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _fit(image: Image.Image, size: int) -> Image.Image:
    w, h = image.size
    factor = size / max(w, h)
    return image.resize(
        (max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.LANCZOS
    )


def _bits(image: Image.Image) -> npt.NDArray[np.uint8]:
    return np.unpackbits(
        np.frombuffer(bytes.fromhex(pdq_reference(image, dihedral=False).hashes[0]), np.uint8)
    )


def _mirrored(left: Image.Image, right: Image.Image, distance: int) -> bool:
    """The two halves of a mirror-symmetric photo: the left one mirrored is the right one."""
    flipped = _bits(left.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    return int(np.count_nonzero(flipped != _bits(right))) < distance


def _near(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8], distance: int) -> bool:
    """Near-duplicates, or one the negative of the other (a dark and a light variant)."""
    d = int(np.count_nonzero(a != b))
    return min(d, a.size - d) < distance


def originals(
    dirs: Sequence[Path] = DEFAULT_DIRS,
    *,
    size: int = 512,
    limit: int | None = None,
    halves: bool = True,
    min_distance: int = 64,
    min_quality: int = 50,
    mirror_distance: int = 96,
    limits: MediaLimits | None = None,
) -> list[Original]:
    """Distinct originals from ``dirs`` (see the module docstring), at most ``limit``."""
    limits = limits or MediaLimits.from_settings(Settings())
    taken: list[Original] = []
    seen: list[npt.NDArray[np.uint8]] = []
    files = list(dict.fromkeys(photo_files(dirs)))  # a folder inside another: once
    for path in files:
        photo = load(path, 2 * size, limits)
        if photo is None:
            continue
        candidates = [(path.stem, photo)]
        if halves and photo.width >= 2 * size and photo.width >= photo.height:
            w, h = photo.size
            left, right = photo.crop((0, 0, w // 2, h)), photo.crop((w - w // 2, 0, w, h))
            if not _mirrored(left, right, mirror_distance):
                candidates = [(f"{path.stem}-left", left), (f"{path.stem}-right", right)]
        for stem, image in candidates:
            fitted = _fit(image, size)
            if min(fitted.size) < 64:
                continue
            result = pdq_reference(fitted, dihedral=False)
            if result.quality < min_quality:
                continue  # too flat to be listed by PDQ at all: not a photo
            bits = np.unpackbits(np.frombuffer(bytes.fromhex(result.hashes[0]), np.uint8))
            if any(_near(bits, other, min_distance) for other in seen):
                continue
            seen.append(bits)
            folder = path.parents[2].name if path.parent.name == "images" else path.parent.name
            taken.append(Original(f"{folder}/{stem}", fitted))
            if limit is not None and len(taken) >= limit:
                return taken
    return taken
