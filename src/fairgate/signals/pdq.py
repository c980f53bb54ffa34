"""PDQ perceptual hashes (256 bits + quality), with the 8 dihedral variants.

Two pipelines, one hash:

* **reference** (list entries, ``fairgate hash``): full decode, RGB, then
  ``pdqhash.compute`` - exactly what python-threatexchange does (0 bits from
  its published hashes), except that the EXIF orientation is applied first.
* **screening** (``reference=False`` with ``settings.pdq_fast_decode``):
  JPEGs decode at 1/2, 1/4 or 1/8 size (libjpeg DCT scaling, short side kept
  >= ``MediaLimits.reduced_min_side``) and PDQ's downsampling is done here in
  numpy, one banded matrix per axis. Each matrix is PDQ's own operator (two
  Jarosz box passes with PDQ's window, then decimation to 64x64) for the
  *full-resolution* image, summed over the block of full pixels each reduced
  pixel stands for, so a reduced decode is hashed as if it were the full one.
  On a full decode this agrees with pdqhash bit for bit on every reference
  image (same quality too); on reduced decodes it stays within 2 bits of the
  reference (tests/signals/test_pdq_conformance.py). With ``pdq_fast_decode``
  off, screening uses the reference pipeline.

Variants are the hashes of the sent image after each transform - what
``threatexchange hash --rotations`` computes by transposing the image. They
are computed exactly (a transpose commutes with PDQ's per-axis operator, a
flip runs it backwards), not with ``pdqhash.compute_dihedral``, whose DCT
sign flips only approximate the transformed image's hash (8 bits off on the
bridge photo, up to 92 on pytx's LA.png). Order and meaning follow
``compute_dihedral`` / pdq's C++ names:

=================  ===========  ================================================
variant            pdq name     the sent image after (PIL)
=================  ===========  ================================================
original           Original     (nothing)
rotate90           Rotate90     ROTATE_90: 90 degrees counter-clockwise
rotate180          Rotate180    ROTATE_180
rotate270          Rotate270    ROTATE_270: 90 degrees clockwise
flip_horizontal    FlipX        FLIP_TOP_BOTTOM: mirrored about the horizontal axis
flip_vertical      FlipY        FLIP_LEFT_RIGHT: mirrored about the vertical axis
flip_plus1         FlipPlus1    TRANSPOSE (about the main diagonal)
flip_minus1        FlipMinus1   TRANSVERSE (about the other diagonal)
=================  ===========  ================================================

So a left-right mirror of a listed image matches through ``flip_vertical``,
and an image rotated 90 degrees clockwise through ``rotate90``. Checked
against the ``dih/`` reference images. All variants carry the quality of the
original.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image

from fairgate.signals.exact import canonical_hex, new_index
from fairgate.signals.frames import frame_of
from fairgate.types import Note, Signal

if TYPE_CHECKING:
    from fairgate.index.base import SignalIndex
    from fairgate.media.source import DecodedImage, MediaSource
    from fairgate.settings import Settings

VARIANTS: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_horizontal",
    "flip_vertical",
    "flip_plus1",
    "flip_minus1",
)
HASH_BITS = 256
HEX_LENGTH = HASH_BITS // 4

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
FloatArray = TypeVar("FloatArray", F32, F64)


@dataclass(frozen=True, slots=True)
class PdqResult:
    """PDQ hashes of one image: ``hashes[k]`` is variant ``VARIANTS[k]``."""

    hashes: tuple[str, ...]
    quality: int

    @property
    def variants(self) -> dict[str, str]:
        return dict(zip(VARIANTS, self.hashes, strict=False))


# -- reference pipeline (pdqhash, as python-threatexchange) -------------------
def _vector_hex(vector: npt.ArrayLike) -> str:
    """pdqhash's bit vector (most significant bit first) as 64 lowercase hex."""
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()


def pdq_reference(image: Image.Image, *, dihedral: bool) -> PdqResult:
    """PDQ of an RGB image as python-threatexchange computes it.

    The original hash is ``pdqhash.compute`` itself (bit-exact with pytx).
    The variants, when asked for, are the hashes of the transposed image (as
    ``threatexchange hash --rotations`` computes them), by the numpy
    pipeline on the same full decode.
    """
    pixels = np.asarray(image.convert("RGB") if image.mode != "RGB" else image)
    vector, quality = pdqhash.compute(pixels)
    original = _vector_hex(vector)
    if not dihedral:
        return PdqResult((original,), int(quality))
    size = (pixels.shape[1], pixels.shape[0])
    variants = _numpy_pdq(pixels, size, 1, (False, False), dihedral=True)
    return PdqResult((original, *variants.hashes[1:]), int(quality))


