"""What a frame of an animated image costs: ``Engine.screen`` of one animation
with ``media_max_frames`` N = 1, 8, 16 (or as asked).

Each animation holds ``frames`` random-texture frames (nothing listed matches,
PDQ quality is high, so every per-frame signal runs); an in-memory SQLite
engine with the default visual signals screens it ``repeat`` times per N. The
report gives the median per N, the cost of one more frame (the N=8 minus the
N=1 time, over 7), the signals a decision then stores, and the machine load.
This is how the default ``media_max_frames`` was chosen (docs/benchmarks.md).
"""

from __future__ import annotations

import io
import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from PIL import Image
from rich.table import Table

from fairgate.bench.machine import machine
from fairgate.settings import Settings
from fairgate.types import Attachment, ListType, Message


@dataclass(frozen=True, slots=True)
class FramesRow:
    format: str
    size: tuple[int, int]
    frames: int
    median_ms: dict[int, float]
    """Median screen time by N (``media_max_frames``)."""
    signals: dict[int, int]
    """Signals in the Decision by N."""

    @property
    def per_frame_ms(self) -> float | None:
        counts = sorted(self.median_ms)
        if len(counts) < 2:
            return None
        low, high = counts[0], counts[1]
        used = min(high, self.frames) - min(low, self.frames)
        return (self.median_ms[high] - self.median_ms[low]) / used if used else None


@dataclass(slots=True)
class FramesReport:
    repeat: int
    rows: list[FramesRow] = field(default_factory=list)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    platform: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rows"] = [{**asdict(r), "per_frame_ms": r.per_frame_ms} for r in self.rows]
        return out

    def render(self) -> Table:
        counts = sorted({n for r in self.rows for n in r.median_ms})
        table = Table(title=f"Engine.screen of one animation, median of {self.repeat} calls")
        for column in ("animation", *(f"N={n} ms" for n in counts), "per extra frame ms"):
            table.add_column(column, justify="left" if column == "animation" else "right")
        for r in self.rows:
            per = r.per_frame_ms
            table.add_row(
                f"{r.format} {r.size[0]}x{r.size[1]}, {r.frames} frames",
                *(f"{r.median_ms[n]:.1f} ({r.signals[n]} signals)" for n in counts),
                f"{per:.1f}" if per is not None else "-",
            )
        load = ", ".join(f"{x:.2f}" for x in self.load)
        table.caption = f"load average {load}; " + ", ".join(
            f"{k} {v}" for k, v in self.platform.items()
        )
        return table


def texture(seed: int, size: tuple[int, int]) -> Image.Image:
    """A smooth random texture (high PDQ quality, unlike anything listed)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (max(1, size[1] // 8), max(1, size[0] // 8), 3), dtype=np.uint8)
    return Image.fromarray(small, "RGB").resize(size, Image.Resampling.BICUBIC)


def animation(fmt: str, size: tuple[int, int], frames: int) -> bytes:
    images = [texture(i, size) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=True, append_images=images[1:], duration=40)
    return out.getvalue()


def run(
    *,
    formats: tuple[str, ...] = ("GIF", "WEBP"),
    sizes: tuple[tuple[int, int], ...] = ((256, 192), (480, 360)),
    frames: int = 16,
    counts: tuple[int, ...] = (1, 8, 16),
    repeat: int = 7,
) -> FramesReport:
    from fairgate.engine import Engine

    report = FramesReport(repeat=repeat, platform=machine(packages=("pillow",)))
    for size in sizes:
        for fmt in formats:
            data = animation(fmt, size, frames)
            medians: dict[int, float] = {}
            signals: dict[int, int] = {}
            for n in counts:
                settings = Settings(database_url="sqlite://", media_max_frames=n)
                with Engine.open(settings=settings) as engine:
                    engine.lists.create("bench", ListType.IMAGE, by="bench")
                    message = Message(sender="bench", attachments=(Attachment(data),))
                    engine.screen(message)  # warm: first call builds the indexes
                    times = []
                    for _ in range(repeat):
                        start = time.perf_counter()
                        decision = engine.screen(message)
                        times.append(time.perf_counter() - start)
                medians[n] = statistics.median(times) * 1000
                signals[n] = len(decision.signals)
            report.rows.append(FramesRow(fmt, size, frames, medians, signals))
    report.load = os.getloadavg()
    return report
