"""The OCR text signal: the lines of text recognised in image attachments.

It wraps :class:`fairgate.ocr.OcrService` with the engine's settings. The
OCR engine (and its model load) is created on the first message that needs
it, never at import; results are cached by the attachment's sha256, so the
same image is never read twice. A message's OCR has a time budget: images
left when it is spent are not read, and every image that was not read
(OCR disabled, budget spent, image unreadable, engine unavailable) is said
out loud as a :class:`~fairgate.types.Note` on the Decision.

Unlike the hash signals this is not a :class:`~fairgate.signals.base.SignalType`:
its values are text, matched by the keyword automata of the text lists
(``LiveIndexes.match_text``) under the source ``attachment:N:ocr``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from fairgate.errors import MediaError
from fairgate.media.source import MediaSource
from fairgate.ocr.engine import OcrConfig, OcrEngine, OcrLine, OcrUnavailable
from fairgate.ocr.service import OcrService
from fairgate.settings import Settings
from fairgate.types import Note


def ocr_source(attachment: int) -> str:
    """The match source of text recognised in attachment ``attachment``."""
    return f"attachment:{attachment}:ocr"


def ocr_config(settings: Settings) -> OcrConfig:
    """The OCR service's configuration from the ``FAIRGATE_OCR_*`` settings."""
    return OcrConfig(
        enabled=settings.ocr_enabled,
        det_limit_type=settings.ocr_det_limit_type,
        det_limit_side_len=settings.ocr_det_limit_side_len,
        text_score=settings.ocr_text_score,
        cls_thresh=settings.ocr_cls_thresh,
        threads=settings.ocr_threads,
        deep_retry=settings.ocr_deep_retry,
        message_budget_seconds=settings.ocr_message_budget_seconds,
        cache_entries=settings.ocr_cache_entries,
        sharp_edge_step=settings.ocr_sharp_edge_step,
        sharp_edge_min_pixels=settings.ocr_sharp_edge_min_pixels,
    )


@dataclass(frozen=True, slots=True)
class RecognisedLine:
    """One line of text read from one attachment; ``box`` in whole pixels."""

    attachment: int
    text: str
    box: tuple[tuple[int, int], ...]
    score: float
    frame: int = 0
    """The frame of an animated attachment the line was read in (0: the first)."""

    @property
    def source(self) -> str:
        return ocr_source(self.attachment)

    @classmethod
    def of(cls, attachment: int, line: OcrLine, frame: int = 0) -> RecognisedLine:
        box = tuple((round(x), round(y)) for x, y in line.box)
        return cls(attachment, line.text, box, line.score, frame)


@dataclass(frozen=True, slots=True)
class ImageText:
    """What OCR read from a message's images, and what it could not read."""

    lines: tuple[RecognisedLine, ...] = ()
    notes: tuple[Note, ...] = ()
    elapsed: float = 0.0
    read: int = 0
    cached: int = 0