# -- screening pipeline (PDQ's downsampling as matrices) ----------------------
_MIN_HASHABLE_DIM = 5  # pdqhashing.cpp: smaller images hash to all zeros, quality 0
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_CHUNK_PIXELS = 1 << 18
_DCT: F64 = np.sqrt(2.0 / 64.0) * np.cos(
    (np.pi / 2.0 / 64.0) * np.outer(np.arange(1, 17), 2 * np.arange(64) + 1)
)


def pdq_fast(decoded: DecodedImage, *, dihedral: bool) -> PdqResult:
    """PDQ of a (possibly reduced) decode, computed as for the full-resolution image."""
    return _numpy_pdq(
        np.asarray(decoded.image),
        decoded.full_size,
        decoded.scale,
        decoded.reversed_axes,
        dihedral=dihedral,
    )


def _full_axis_operator(n: int) -> F64:
    """64 x n: PDQ along one axis of length n (2 Jarosz box passes, then decimation).

    Row i holds the weights of output sample i: row ``int((i + 0.5) * n / 64)``
    of M times M, M being PDQ's box filter (window ``(n + 127) // 128``,
    averaged over the part inside the image, as ``box1DFloat``).
    """
    window = (n + 127) // 128
    half = (window + 2) // 2
    behind, ahead = window - half, half - 1  # the window of o covers o-behind .. o+ahead
    pos = np.arange(n)
    lo = np.maximum(pos - behind, 0)
    hi = np.minimum(pos + ahead + 1, n)
    count = (hi - lo).astype(np.float64)
    samples = ((np.arange(64) + 0.5) * n / 64).astype(np.int64)
    # First pass at the sample rows: u_i = M[s_i] / count (per column o).
    inside = (pos >= lo[samples, None]) & (pos < hi[samples, None])
    u = inside / count[samples, None] / count
    # Second pass: (u_i M)[r] = sum of u_i[o] for o in r-ahead .. r+behind.
    cumulative = np.concatenate([np.zeros((64, 1)), np.cumsum(u, axis=1)], axis=1)
    left = np.maximum(pos - ahead, 0)
    right = np.minimum(pos + behind + 1, n)
    result: F64 = cumulative[:, right] - cumulative[:, left]
    result[np.abs(result) < 1e-12] = 0.0  # keep the bands exact: cumsum rounding
    return result


@dataclass(frozen=True, slots=True)
class _AxisOperator:
    """PDQ along one axis: a 64 x n matrix kept as one short band per row."""

    n: int
    """Inputs along the axis (pixels of the decode)."""
    band_first: npt.NDArray[np.intp]
    """Per output row, the first input of its band."""
    band_index: npt.NDArray[np.intp]
    """The inputs of every row's band, row after row."""
    band_weight: F32
    """Their weights."""
    band_start: npt.NDArray[np.intp]
    """Where each row's band starts in ``band_index`` (65 entries)."""
    descending: bool
    """Bands sit further back as the row number grows (a mirrored operator)."""
    sorted_first: npt.NDArray[np.intp]
    """Band starts in ascending order (row order, or reversed when ``descending``)."""
    sorted_last: npt.NDArray[np.intp]
    """Band ends in the same order."""

    def band(self, row: int) -> F32:
        weights: F32 = self.band_weight[self.band_start[row] : self.band_start[row + 1]]
        return weights

    def rows_meeting(self, start: int, stop: int) -> tuple[int, int]:
        """The output rows lo:hi whose bands meet inputs start:stop."""
        first = self.band_first[::-1] if self.descending else self.band_first
        last = first + np.diff(self.band_start)[:: -1 if self.descending else 1] - 1
        lo = int(np.searchsorted(last, start, side="left"))
        hi = int(np.searchsorted(first, stop, side="left"))
        return (64 - hi, 64 - lo) if self.descending else (lo, hi)

    def block(self, lo: int, hi: int, start: int, stop: int) -> F32:
        """Rows lo:hi, inputs start:stop of the matrix, as a dense array."""
        out = np.zeros((hi - lo, stop - start), dtype=np.float32)
        for k, row in enumerate(range(lo, hi)):
            first, weights = int(self.band_first[row]), self.band(row)
            a, b = max(start, first), min(stop, first + len(weights))
            if a < b:
                out[k, a - start : b - start] = weights[a - first : b - first]
        return out

    def apply_right(self, matrix: F32) -> F32:
        """``matrix @ M.T`` (m x n -> m x 64), summing each band only."""
        products = matrix[:, self.band_index] * self.band_weight
        result: F32 = np.add.reduceat(products, self.band_start[:-1], axis=1)
        return result


