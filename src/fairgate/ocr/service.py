"""OCR of a message's attachments: preprocessing, retry, cache and time budget."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image

from fairgate.media.source import MediaSource
from fairgate.ocr.engine import OcrConfig, OcrEngine, OcrLine, OcrResult, default_engine
from fairgate.ocr.preprocess import (
    clahe,
    contrast_range,
    has_sharp_edges,
    line_crop,
    looks_blank,
    ocr_image,
    pad,
)


def _letters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LN")


def _shifted(line: OcrLine, margin: tuple[int, int]) -> OcrLine:
    dx, dy = margin
    p0, p1, p2, p3 = ((x - dx, y - dy) for x, y in line.box)
    return replace(line, box=(p0, p1, p2, p3))


def _same_line(a: OcrLine, b: OcrLine, tolerance: float = 8.0) -> bool:
    """The same line read twice (from two overlapping tiles)."""
    (ax, ay), (bx, by) = a.box[0], b.box[0]
    return a.text == b.text and abs(ax - bx) <= tolerance and abs(ay - by) <= tolerance


@dataclass(frozen=True, slots=True)
class AttachmentOcr:
    """OCR of one attachment; ``result`` is None when it was ``skipped`` (budget)."""

    attachment: int
    sha256: str
    result: OcrResult | None
    cached: bool = False
    skipped: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"attachment": self.attachment, "sha256": self.sha256}
        if self.skipped:
            out["skipped"] = "time budget exceeded"
        if self.result is not None:
            out.update(self.result.to_dict())
            out["cached"] = self.cached
        return out


@dataclass(frozen=True, slots=True)
class MessageOcr:
    """OCR of a whole message. ``cut_short`` when the budget skipped attachments."""

    attachments: tuple[AttachmentOcr, ...]
    elapsed: float
    budget: float

    @property
    def cut_short(self) -> bool:
        """Attachments were skipped, or read without all their retry passes."""
        return any(
            a.skipped or (a.result is not None and a.result.cut_short) for a in self.attachments
        )

    @property
    def skipped(self) -> tuple[int, ...]:
        return tuple(a.attachment for a in self.attachments if a.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "attachments": [a.to_dict() for a in self.attachments],
            "elapsed": round(self.elapsed, 4),
            "budget": self.budget,
            "cut_short": self.cut_short,
        }


class OcrCache:
    """A bounded, thread-safe LRU of results by the attachment's sha256."""

    def __init__(self, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError("OcrCache.max_entries must be positive")
        self.max_entries = max_entries
        self._items: OrderedDict[str, OcrResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> OcrResult | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: OcrResult) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class _Deadline:
    """A ``time.perf_counter()`` deadline (None: none) that remembers whether it cut
    anything short."""

    __slots__ = ("at", "cut")

    def __init__(self, at: float | None) -> None:
        self.at = at
        self.cut = False

    def passed(self) -> bool:
        if self.at is not None and time.perf_counter() >= self.at:
            self.cut = True
        return self.cut


class OcrService:
    """Reads attachments with an :class:`OcrEngine` (default: the process's RapidOCR)."""

    def __init__(self, config: OcrConfig | None = None, engine: OcrEngine | None = None) -> None:
        self.config = config or OcrConfig()
        self.engine: OcrEngine = engine if engine is not None else default_engine(self.config)
        self.cache = OcrCache(self.config.cache_entries)

    def prepare(self, media: MediaSource) -> Image.Image:
        """The image the engine sees on the first pass (oriented, flattened, padded)."""
        return pad(ocr_image(media), self.config.min_side)

    def recognise_image(self, image: Image.Image, deadline: float | None = None) -> OcrResult:
        """Blank and sharp-edge checks, first pass (faint lines re-read from stretched
        crops), then, when it read (almost) nothing: the CLAHE retry for a
        low-contrast image, and with ``config.deep_retry`` also for a busy photo,
        then its quarters.

        ``deadline`` (a ``time.perf_counter()`` value) bounds the extra passes: once
        it has passed no further pass starts, and the result says ``cut_short``."""
        start = time.perf_counter()
        limit = _Deadline(deadline)
        config = self.config
        if looks_blank(image, config.blank_edge_fraction) or not has_sharp_edges(
            image, config.sharp_edge_step, config.sharp_edge_min_pixels
        ):
            return OcrResult((), time.perf_counter() - start, skipped_blank=True)
        first = self.reread_faint_lines(image, self.engine.recognise(image), limit)
        best, retried = first, False
        if _letters(first.text) < config.retry_min_chars and not limit.passed():
            low_contrast = contrast_range(image) <= config.retry_max_contrast
            if low_contrast or config.deep_retry:
                second = self.reread_faint_lines(image, self.engine.recognise(clahe(image)), limit)
                retried = True
                if _letters(second.text) > _letters(best.text):
                    best = second
            if _letters(best.text) < config.retry_min_chars and not limit.passed():
                tiled = self.read_tiles(image, limit)
                retried = retried or bool(tiled.lines)
                if _letters(tiled.text) > _letters(best.text):
                    best = tiled
        return replace(
            best,
            elapsed=time.perf_counter() - start,
            retried=retried or best.retried,
            cut_short=limit.cut,
        )

    def read_tiles(self, image: Image.Image, limit: _Deadline | None = None) -> OcrResult:
        """The four overlapping quarters of a large image, read one by one
        (``config.deep_retry``); boxes are given in the whole image's pixels."""
        width, height = image.size
        if not self.config.deep_retry or max(width, height) < self.config.tile_min_side:
            return OcrResult()
        limit = limit or _Deadline(None)
        tw, th = (width * 3 + 4) // 5, (height * 3 + 4) // 5  # 60%: 20% overlap
        lines: list[OcrLine] = []
        for left in (0, width - tw):
            for top in (0, height - th):
                if limit.passed():
                    break
                tile = self.engine.recognise(image.crop((left, top, left + tw, top + th)))
                for line in tile.lines:
                    moved = _shifted(line, (-left, -top))
                    if not any(_same_line(moved, seen) for seen in lines):  # overlaps
                        lines.append(moved)
        return OcrResult(tuple(lines))

    def reread_faint_lines(
        self, image: Image.Image, result: OcrResult, limit: _Deadline | None = None
    ) -> OcrResult:
        """Read each low-contrast line again from a contrast-stretched crop. The crop is
        the better-conditioned input, so its reading wins unless it lost a fifth of the
        letters (a crop that cut the line); the box stays the detector's."""
        limit = limit or _Deadline(None)
        lines: list[OcrLine] = []
        changed = False
        for line in result.lines:
            crop = line_crop(image, line.box, self.config.line_retry_max_contrast)
            if crop is None or limit.passed():
                lines.append(line)
                continue
            again = self.engine.recognise(crop[0])
            text = " ".join(found.text for found in again.lines)
            if again.lines and 5 * _letters(text) >= 4 * _letters(line.text):
                score = min(found.score for found in again.lines)
                lines.append(replace(line, text=text, score=score))
                changed = True
            else:
                lines.append(line)
        if not changed:
            return result
        return replace(result, lines=tuple(lines), retried=True)

    def recognise(
        self, media: MediaSource, deadline: float | None = None
    ) -> tuple[OcrResult, bool]:
        """OCR of one attachment and whether it came from the cache.

        A corrupt or oversized attachment raises the ``MediaError`` of MediaSource.
        A result cut short by ``deadline`` is not cached.
        """
        key = media.key
        cached = self.cache.get(key)
        if cached is not None:
            return cached, True
        image = ocr_image(media)
        padded = pad(image, self.config.min_side)
        result = self.recognise_image(padded, deadline)
        margin = ((padded.width - image.width) // 2, (padded.height - image.height) // 2)
        if margin != (0, 0):  # boxes in pixels of the attachment, not of the padded copy
            result = replace(result, lines=tuple(_shifted(line, margin) for line in result.lines))
        if not result.cut_short:
            self.cache.put(key, result)
        return result, False

    def recognise_message(
        self, media: Sequence[MediaSource], *, budget: float | None = None
    ) -> MessageOcr:
        """OCR of every attachment in order until the time budget is spent.

        Once ``budget`` seconds (default ``config.message_budget_seconds``) have
        passed, attachments not already cached are skipped and reported.
        """
        limit = self.config.message_budget_seconds if budget is None else budget
        start = time.perf_counter()
        out: list[AttachmentOcr] = []
        for index, source in enumerate(media):
            key = source.key
            cached = self.cache.get(key)
            if cached is not None:
                out.append(AttachmentOcr(index, key, cached, cached=True))
            elif time.perf_counter() - start >= limit:
                out.append(AttachmentOcr(index, key, None, skipped=True))
            else:
                result, hit = self.recognise(source, start + limit)
                out.append(AttachmentOcr(index, key, result, cached=hit))
        return MessageOcr(tuple(out), time.perf_counter() - start, limit)
