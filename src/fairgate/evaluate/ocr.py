"""OCR recall and latency on ``shared/data/ocr-real`` (scored as its README says).

Both sides are NFKC-normalised and casefolded, reduced to Unicode letters and
digits, and (if ``opencc`` is importable) converted Traditional -> Simplified.
Per image: order-aware recall (difflib matching blocks / GT characters) and
bag-of-characters recall (multiset intersection / GT characters); the report
gives their means, the median per-image latency, and the latency of a
synthetic 1280x720 photo-like image with text and of a no-text image.
"""

from __future__ import annotations

import difflib
import importlib
import io
import math
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.ocr.engine import OcrConfig
from fairgate.ocr.service import OcrService

DEFAULT_FOLDER = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ocr-real"
"""Where the data set lies beside a source checkout (``fairgate eval ocr`` defaults
to the ``ocr_real_dir`` setting, else ``../shared/data/ocr-real`` from the cwd)."""
_LIMITS = MediaLimits(max_file_bytes=50_000_000, max_image_pixels=50_000_000, max_image_side=20_000)


def _t2s() -> Callable[[str], str]:
    try:
        opencc = importlib.import_module("opencc")
    except ImportError:
        return lambda text: text
    converter = opencc.OpenCC("t2s")
    return lambda text: str(converter.convert(text))


