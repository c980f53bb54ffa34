"""``DenseIndex``: listed images' grey thumbnails, found in a sent image's or around it.

For each sent image and each candidate entry (every active entry while there
are at most ``visual_dense_verify_all_max``, otherwise the ``visual_max_verify``
PDQ near misses within ``visual_candidate_distance``, as for local features),
two questions are asked at every relative size ``s`` of ``visual_dense_scales``:

* **part**: is the sent image, scaled to ``s`` of the entry's side, a window of
  the entry's thumbnail (a crop of the listed image)? Accepted at
  ``visual_dense_min_part``.
* **whole**: is the entry's thumbnail, scaled to ``s`` of the sent image's side, a
  window of the sent image's (the listed image padded, framed, under a caption)?
  ``s`` = 1 is the part question's. Accepted at ``visual_dense_min_whole``.

The score is OpenCV's zero-mean normalised cross-correlation (1 = the same
shading up to brightness and contrast). Every size is first tried at half the
side (cheap); only a question whose best half-side score reaches
``visual_dense_coarse_min`` is asked again at full side, at that size and its
two neighbours. (Trying every other size at half side missed a copy padded
to 0.76 of its side: a sharp pad edge makes the score fall within one step.)
Windows flatter than ``visual_dense_min_std`` are not compared.

A hit's ``distance`` is ``round(1000 * (1 - score))``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from fairgate.index.base import Hit
from fairgate.signals.subimage import box_pdq

if TYPE_CHECKING:
    from fairgate.settings import Settings
    from fairgate.signals.dense import Thumbnail

Resolver = Callable[[str], "Thumbnail | None"]
F32 = npt.NDArray[np.float32]
_MIN_TEMPLATE = 6
"""Windows narrower than this (px, at half side) are not compared: too few pixels."""


@dataclass(frozen=True, slots=True)
class _Pyramid:
    """One image's grey thumbnail at full and half side, and scaled to each size."""

    full: F32
    half: F32
    scaled_full: tuple[F32 | None, ...]
    scaled_half: tuple[F32 | None, ...]


def _resize(pixels: F32, side: float) -> F32 | None:
    h, w = pixels.shape
    factor = side / max(h, w)
    size = (round(w * factor), round(h * factor))
    if min(size) < _MIN_TEMPLATE:
        return None
    return np.asarray(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), dtype=np.float32)


def _pyramid(pixels: F32, side: int, scales: Sequence[float], min_std: float) -> _Pyramid:
    full = _resize(pixels, side)
    half = _resize(pixels, side / 2)
    if full is None or half is None:  # a strip too thin to compare
        return _Pyramid(pixels, pixels, (None,) * len(scales), (None,) * len(scales))

    def flat_or(window: F32 | None) -> F32 | None:
        return None if window is None or float(window.std()) < min_std else window

    return _Pyramid(
        full,
        half,
        tuple(flat_or(_resize(pixels, side * s)) for s in scales),
        tuple(flat_or(_resize(pixels, side * s / 2)) for s in scales),
    )


def _ncc(image: F32, window: F32 | None) -> float:
    if window is None or window.shape[0] > image.shape[0] or window.shape[1] > image.shape[1]:
        return -1.0
    return float(cv2.matchTemplate(image, window, cv2.TM_CCOEFF_NORMED).max())


class DenseIndex:
    def __init__(self, resolve: Resolver, settings: Settings) -> None:
        self._resolve = resolve
        self._settings = settings
        self._entries: dict[int, tuple[tuple[str, ...], _Pyramid]] = {}
        self._lock = threading.RLock()

    # -- the SignalIndex protocol -------------------------------------------
    def add(self, entries: Sequence[tuple[int, str]]) -> None:
        from fairgate.signals.dense import decode

        built = []
        for entry_id, value in entries:
            thumb = decode(value)
            built.append((entry_id, (thumb.pdq, self._pyramid(thumb.pixels))))
        with self._lock:
            self._entries.update(built)

    def extend(self, entries: Iterable[tuple[int, str]]) -> None:
        self.add(list(entries))

    def disable(self, entry_ids: Iterable[int]) -> None:
        with self._lock:
            for entry_id in entry_ids:
                self._entries.pop(entry_id, None)

    def __len__(self) -> int:
        return len(self._entries)

    def query(self, values: Sequence[str]) -> list[list[Hit]]:
        out: list[list[Hit]] = []
        for value in values:
            thumb = self._resolve(value)
            out.append([] if thumb is None else self._match(thumb))
        return out

    # -- matching -------------------------------------------------------------
    def _pyramid(self, pixels: npt.NDArray[np.uint8]) -> _Pyramid:
        s = self._settings
        return _pyramid(
            pixels.astype(np.float32),
            s.visual_dense_side,
            s.visual_dense_scales,
            s.visual_dense_min_std,
        )

    def candidates(self, query: Thumbnail) -> list[tuple[int, _Pyramid]]:
        settings = self._settings
        with self._lock:
            entries = list(self._entries.items())
        if len(entries) <= settings.visual_dense_verify_all_max:
            return [(entry_id, pyramid) for entry_id, (_, pyramid) in entries]
        hashes = query.pdq or box_pdq(Image.fromarray(query.pixels), dihedral=True)[0]
        sent = np.unpackbits(np.frombuffer(bytes.fromhex("".join(hashes)), np.uint8)).reshape(
            len(hashes), 256
        )
        scored: list[tuple[int, int, _Pyramid]] = []
        for entry_id, (pdq, pyramid) in entries:
            if not pdq:
                continue
            bits = np.unpackbits(np.frombuffer(bytes.fromhex(pdq[0]), np.uint8))
            distance = int(np.count_nonzero(sent != bits, axis=1).min())
            if distance <= settings.visual_candidate_distance:
                scored.append((distance, entry_id, pyramid))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [(entry_id, p) for _, entry_id, p in scored[: settings.visual_max_verify]]

    def _match(self, query: Thumbnail) -> list[Hit]:
        settings = self._settings
        chosen = self.candidates(query)
        if not chosen or float(query.pixels.std()) < settings.visual_dense_min_std:
            return []
        sent = self._pyramid(query.pixels)
        smaller = [k for k, s in enumerate(settings.visual_dense_scales) if s < 1]
        hits: list[Hit] = []
        for entry_id, entry in chosen:
            part = self._best(entry.half, sent.scaled_half, entry.full, sent.scaled_full)
            whole = self._best(
                sent.half,
                [entry.scaled_half[k] for k in smaller],
                sent.full,
                [entry.scaled_full[k] for k in smaller],
            )
            score = max(
                part if part >= settings.visual_dense_min_part else -1.0,
                whole if whole >= settings.visual_dense_min_whole else -1.0,
            )
            if score > 0:
                hits.append(Hit(entry_id=entry_id, distance=round(1000 * (1.0 - score))))
        hits.sort(key=lambda hit: (hit.distance, hit.entry_id))
        return hits

    def _best(
        self,
        image_half: F32,
        windows_half: Sequence[F32 | None],
        image_full: F32,
        windows_full: Sequence[F32 | None],
    ) -> float:
        """Best full-side score of the windows in the image: every size is tried at half
        side, the best and its two neighbours at full side (-1 when the best half-side score
        is below ``visual_dense_coarse_min``)."""
        coarse = [_ncc(image_half, window) for window in windows_half]
        if not coarse:
            return -1.0
        k = int(np.argmax(coarse))
        if coarse[k] < self._settings.visual_dense_coarse_min:
            return -1.0
        near = windows_full[max(0, k - 1) : k + 2]
        return max(_ncc(image_full, window) for window in near)
