"""What ``fairgate eval images`` measures: one scorer per signal, all on the same images.

A scorer gives, for one query image, a distance to every listed original
(lower is closer; ``inf`` when it has nothing to say). Hash scorers use the
minimum Hamming distance over the query's hashes and the original's. The
baselines (``imagehash`` pHash, Thorn's ``perception`` PHash and PDQ) run in
the same loop on the same bytes.

fairgate's own scorers are built from the engine's signal types, so they
measure exactly what screening computes: ``exact`` (sha256), ``pdq`` (the
original orientation only), ``pdq+dihedral`` (8 variants), ``+trim``,
``+tiles`` (screening-side tiles), ``+crops`` (listed windows), ``ncc``
(thumbnail cross-correlation; distance = 1000 x (1 - correlation), only
what its thresholds accept) and ``orb`` (local features + RANSAC; distance =
the listed keypoints not explained).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from PIL import Image

from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.signals.dense import DenseThumbnail
from fairgate.signals.exact import Sha256
from fairgate.signals.local import LocalFeatures
from fairgate.signals.pdq import Pdq
from fairgate.signals.subimage import PdqCrops, PdqTiles
from fairgate.signals.trim import PdqTrimmed

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Sample:
    """One image as bytes (what a sender would send) and decoded."""

    data: bytes
    image: Image.Image = field(repr=False)


def sample(image: Image.Image, *, quality: int = 95, lossless: bool = False) -> Sample:
    buffer = io.BytesIO()
    if lossless:
        image.save(buffer, format="PNG")
    else:
        image.save(buffer, format="JPEG", quality=quality)
    data = buffer.getvalue()
    return Sample(data, Image.open(io.BytesIO(data)).convert("RGB"))


class Scorer(Protocol):
    name: str

    def add_references(self, refs: Sequence[Sample]) -> None: ...

    def distances(self, query: Sample) -> F64:
        """Distance from ``query`` to each reference, in the order they were added."""
        ...


def _bits(hexes: Sequence[str]) -> npt.NDArray[np.bool_]:
    raw = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8)
    return np.unpackbits(raw).reshape(len(hexes), -1).astype(np.bool_)


class _HashScorer:
    """Min Hamming distance over the query's hashes x each reference's hashes."""

    name = "?"

    def __init__(self) -> None:
        self._refs: list[npt.NDArray[np.bool_]] = []

    def ref_hashes(self, ref: Sample) -> list[str]:
        raise NotImplementedError

    def query_hashes(self, query: Sample) -> list[str]:
        raise NotImplementedError

    def add_references(self, refs: Sequence[Sample]) -> None:
        for ref in refs:
            hashes = self.ref_hashes(ref)
            self._refs.append(_bits(hashes) if hashes else np.zeros((0, 0), np.bool_))

    def distances(self, query: Sample) -> F64:
        hashes = self.query_hashes(query)
        out = np.full(len(self._refs), math.inf)
        if not hashes:
            return out
        q = _bits(hashes)
        for k, ref in enumerate(self._refs):
            if ref.size and ref.shape[1] == q.shape[1]:
                out[k] = float((q[:, None, :] != ref[None, :, :]).sum(axis=2).min())
        return out


class SignalScorer(_HashScorer):
    """fairgate's signal types as the engine runs them: listed images through
    ``compute(reference=True)``, sent ones through ``compute(reference=False)``;
    every ``pdq``-valued signal that passes the PDQ quality check counts."""

    def __init__(self, name: str, types: Sequence[SignalType], settings: Settings) -> None:
        super().__init__()
        self.name = name
        self._types = list(types)
        self._pdq = Pdq(settings)
        self._limits = MediaLimits.from_settings(settings)

    def _hashes(self, data: bytes, *, reference: bool, only_original: bool) -> list[str]:
        media = MediaSource(data, limits=self._limits)
        out: list[str] = []
        for signal_type in self._types:
            for signal in signal_type.compute(0, media, reference=reference):
                if signal.signal_type in ("sha256", "embedding"):
                    out.append(signal.value)
                    continue
                if signal.signal_type != "pdq" or self._pdq.check(signal) is not None:
                    continue
                if only_original and signal.variant != "original":
                    continue
                out.append(signal.value)
        return out

    def ref_hashes(self, ref: Sample) -> list[str]:
        return self._hashes(ref.data, reference=True, only_original=True)

    def query_hashes(self, query: Sample) -> list[str]:
        return self._hashes(query.data, reference=False, only_original=False)


class ExactScorer(SignalScorer):
    def distances(self, query: Sample) -> F64:
        out = super().distances(query)
        return np.where(out == 0, 0.0, math.inf)


class ImagehashPhash(_HashScorer):
    name = "imagehash phash"

    def ref_hashes(self, ref: Sample) -> list[str]:
        import imagehash

        return [str(imagehash.phash(ref.image))]

    def query_hashes(self, query: Sample) -> list[str]:
        return self.ref_hashes(query)


class PerceptionHasher(_HashScorer):
    """A ``perception.hashers`` image hasher (hex output), e.g. PHash or PDQHash."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        import perception.hashers as hashers

        self.name = f"perception {kind}"
        self._hasher: Any = getattr(hashers, kind)()

    def ref_hashes(self, ref: Sample) -> list[str]:
        value = self._hasher.compute(np.asarray(ref.image), hash_format="hex")
        return [str(value)] if value else []

    def query_hashes(self, query: Sample) -> list[str]:
        return self.ref_hashes(query)


