"""Text in images: the OCR engine protocol, the default RapidOCR engine, the service."""

from fairgate.ocr.engine import (
    OcrConfig,
    OcrEngine,
    OcrLine,
    OcrResult,
    OcrUnavailable,
    RapidOcrEngine,
    default_engine,
)
from fairgate.ocr.service import AttachmentOcr, MessageOcr, OcrCache, OcrService

__all__ = [
    "AttachmentOcr",
    "MessageOcr",
    "OcrCache",
    "OcrConfig",
    "OcrEngine",
    "OcrLine",
    "OcrResult",
    "OcrService",
    "OcrUnavailable",
    "RapidOcrEngine",
    "default_engine",
]
