"""The built-in signal types, and ``hash_file`` for ``fairgate hash``.

A plug-in signal type is one more entry in the same dict::

    types = builtin_signal_types(settings)
    types[MySignal.name] = MySignal(settings)
    engine = Engine(store, settings=settings, policy=policy, signal_types=types)
"""

from __future__ import annotations

import os
from typing import Any

from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.signals.dense import DenseThumbnail
from fairgate.signals.embedding import ImageEmbedding
from fairgate.signals.exact import Md5, Sha256
from fairgate.signals.local import LocalFeatures
from fairgate.signals.pdq import Pdq, pdq_reference
from fairgate.signals.subimage import PdqCrops, PdqTiles
from fairgate.signals.trim import PdqTrimmed


def builtin_signal_types(settings: Settings) -> dict[str, SignalType]:
    """sha256, md5 and pdq, then the visual signals the settings turn on (trimmed, tiles,
    crop windows, thumbnails, an operator's embedding model, local features), keyed by name (the
    order they are computed in)."""
    types: list[SignalType] = [Sha256(), Md5(), Pdq(settings)]
    if settings.visual_trim:
        types.append(PdqTrimmed(settings))
    if settings.visual_tiles:
        types.append(PdqTiles(settings))
    if settings.visual_crop_entries:
        types.append(PdqCrops(settings))
    if settings.visual_dense:
        types.append(DenseThumbnail(settings))
    if settings.embedding_model_path is not None:
        types.append(ImageEmbedding(settings))
    if settings.visual_local:
        types.append(LocalFeatures(settings))
    return {signal_type.name: signal_type for signal_type in types}


def hash_file(path: str | os.PathLike[str], settings: Settings) -> dict[str, Any]:
    """``file, sha256, md5, pdq, pdq_quality`` of one file, by the reference pipeline.

    Raises :class:`~fairgate.errors.MediaError` for a file that cannot be
    read or decoded safely.
    """
    media = MediaSource.from_path(path, limits=MediaLimits.from_settings(settings))
    pdq = pdq_reference(media.image(), dihedral=False)
    return {
        "file": os.fspath(path),
        "sha256": Sha256().digest(media.data),
        "md5": Md5().digest(media.data),
        "pdq": pdq.hashes[0],
        "pdq_quality": pdq.quality,
    }