class IndexScorer:
    """A signal type scored through its own index (its hits only: what the index accepts).
    ORB + RANSAC: distance = keypoints not explained; thumbnails: 1000 x (1 - correlation)."""

    def __init__(
        self, name: str, signal_type: LocalFeatures | DenseThumbnail, settings: Settings
    ) -> None:
        self.name = name
        self._type = signal_type
        self._index = self._type.make_index()
        self._limits = MediaLimits.from_settings(settings)
        self._n = 0

    def add_references(self, refs: Sequence[Sample]) -> None:
        for ref in refs:
            media = MediaSource(ref.data, limits=self._limits)
            signals = self._type.compute(0, media, reference=True)
            if signals:
                self._index.add([(self._n, signals[0].value)])
            self._n += 1

    def distances(self, query: Sample) -> F64:
        out = np.full(self._n, math.inf)
        media = MediaSource(query.data, limits=self._limits)
        signals = self._type.compute(0, media, reference=False)
        for hit in self._index.query([s.value for s in signals])[0] if signals else []:
            out[hit.entry_id] = float(hit.distance)
        return out


def default_scorers(settings: Settings, *, baselines: bool = True) -> list[Scorer]:
    """Every signal, cumulative from exact to the full hash stack, then local features,
    then the baselines."""
    plain = settings.model_copy(update={"pdq_dihedral": False})
    dihedral = settings.model_copy(update={"pdq_dihedral": True})
    pdq = Pdq(dihedral)
    trim, tiles, crops = PdqTrimmed(dihedral), PdqTiles(dihedral), PdqCrops(dihedral)
    scorers: list[Scorer] = [
        ExactScorer("exact", [Sha256()], settings),
        SignalScorer("pdq", [Pdq(plain)], plain),
        SignalScorer("pdq+dihedral", [pdq], dihedral),
        SignalScorer("pdq+dihedral+trim", [pdq, trim], dihedral),
        SignalScorer("+tiles", [pdq, trim, tiles], dihedral),
        SignalScorer("+crops (all hashes)", [pdq, trim, tiles, crops], dihedral),
        IndexScorer("ncc (thumbnails)", DenseThumbnail(settings), settings),
        IndexScorer("orb+ransac", LocalFeatures(settings), settings),
    ]
    if settings.embedding_model_path is not None:
        from fairgate.signals.embedding import ImageEmbedding

        scorers.append(SignalScorer("embedding", [ImageEmbedding(settings)], settings))
    if baselines:
        scorers += [ImagehashPhash(), PerceptionHasher("PHash"), PerceptionHasher("PDQHash")]
    return scorers