class OcrText:
    """Reads the text in a message's image attachments within the time budget."""

    name = "ocr"

    def __init__(self, settings: Settings, engine: OcrEngine | None = None) -> None:
        self.settings = settings
        self._engine = engine
        self._service: OcrService | None = None
        self._lock = threading.Lock()

    @property
    def service(self) -> OcrService:
        """The OCR service, created on first use (the engine loads its models lazily)."""
        if self._service is None:
            with self._lock:
                if self._service is None:
                    self._service = OcrService(ocr_config(self.settings), self._engine)
        return self._service

    def read(
        self, media: Sequence[MediaSource], *, attachments: Sequence[int] | None = None
    ) -> ImageText:
        """OCR of every attachment in order until the message's budget is spent;
        ``attachments`` numbers them as in the message (default: their positions).
        A later frame of an animation (``MediaSource.frame`` > 0) is one more image
        to read within the same budget; its lines and notes name the frame."""
        numbers = list(attachments) if attachments is not None else list(range(len(media)))
        if not self.settings.ocr_enabled:
            note = Note(
                "ocr_disabled",
                f"text in {len(set(numbers))} image(s) was not read: OCR is disabled "
                "(FAIRGATE_OCR_ENABLED=false)",
            )
            return ImageText(notes=(note,))
        budget = self.settings.ocr_message_budget_seconds
        service = self.service
        start = time.perf_counter()
        lines: list[RecognisedLine] = []
        notes: list[Note] = []
        read = cached = 0
        unavailable: str | None = None
        for index, source in zip(numbers, media, strict=True):
            where = f"attachment:{index}"
            this = f"frame {source.frame} of this image" if source.frame else "this image"
            if unavailable is not None:
                notes.append(Note("ocr_unavailable", unavailable, where))
                continue
            hit = service.cache.get(source.key)
            spent = time.perf_counter() - start
            if hit is None and spent >= budget:
                notes.append(
                    Note(
                        "ocr_budget_exhausted",
                        f"text in {this} was not read: the message's OCR time budget "
                        f"({budget:g} s) was spent after {spent:.2f} s",
                        where,
                    )
                )
                continue
            try:
                result, was_cached = service.recognise(source, start + budget)
            except MediaError as exc:
                detail = f"text in {this} was not read: {exc}"
                notes.append(Note("ocr_unreadable", detail, where))
                continue
            except OcrUnavailable as exc:
                unavailable = f"text in {this} was not read: OCR is unavailable ({exc})"
                notes.append(Note("ocr_unavailable", unavailable, where))
                continue
            if result.cut_short:
                notes.append(
                    Note(
                        "ocr_cut_short",
                        f"{this} was read without all its retry passes: the message's "
                        f"OCR time budget ({budget:g} s) ran out while reading it",
                        where,
                    )
                )
            read += 1
            cached += was_cached
            lines.extend(
                RecognisedLine.of(index, line, source.frame) for line in result.lines if line.text
            )
        return ImageText(tuple(lines), tuple(notes), time.perf_counter() - start, read, cached)


def _centre(line: RecognisedLine) -> tuple[float, float]:
    return (
        sum(x for x, _ in line.box) / len(line.box),
        sum(y for _, y in line.box) / len(line.box),
    )


def _continues(left: RecognisedLine, right: RecognisedLine) -> bool:
    """Whether ``right`` lies on the line ``left`` is written along: its centre is
    right of ``left``'s and within half a text height of where ``left``'s top
    edge, extended, says the line goes."""
    (x0, y0), (x1, y1), _, (x3, y3) = left.box[:4]
    (cx, cy), (rx, ry) = _centre(left), _centre(right)
    if rx <= cx or x1 == x0:
        return False
    slope = (y1 - y0) / (x1 - x0)
    height = math.hypot(x3 - x0, y3 - y0)
    return abs(ry - (cy + (rx - cx) * slope)) <= 0.5 * height


def row_order(lines: Sequence[RecognisedLine]) -> list[RecognisedLine]:
    """The lines grouped into visual rows, rows top to bottom, each row left to right.

    The OCR engine sorts boxes by their top edge, so a tilted line the
    detector cut in two (``earn money`` lower left, ``from home`` higher right
    on text turned 15 degrees) comes out as ``from home earn money``. Here a
    box continues a row when it lies along the direction of the row's last
    box (:func:`_continues`); rows are ordered by the centre of their first
    box. The matcher tries this order too (``Engine``)."""
    rows: list[list[RecognisedLine]] = []
    for line in sorted(lines, key=lambda ln: _centre(ln)[0]):
        for row in rows:
            if len(row[-1].box) == 4 and len(line.box) == 4 and _continues(row[-1], line):
                row.append(line)
                break
        else:
            rows.append([line])
    rows.sort(key=lambda row: _centre(row[0])[1])
    return [line for row in rows for line in row]
