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
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from fairgate.index.base import Hit
from fairgate.index.shortlist import PdqShortlist
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
    # minMaxLoc: half the time of numpy's .max() on these small score maps (called ~550 times
    # for a sent image no list holds, against 30 entries)
    return float(cv2.minMaxLoc(cv2.matchTemplate(image, window, cv2.TM_CCOEFF_NORMED))[1])


class DenseIndex:
    """Entries hold their uint8 thumbnail; the scaled windows compared (about 120 KB an
    entry as float32) are built when an entry is first compared and kept for the
    ``max(visual_dense_verify_all_max, 4 x visual_max_verify)`` entries compared last."""

    def __init__(self, resolve: Resolver, settings: Settings) -> None:
        self._resolve = resolve
        self._settings = settings
        self._entries: dict[int, Thumbnail] = {}
        self._pyramids: OrderedDict[int, _Pyramid] = OrderedDict()
        self._keep = max(settings.visual_dense_verify_all_max, 4 * settings.visual_max_verify)
        self._shortlist = PdqShortlist()
        self._lock = threading.RLock()

    # -- the SignalIndex protocol -------------------------------------------
    def add(self, entries: Sequence[tuple[int, str]]) -> None:
        from fairgate.signals.dense import decode

        decoded = [(entry_id, decode(value)) for entry_id, value in entries]
        with self._lock:
            for entry_id, _ in decoded:
                self._pyramids.pop(entry_id, None)
            self._entries.update(decoded)
            self._shortlist.invalidate()

    def extend(self, entries: Iterable[tuple[int, str]]) -> None:
        self.add(list(entries))

    def disable(self, entry_ids: Iterable[int]) -> None:
        with self._lock:
            for entry_id in entry_ids:
                self._entries.pop(entry_id, None)
                self._pyramids.pop(entry_id, None)
            self._shortlist.invalidate()

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

    def _entry_pyramid(self, entry_id: int, thumb: Thumbnail) -> _Pyramid:
        with self._lock:
            pyramid = self._pyramids.get(entry_id)
            if pyramid is not None:
                self._pyramids.move_to_end(entry_id)
                return pyramid
        pyramid = self._pyramid(thumb.pixels)
        with self._lock:
            if self._entries.get(entry_id) is thumb:  # not replaced or disabled meanwhile
                self._pyramids[entry_id] = pyramid
                while len(self._pyramids) > self._keep:
                    self._pyramids.popitem(last=False)
        return pyramid

    def candidates(self, query: Thumbnail) -> list[tuple[int, Thumbnail]]:
        settings = self._settings
        with self._lock:
            if len(self._entries) <= settings.visual_dense_verify_all_max:
                return list(self._entries.items())
            nominees = self._shortlist.current((k, t.pdq) for k, t in self._entries.items())
        hashes = query.pdq or box_pdq(Image.fromarray(query.pixels), dihedral=True)[0]
        chosen = nominees.nearest(
            hashes,
            max_distance=settings.visual_candidate_distance,
            limit=settings.visual_max_verify,
        )
        with self._lock:  # an entry disabled meanwhile is not compared
            return [(k, self._entries[k]) for k in chosen if k in self._entries]

    def _match(self, query: Thumbnail) -> list[Hit]:
        settings = self._settings
        chosen = self.candidates(query)
        if not chosen or float(query.pixels.std()) < settings.visual_dense_min_std:
            return []
        sent = self._pyramid(query.pixels)
        smaller = [k for k, s in enumerate(settings.visual_dense_scales) if s < 1]
        hits: list[Hit] = []
        for entry_id, thumb in chosen:
            entry = self._entry_pyramid(entry_id, thumb)
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
