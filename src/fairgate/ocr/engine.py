"""The OCR engine protocol, its result types and the default RapidOCR engine.

The default engine is ``rapidocr`` 3.x on ONNX Runtime with the PP-OCRv6
small detector and recogniser and the PP-OCR mobile angle classifier, all
shipped inside the ``rapidocr`` wheel. Every model path is given explicitly
and checked before the engine is built, so RapidOCR never falls back to its
download code: a missing model is an :class:`OcrUnavailable` error.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from PIL import Image

from fairgate.errors import FairgateError

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"


class OcrUnavailable(FairgateError):
    """The OCR engine cannot be loaded (package or bundled model missing)."""


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One recognised line: its text, its box (4 corners, clockwise from top-left,
    in pixels of the image given to the engine) and the recogniser's score 0..1."""

    text: str
    box: Quad
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "box": [list(p) for p in self.box], "score": self.score}


@dataclass(frozen=True, slots=True)
class OcrResult:
    """What one image says. ``retried`` is true when the contrast-normalised second
    pass was run; ``skipped_blank`` when the image was judged textless without
    running the detector (flat, or without a single sharp edge)."""

    lines: tuple[OcrLine, ...] = ()
    elapsed: float = 0.0
    retried: bool = False
    skipped_blank: bool = False
    cut_short: bool = False
    """A retry pass was left out because the message's time budget ran out (such a
    result is not cached: the image is read in full next time)."""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lines": [line.to_dict() for line in self.lines],
            "elapsed": round(self.elapsed, 4),
            "retried": self.retried,
            "skipped_blank": self.skipped_blank,
            "cut_short": self.cut_short,
        }


@runtime_checkable
class OcrEngine(Protocol):
    """Recognises the text of one RGB image (no preprocessing of its own required)."""

    def recognise(self, image: Image.Image) -> OcrResult: ...


@dataclass(frozen=True, slots=True)
class OcrConfig:
    """OCR settings (defaults; the lead maps them to ``FAIRGATE_OCR_*`` settings).

    ``det_limit_type="max"`` with ``det_limit_side_len=960`` scales the image so
    its *longer* side is at most 960 px for detection (RapidOCR's default,
    ``min``/736, upscales the shorter side and is twice as slow and less
    accurate on this project's evaluation set).
    """

    enabled: bool = True
    det_limit_type: str = "max"
    det_limit_side_len: int = 960
    text_score: float = 0.5
    cls_thresh: float = 0.999
    """Confidence the angle classifier needs before it flips a line by 180°.
    RapidOCR's 0.9 flips upright lines wrongly (seq recall 92.3% vs 94.9% here);
    0.999 still turns upside-down text the right way up."""
    threads: int = 2
    message_budget_seconds: float = 2.0
    cache_entries: int = 1024
    retry_min_chars: int = 2
    """A first pass that reads fewer letters/digits than this is retried with CLAHE."""
    retry_max_contrast: int = 96
    """...and only if its luminance spread (p1..p99, 0..255) is at most this."""
    line_retry_max_contrast: int = 48
    """A recognised line whose core (middle 40% of its box's height) has a luminance spread
    (p2..p98) at most this is read again from a contrast-stretched crop: grey text
    on a grey patch of a photo is found, but misread, in the full image."""
    deep_retry: bool = True
    """When a large photo read (almost) nothing, read it again with CLAHE (grey text
    on a grey patch of a busy photo), then as four overlapping quarters at full
    resolution (small text the whole-image detector misses). Up to five more
    detector runs on a textless photo with sharp edges; each starts only while
    the message's budget lasts. False: only low-contrast images get CLAHE."""
    tile_min_side: int = 640
    """...only for images whose longer side is at least this."""
    min_side: int = 48
    """Images whose shorter side is below this are padded (as are tiny crops)."""
    blank_edge_fraction: float = 0.0005
    """Below this fraction of edge pixels (on a 256 px thumbnail) an image is textless."""
    sharp_edge_step: int = 8
    """Luminance step (0..255) of the Laplacian that counts as a sharp edge pixel..."""
    sharp_edge_min_pixels: int = 16
    """...and an image where no 32x32 block holds this many is textless (no detector run;
    0: no check)."""
    model_dir: str | None = None
    """Directory of the three ONNX models; default: the ``rapidocr`` package's own."""
    extra: tuple[tuple[str, Any], ...] = field(default_factory=tuple)
    """Further RapidOCR ``params`` (dotted keys), for experiments."""

    def __post_init__(self) -> None:
        if self.det_limit_type not in ("max", "min"):
            raise ValueError(
                f"OcrConfig.det_limit_type must be max or min, got {self.det_limit_type!r}"
            )
        positive = ("det_limit_side_len", "threads", "cache_entries", "min_side", "sharp_edge_step")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"OcrConfig.{name} must be a positive integer, got {value!r}")
        if not isinstance(self.sharp_edge_min_pixels, int) or self.sharp_edge_min_pixels < 0:
            raise ValueError("OcrConfig.sharp_edge_min_pixels must be an integer >= 0")
        if not self.message_budget_seconds > 0:
            raise ValueError("OcrConfig.message_budget_seconds must be positive")

    def rapidocr_params(self, model_dir: Path) -> dict[str, Any]:
        """The ``params`` given to ``rapidocr.RapidOCR`` (offline: explicit model paths)."""
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.text_score": self.text_score,
            "Global.model_root_dir": str(model_dir),
            "Det.limit_type": self.det_limit_type,
            "Det.limit_side_len": self.det_limit_side_len,
            "Cls.cls_thresh": self.cls_thresh,
            "Det.model_path": str(model_dir / DET_MODEL),
            "Rec.model_path": str(model_dir / REC_MODEL),
            "Cls.model_path": str(model_dir / CLS_MODEL),
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        params.update(dict(self.extra))
        return params


