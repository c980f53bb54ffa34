"""OCR of a message's attachments: preprocessing, retry, cache and time budget."""

from __future__ import annotations

import hashlib
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image

from fairgate.media.source import MediaSource
from fairgate.ocr.engine import OcrConfig, OcrEngine, OcrResult, default_engine
from fairgate.ocr.preprocess import clahe, contrast_range, looks_blank, ocr_image, pad


def _letters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LN")


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
        return any(a.skipped for a in self.attachments)

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


class OcrService:
    """Reads attachments with an :class:`OcrEngine` (default: the process's RapidOCR)."""

    def __init__(self, config: OcrConfig | None = None, engine: OcrEngine | None = None) -> None:
        self.config = config or OcrConfig()
        self.engine: OcrEngine = engine if engine is not None else default_engine(self.config)
        self.cache = OcrCache(self.config.cache_entries)

    def prepare(self, media: MediaSource) -> Image.Image:
        """The image the engine sees on the first pass (oriented, flattened, padded)."""
        return pad(ocr_image(media), self.config.min_side)

    def recognise_image(self, image: Image.Image) -> OcrResult:
        """Blank check, first pass, and the CLAHE retry when it read (almost) nothing
        from a low-contrast image (a textless photo is not read twice)."""
        start = time.perf_counter()
        if looks_blank(image, self.config.blank_edge_fraction):
            return OcrResult((), time.perf_counter() - start, skipped_blank=True)
        first = self.engine.recognise(image)
        if (
            _letters(first.text) >= self.config.retry_min_chars
            or contrast_range(image) > self.config.retry_max_contrast
        ):
            return replace(first, elapsed=time.perf_counter() - start)
        second = self.engine.recognise(clahe(image))
        best = second if _letters(second.text) > _letters(first.text) else first
        return replace(best, elapsed=time.perf_counter() - start, retried=True)

    def recognise(self, media: MediaSource) -> tuple[OcrResult, bool]:
        """OCR of one attachment and whether it came from the cache.

        A corrupt or oversized attachment raises the ``MediaError`` of MediaSource.
        """
        key = hashlib.sha256(media.data).hexdigest()
        cached = self.cache.get(key)
        if cached is not None:
            return cached, True
        result = self.recognise_image(self.prepare(media))
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
            key = hashlib.sha256(source.data).hexdigest()
            cached = self.cache.get(key)
            if cached is not None:
                out.append(AttachmentOcr(index, key, cached, cached=True))
            elif time.perf_counter() - start >= limit:
                out.append(AttachmentOcr(index, key, None, skipped=True))
            else:
                result, hit = self.recognise(source)
                out.append(AttachmentOcr(index, key, result, cached=hit))
        return MessageOcr(tuple(out), time.perf_counter() - start, limit)