@functools.lru_cache(maxsize=64)
def _axis_operator(n_full: int, scale: int, anchored_at_end: bool, mirrored: bool) -> _AxisOperator:
    """PDQ along one displayed axis, applied to a decode reduced by ``scale``.

    The full-resolution operator (``mirrored``: of the axis run backwards, for
    the flipped variants) summed over the block of full pixels each reduced
    pixel stands for. Blocks start at the stored origin, which is the far end
    of the displayed axis when ``anchored_at_end`` (EXIF flips and rotations).
    """
    full = _full_axis_operator(n_full)
    if mirrored:
        full = full[:, ::-1]
    n_reduced = -(-n_full // scale)
    padded = np.zeros((64, n_reduced * scale))
    if anchored_at_end:
        padded[:, padded.shape[1] - n_full :] = full
    else:
        padded[:, :n_full] = full
    weights = padded.reshape(64, n_reduced, scale).sum(axis=2).astype(np.float32)
    nonzero = weights != 0
    first = nonzero.argmax(axis=1)
    last = n_reduced - 1 - nonzero[:, ::-1].argmax(axis=1)
    index = np.concatenate([np.arange(lo, hi + 1) for lo, hi in zip(first, last, strict=True)])
    rows = np.repeat(np.arange(64), last - first + 1)
    band_weight = np.ascontiguousarray(weights[rows, index])
    band_start = np.concatenate([[0], np.cumsum(last - first + 1)])
    order = slice(None, None, -1 if mirrored else 1)
    operator = _AxisOperator(
        n=n_reduced,
        band_first=first,
        band_index=index,
        band_weight=band_weight,
        band_start=band_start,
        descending=mirrored,
        sorted_first=first[order].copy(),
        sorted_last=last[order].copy(),
    )
    for array in (
        first,
        index,
        band_weight,
        band_start,
        operator.sorted_first,
        operator.sorted_last,
    ):
        array.flags.writeable = False  # shared by every caller through the cache
    return operator


def _matmul(a: FloatArray, b: FloatArray) -> FloatArray:
    """a @ b without BLAS: OpenBLAS threads on a busy 2-core machine turned
    0.1 ms products into 50 ms ones; einsum's own loops do not spin."""
    result: FloatArray = np.einsum("ij,jk->ik", a, b)
    return result


def _luma(pixels: npt.NDArray[np.uint8]) -> F32:
    """0.299 R + 0.587 G + 0.114 B in float32, as pdqhash (to ~1e-5)."""
    rgb = pixels.astype(np.float32)
    luma: F32 = rgb[..., 0] * _LUMA[0]
    luma += rgb[..., 1] * _LUMA[1]
    luma += rgb[..., 2] * _LUMA[2]
    return luma


def _rows_pass(pixels: npt.NDArray[np.uint8], ops: list[_AxisOperator]) -> list[F32]:
    """``M @ luma`` for each operator M, reading the pixels once, in row chunks."""
    height, width = pixels.shape[:2]
    outs = [np.zeros((64, width), dtype=np.float32) for _ in ops]
    # Chunks of ~1/16 of the height: each meets only a few output rows' bands.
    step = max(8, min(_CHUNK_PIXELS // width, height // 16))
    for start in range(0, height, step):
        stop = min(start + step, height)
        luma: F32 | None = None
        for op, out in zip(ops, outs, strict=True):
            lo, hi = op.rows_meeting(start, stop)  # skip rows with no weight here
            if lo >= hi:
                continue
            if luma is None:
                luma = _luma(pixels[start:stop])
            out[lo:hi] += _matmul(op.block(lo, hi, start, stop), luma)
    return outs


def _numpy_pdq(
    pixels: npt.NDArray[np.uint8],
    full_size: tuple[int, int],
    scale: int,
    anchored_at_end: tuple[bool, bool],
    *,
    dihedral: bool,
) -> PdqResult:
    """PDQ (and the hashes of the 7 transposed images) from RGB pixels.

    Transposing commutes with PDQ's per-axis operator, and a flip is the
    operator run backwards, so every variant comes from two passes over the
    pixels (plain and mirrored row operators) and small products.
    """
    full_w, full_h = full_size
    count = len(VARIANTS) if dihedral else 1
    if min(full_w, full_h) < _MIN_HASHABLE_DIM:
        return PdqResult(("0" * HEX_LENGTH,) * count, 0)
    height, width = pixels.shape[:2]
    end_x, end_y = anchored_at_end
    rows = _axis_operator(full_h, scale, end_y, False)
    cols = _axis_operator(full_w, scale, end_x, False)
    if rows.n != height or cols.n != width:
        raise ValueError(f"pixels {width}x{height} are not 1/{scale} of {full_w}x{full_h}")
    if not dihedral:
        (across,) = _rows_pass(pixels, [rows])
        buffer = cols.apply_right(across)
        return PdqResult((_bits_hex(buffer),), _quality(buffer))
    rows_m = _axis_operator(full_h, scale, end_y, True)
    cols_m = _axis_operator(full_w, scale, end_x, True)
    across, across_m = _rows_pass(pixels, [rows, rows_m])
    stacked = np.concatenate([across, across_m])
    plain, flip_y = np.split(cols.apply_right(stacked), 2)  # flip_y: upside down
    flip_x, both = np.split(cols_m.apply_right(stacked), 2)  # flip_x: mirrored; both: 180
    buffers = (plain, flip_x.T, both, flip_y.T, flip_y, flip_x, plain.T, both.T)
    return PdqResult(tuple(_bits_hex(b) for b in buffers), _quality(plain))


def _quality(buffer: F32) -> int:
    """pdqImageDomainQualityMetric: summed quantised gradients of the 64x64 luma."""
    hundred, scale = np.float32(100), np.float32(255)
    down = np.trunc(((buffer[:-1, :] - buffer[1:, :]) * hundred) / scale)
    across = np.trunc(((buffer[:, :-1] - buffer[:, 1:]) * hundred) / scale)
    gradient_sum = int(np.abs(down).sum() + np.abs(across).sum())
    return min(gradient_sum // 90, 100)


def _bits_hex(buffer: F32) -> str:
    """DCT the 64x64 buffer to 16x16; bit i*16+j is coefficient [i][j] > median."""
    dct = _matmul(_matmul(_DCT, buffer.astype(np.float64)), _DCT.T)
    flat = dct.ravel()
    median = np.partition(flat, 127)[127]  # torben(): the 128th smallest of 256
    return np.packbits((flat > median)[::-1]).tobytes().hex()


# -- the signal type ------------------------------------------------------------
class Pdq:
    """PDQ as a fairgate signal type (thresholds from :class:`Settings`)."""

    name: str = "pdq"
    per_frame: bool = True
    """Computed on every screened frame of an animation (signals/frames.py)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def validate(self, value: str) -> str:
        return canonical_hex(value, length=HEX_LENGTH, what="pdq hash")

    def hash_media(self, media: MediaSource, *, reference: bool) -> PdqResult:
        """Hashes of the attachment (all 8 variants when ``pdq_dihedral``)."""
        dihedral = self.settings.pdq_dihedral
        if reference or not self.settings.pdq_fast_decode:
            return pdq_reference(media.image(), dihedral=dihedral)
        return pdq_fast(media.decoded(reduced=True), dihedral=dihedral)

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        result = self.hash_media(media, reference=reference)
        return [
            Signal(self.name, value, attachment, quality=result.quality, variant=variant)
            for variant, value in zip(VARIANTS, result.hashes, strict=False)
        ]

    def check(self, signal: Signal) -> Note | None:
        floor = self.settings.pdq_quality_floor
        if signal.quality is None or signal.quality >= floor:
            return None
        frame = frame_of(signal.variant)
        return Note(
            code="pdq_low_quality",
            detail=(
                f"{f'frame {frame}: ' if frame else ''}PDQ quality {signal.quality} is under "
                f"the floor of {floor} (the image is too flat or too small for a reliable "
                "hash), so it was not matched"
            ),
            source=f"attachment:{signal.attachment}",
        )

    def make_index(self) -> SignalIndex:
        return new_index(
            "fairgate.index.hamming",
            "HammingIndex",
            bits=HASH_BITS,
            max_distance=self.settings.pdq_match_distance,
            kind=self.settings.hamming_index,
            flat_max=self.settings.hamming_flat_max,
        )
