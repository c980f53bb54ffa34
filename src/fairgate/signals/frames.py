"""Signals of the later frames of an animated attachment (``media/frames.py`` decodes them).

The signal types that look at pixels (``per_frame = True``: PDQ, trimmed, tiles,
an operator's embedding model, local features) run on every screened frame as
on the attachment itself; the exact hashes (sha256, md5) stay of the file's
bytes. A signal of frame k >= 1 has the variant ``frame:k:<variant>``
(``frame:3:original``, ``frame:3:trim:rotate90``, ``frame:3:tile:2x2:1``);
frame 0's are named as a still image's, so screening one frame is exactly what
fairgate did before it screened frames. A match on an animated attachment
names its frame in ``Evidence.frame`` (0 = the first).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from fairgate.media.frames import Frames
from fairgate.media.source import MediaSource
from fairgate.signals.base import SignalType
from fairgate.types import Match, Note, Signal

FRAME_PREFIX = "frame:"


def runs_per_frame(signal_type: SignalType) -> bool:
    """Whether a signal type is computed on every screened frame (default: no, as for
    a plug-in that hashes the file's bytes)."""
    return bool(getattr(signal_type, "per_frame", False))


def frame_variant(frame: int, variant: str) -> str:
    """The variant label of a signal of ``frame`` (unchanged for frame 0)."""
    return variant if frame == 0 else f"{FRAME_PREFIX}{frame}:{variant}"


def frame_of(variant: str | None) -> int:
    """The frame a variant label names (0 when it names none)."""
    if not variant or not variant.startswith(FRAME_PREFIX):
        return 0
    number, _, _ = variant[len(FRAME_PREFIX) :].partition(":")
    return int(number) if number.isdigit() else 0


def compute_on(
    signal_types: Iterable[SignalType], attachment: int, source: MediaSource
) -> list[Signal]:
    """Screening signals of one frame: every given type on frame 0 (the attachment);
    only the per-frame types on a later frame, their variants naming it."""
    out: list[Signal] = []
    for signal_type in signal_types:
        if source.frame and not runs_per_frame(signal_type):
            continue
        for signal in signal_type.compute(attachment, source, reference=False):
            variant = frame_variant(source.frame, signal.variant)
            out.append(dataclasses.replace(signal, variant=variant) if source.frame else signal)
    return out


def skipped_note(frames: Frames, attachment: int) -> Note | None:
    """The Decision's note on the frames of an animation that were not screened."""
    if frames.skipped is None:
        return None
    screened = len(frames.sources)
    were = "was" if screened == 1 else "were"
    if frames.total is not None:
        what = f"{screened} of its {frames.total} frames {were} screened"
        left = frames.total - screened
        rest = f"the other {left} {'was' if left == 1 else 'were'} skipped"
    else:
        what = (
            "only its first frame was screened"
            if screened == 1
            else (f"its first {screened} frames were screened")
        )
        rest = "the later ones were skipped"
    which = "frame 0" if screened == 1 else f"frames 0-{screened - 1}"
    return Note(
        "frames_skipped",
        f"animated image: {what} ({which}), {rest}: {frames.skipped}",
        source=f"attachment:{attachment}",
    )


def name_frames(matches: Sequence[Match], animated: Iterable[int]) -> list[Match]:
    """``matches`` with ``Evidence.frame`` set on the hash matches of animated
    attachments (from the matching signal's variant)."""
    sources = {f"attachment:{i}" for i in animated}
    out: list[Match] = []
    for match in matches:
        if match.source in sources and match.evidence.frame is None:
            evidence = dataclasses.replace(match.evidence, frame=frame_of(match.evidence.variant))
            match = dataclasses.replace(match, evidence=evidence)
        out.append(match)
    return out