def bundled_model_dir() -> Path:
    """The ``models`` directory inside the installed ``rapidocr`` package."""
    try:
        import rapidocr
    except ImportError as exc:  # pragma: no cover - rapidocr is a dependency
        raise OcrUnavailable(f"rapidocr is not installed: {exc}") from None
    return Path(rapidocr.__file__).resolve().parent / "models"


class RapidOcrEngine:
    """:class:`OcrEngine` on RapidOCR 3.x; the ONNX sessions are built on first use."""

    def __init__(self, config: OcrConfig | None = None) -> None:
        self.config = config or OcrConfig()
        self._lock = threading.Lock()
        self._ocr: Any = None

    def load(self) -> None:
        """Build the ONNX sessions now (otherwise on the first ``recognise``)."""
        if self._ocr is not None:
            return
        with self._lock:
            if self._ocr is not None:
                return
            model_dir = (
                Path(self.config.model_dir) if self.config.model_dir else bundled_model_dir()
            )
            missing = [
                m for m in (DET_MODEL, REC_MODEL, CLS_MODEL) if not (model_dir / m).is_file()
            ]
            if missing:
                raise OcrUnavailable(
                    f"OCR models missing from {model_dir}: {', '.join(missing)} "
                    "(fairgate never downloads models)"
                )
            from rapidocr import RapidOCR

            try:
                self._ocr = RapidOCR(params=self.config.rapidocr_params(model_dir))
            except Exception as exc:
                raise OcrUnavailable(f"cannot load RapidOCR: {exc}") from exc

    def recognise(self, image: Image.Image) -> OcrResult:
        self.load()
        start = time.perf_counter()
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
        output = self._ocr(bgr)
        lines: list[OcrLine] = []
        boxes = getattr(output, "boxes", None)
        txts = getattr(output, "txts", None)
        scores = getattr(output, "scores", None)
        if boxes is not None and txts is not None and scores is not None:
            for box, text, score in zip(boxes, txts, scores, strict=False):
                quad = tuple((float(x), float(y)) for x, y in np.asarray(box).reshape(4, 2))
                lines.append(OcrLine(str(text), quad, float(score)))  # type: ignore[arg-type]
        return OcrResult(tuple(lines), time.perf_counter() - start)


_ENGINES: dict[OcrConfig, RapidOcrEngine] = {}
_ENGINES_LOCK = threading.Lock()


def default_engine(config: OcrConfig | None = None) -> RapidOcrEngine:
    """The process-wide engine for ``config`` (models loaded once, lazily)."""
    config = config or OcrConfig()
    with _ENGINES_LOCK:
        engine = _ENGINES.get(config)
        if engine is None:
            engine = _ENGINES[config] = RapidOcrEngine(config)
        return engine
