"""A pluggable image-embedding signal: an operator-supplied ONNX model, binarised.

fairgate ships no model and downloads none. An operator who has one (a
copy-detection descriptor such as SSCD exported to ONNX, say) points
``embedding_model_path`` at the file; the signal type is registered only
then. The model must take one float32 image batch ``1 x 3 x S x S``
(``embedding_input_side``; RGB scaled to 0..1, then ``(x - mean) / std``
with ImageNet's mean and std) and return one vector whose length is a
multiple of 8. The vector is binarised by sign (one bit per dimension, the
usual trick for Hamming search over embeddings) and matched like PDQ, in a
Hamming index, within ``embedding_match_distance`` bits.

The model loads (onnxruntime, one thread) on first use; a missing or
unsuitable file raises ``EmbeddingUnavailable`` naming the file and what is
wrong.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from fairgate.errors import InvalidSignalValue
from fairgate.signals.exact import canonical_hex, new_index
from fairgate.types import Note, Signal

if TYPE_CHECKING:
    from fairgate.index.base import SignalIndex
    from fairgate.media.source import MediaSource
    from fairgate.settings import Settings

_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(1, 3, 1, 1)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(1, 3, 1, 1)


class EmbeddingUnavailable(RuntimeError):
    """The configured model cannot be used (missing file, wrong shape...)."""


class ImageEmbedding:
    """The sign bits of an ONNX model's embedding, as a fairgate signal type."""

    name: str = "embedding"
    per_frame: bool = True
    """Computed on every screened frame of an animation (signals/frames.py)."""

    def __init__(self, settings: Settings, model_path: Path | None = None) -> None:
        path = model_path or settings.embedding_model_path
        if path is None:
            raise EmbeddingUnavailable("no embedding model configured (embedding_model_path)")
        self.settings = settings
        self.path = Path(path)
        self._session: Any = None
        self._bits: int | None = None
        self._lock = threading.Lock()

    # -- the model ------------------------------------------------------------
    def _load(self) -> Any:
        with self._lock:
            if self._session is not None:
                return self._session
            if not self.path.is_file():
                raise EmbeddingUnavailable(f"{self.path}: embedding model file not found")
            import onnxruntime as ort  # type: ignore[import-untyped]

            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            try:
                session = ort.InferenceSession(
                    str(self.path), options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise EmbeddingUnavailable(f"{self.path}: not a usable ONNX model: {exc}") from None
            self._session = session
            return session

    def vector(self, image: Image.Image) -> npt.NDArray[np.float32]:
        session = self._load()
        side = self.settings.embedding_input_side
        rgb = image.convert("RGB").resize((side, side), Image.Resampling.BILINEAR)
        batch = np.asarray(rgb, dtype=np.float32).transpose(2, 0, 1)[None] / 255.0
        batch = (batch - _MEAN) / _STD
        name = session.get_inputs()[0].name
        try:
            (output,) = session.run(None, {name: batch.astype(np.float32)})[:1]
        except Exception as exc:
            raise EmbeddingUnavailable(
                f"{self.path}: the model failed on a {side}px image: {exc}"
            ) from None
        vector = np.asarray(output, dtype=np.float32).reshape(-1)
        if vector.size == 0 or vector.size % 8:
            raise EmbeddingUnavailable(
                f"{self.path}: the model returned {vector.size} values; need a multiple of 8"
            )
        self._bits = int(vector.size)
        return vector

    def hash_image(self, image: Image.Image) -> str:
        return np.packbits(self.vector(image) > 0).tobytes().hex()

    @property
    def bits(self) -> int:
        if self._bits is None:
            return int(self.vector(Image.new("RGB", (8, 8))).size)
        return self._bits

    # -- the SignalType protocol ---------------------------------------------
    def validate(self, value: str) -> str:
        if not isinstance(value, str):
            raise InvalidSignalValue("embedding value must be a hex string")
        return canonical_hex(value, length=self.bits // 4, what="embedding hash")

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        image = media.image() if reference else media.image(reduced=True)
        return [Signal(self.name, self.hash_image(image), attachment)]

    def check(self, signal: Signal) -> Note | None:
        return None

    def make_index(self) -> SignalIndex:
        return new_index(
            "fairgate.index.hamming",
            "HammingIndex",
            bits=self.bits,
            max_distance=min(self.settings.embedding_match_distance, self.bits),
            kind="flat",
        )