def normalise(text: str, t2s: Callable[[str], str] | None = None) -> str:
    """NFKC + casefold, letters and digits only, optionally Traditional -> Simplified."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return t2s(text) if t2s is not None else text


def seq_recall(truth: str, found: str) -> float:
    """Order-aware recall: characters in difflib matching blocks / GT characters."""
    if not truth:
        return 1.0
    matcher = difflib.SequenceMatcher(None, truth, found, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(truth)


def bag_recall(truth: str, found: str) -> float:
    """Order-free recall: multiset intersection / GT characters."""
    if not truth:
        return 1.0
    return sum((Counter(truth) & Counter(found)).values()) / len(truth)


@dataclass(frozen=True, slots=True)
class ImageScore:
    name: str
    seq: float
    bag: float
    seconds: float
    retried: bool


@dataclass(frozen=True, slots=True)
class OcrReport:
    images: tuple[ImageScore, ...]
    photo_seconds: float
    no_text_seconds: float
    no_text_photo_seconds: float
    t2s: bool
    config: OcrConfig

    @property
    def seq_recall(self) -> float:
        return statistics.fmean(i.seq for i in self.images) if self.images else 0.0

    @property
    def bag_recall(self) -> float:
        return statistics.fmean(i.bag for i in self.images) if self.images else 0.0

    @property
    def median_seconds(self) -> float:
        return statistics.median(i.seconds for i in self.images) if self.images else 0.0

    @property
    def p90_seconds(self) -> float:
        """90th percentile of the per-image latency (nearest rank)."""
        if not self.images:
            return 0.0
        ordered = sorted(i.seconds for i in self.images)
        return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "images": len(self.images),
            "seq_recall": round(self.seq_recall, 4),
            "bag_recall": round(self.bag_recall, 4),
            "median_seconds": round(self.median_seconds, 4),
            "p50_seconds": round(self.median_seconds, 4),
            "p90_seconds": round(self.p90_seconds, 4),
            "photo_1280x720_seconds": round(self.photo_seconds, 4),
            "no_text_seconds": round(self.no_text_seconds, 4),
            "no_text_photo_seconds": round(self.no_text_photo_seconds, 4),
            "t2s": self.t2s,
            "det_limit": [self.config.det_limit_type, self.config.det_limit_side_len],
            "per_image": [
                {
                    "name": i.name,
                    "seq": round(i.seq, 4),
                    "bag": round(i.bag, 4),
                    "seconds": round(i.seconds, 4),
                    "retried": i.retried,
                }
                for i in self.images
            ],
        }

    def render(self) -> Any:
        """A rich Table: per image, then the summary against the targets."""
        from rich.table import Table

        table = Table(title="OCR evaluation (ocr-real)")
        for column in ("image", "seq recall", "bag recall", "seconds"):
            table.add_column(column, justify="left" if column == "image" else "right")
        for i in self.images:
            flag = " (retry)" if i.retried else ""
            table.add_row(i.name + flag, f"{i.seq:.1%}", f"{i.bag:.1%}", f"{i.seconds:.3f}")
        table.add_section()
        table.add_row(
            f"mean of {len(self.images)} (target seq >= 92%)",
            f"{self.seq_recall:.1%}",
            f"{self.bag_recall:.1%}",
            f"p50 {self.median_seconds:.3f}",
        )
        table.add_row("per-image latency p90", "", "", f"{self.p90_seconds:.3f}")
        table.add_row(
            "1280x720 photo with text (target p50 <= 0.4 s)", "", "", f"{self.photo_seconds:.3f}"
        )
        table.add_row(
            "no-text flat image (target <= 0.05 s)", "", "", f"{self.no_text_seconds:.3f}"
        )
        table.add_row("no-text textured image", "", "", f"{self.no_text_photo_seconds:.3f}")
        return table


def _encoded(image: Image.Image, fmt: str) -> MediaSource:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return MediaSource(buffer.getvalue(), name=f"synthetic.{fmt.lower()}", limits=_LIMITS)


def synthetic_photo(with_text: bool = True, seed: int = 0) -> Image.Image:
    """A 1280x720 photo-like image: smooth noise texture, with a few lines of text."""
    rng = np.random.default_rng(seed)
    small = rng.integers(40, 220, size=(18, 32, 3), dtype=np.uint8)
    image = Image.fromarray(small, "RGB").resize((1280, 720), Image.Resampling.BICUBIC)
    image = image.filter(ImageFilter.GaussianBlur(3))
    if with_text:
        draw = ImageDraw.Draw(image)
        font = ImageFont.load_default(size=44)
        for row, line in enumerate(
            ("GRAND OPENING SALE", "Call 555 0199 today", "Open 9am to 6pm")
        ):
            y = 120 + row * 160
            draw.rectangle((90, y - 10, 800, y + 60), fill=(245, 245, 240))
            draw.text((100, y), line, fill=(20, 20, 20), font=font)
    return image


def _median_seconds(
    service: OcrService, image: Image.Image, repeats: int, fmt: str = "JPEG"
) -> float:
    """Median of decode + preprocessing + recognition (encoding is not timed)."""
    times = []
    for _ in range(repeats):
        media = _encoded(image, fmt)
        start = time.perf_counter()
        service.recognise_image(service.prepare(media))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(
    folder: Path | str = DEFAULT_FOLDER,
    config: OcrConfig | None = None,
    *,
    limit: int | None = None,
    repeats: int = 5,
) -> OcrReport:
    """Score every image of ``folder`` (``images/`` + ``gt/<stem>.txt``), or the
    first ``limit`` of them (sorted by name); synthetic latencies are the median
    of ``repeats`` runs."""
    folder = Path(folder)
    images_dir, gt_dir = folder / "images", folder / "gt"
    if not images_dir.is_dir() or not gt_dir.is_dir():
        raise FileNotFoundError(f"{folder} has no images/ and gt/ folders")
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    config = config or OcrConfig()
    service = OcrService(config)
    t2s = _t2s()
    has_t2s = t2s("測") != "測"
    _median_seconds(service, synthetic_photo(), 1)  # loads the models, warms up
    scores: list[ImageScore] = []
    for path in sorted(images_dir.iterdir()):
        gt_path = gt_dir / f"{path.stem}.txt"
        if not gt_path.is_file():
            continue
        if limit is not None and len(scores) >= limit:
            break
        media = MediaSource.from_path(path, limits=_LIMITS)
        start = time.perf_counter()
        result = service.recognise_image(service.prepare(media))
        seconds = time.perf_counter() - start
        truth = normalise(gt_path.read_text(encoding="utf-8"), t2s)
        found = normalise(result.text, t2s)
        scores.append(
            ImageScore(
                path.name,
                seq_recall(truth, found),
                bag_recall(truth, found),
                seconds,
                result.retried,
            )
        )
    flat = Image.new("RGB", (1280, 720), (236, 238, 240))
    return OcrReport(
        images=tuple(scores),
        photo_seconds=_median_seconds(service, synthetic_photo(), repeats),
        no_text_seconds=_median_seconds(service, flat, repeats, "PNG"),
        no_text_photo_seconds=_median_seconds(service, synthetic_photo(with_text=False), repeats),
        t2s=has_t2s,
        config=config,
    )
