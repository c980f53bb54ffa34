"""The whole screening call at scale: ``Engine.screen`` with N listed PDQ hashes.

Builds a throw-away SQLite database holding ``entries`` random PDQ hashes
(plus a small term list), opens an engine on it, and times

* the first screen after start (it loads every entry and builds the index),
* screening one photo (exact hashes, 8 PDQ variants, matching, policy, storing
  the decision) and one text message, ``repeat`` times each,

against a baseline measured in the same run on the same photo:
``pdqhash.compute`` on a full PIL decode, i.e. hashing alone as
python-threatexchange does it. The ratio says what the whole accountable
call costs relative to that bare hash.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import Image
from rich.table import Table

from fairgate.bench import stats
from fairgate.bench.hashing import default_files, machine
from fairgate.errors import InvalidInput
from fairgate.settings import Settings
from fairgate.types import Attachment, ListType, Message

CHUNK = 100_000


@dataclass(frozen=True, slots=True)
class Timing:
    p50_ms: float
    p99_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        ordered = sorted(seconds)
        p99 = stats.p99(ordered)
        return cls(statistics.median(ordered) * 1000, p99 * 1000)


@dataclass(slots=True)
class ScreenReport:
    entries: int
    repeat: int
    photo: str
    insert_s: float
    first_screen_s: float
    image: Timing
    text: Timing
    baseline: Timing
    machine: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["image_vs_baseline"] = self.image.p50_ms / self.baseline.p50_ms
        return out

    def render(self) -> Table:
        table = Table(
            "step",
            "p50 ms",
            "p99 ms",
            "vs baseline p50",
            title=f"Engine.screen with {self.entries:,} listed PDQ hashes (SQLite), "
            f"{self.repeat} calls each; photo {self.photo}",
            caption=(
                f"insert {self.insert_s:.1f} s; first screen after start (loads all "
                f"entries) {self.first_screen_s:.2f} s; "
                + ", ".join(f"{k} {v}" for k, v in self.machine.items())
            ),
        )
        base = self.baseline.p50_ms
        rows = [
            ("baseline: pdqhash on a full decode (hash only)", self.baseline),
            ("screen the photo (whole call)", self.image),
            ("screen a text message (whole call)", self.text),
        ]
        for name, timing in rows:
            table.add_row(
                name, f"{timing.p50_ms:.2f}", f"{timing.p99_ms:.2f}", f"{timing.p50_ms / base:.2f}x"
            )
        return table


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def _baseline(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as img:
        pdqhash.compute(np.asarray(img.convert("RGB")))


def run(*, entries: int, repeat: int, seed: int = 0) -> ScreenReport:
    if entries < 0 or repeat < 1:
        raise InvalidInput("entries must be >= 0 and repeat >= 1")
    from fairgate.engine import Engine
    from fairgate.store.records import NewEntry

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory(prefix="fairgate-bench-screen-") as tmp:
        folder = Path(tmp)
        photo = default_files(folder)[2]  # 1280x960: the size chat apps send photos at
        data = photo.read_bytes()
        settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}")
        start = time.perf_counter()
        with Engine.open(settings=settings) as engine:
            listed = engine.lists.create("bench", ListType.IMAGE)
            terms = engine.lists.create("bench-terms", ListType.TEXT)
            engine.lists.add_terms(terms.name, [f"term {i}" for i in range(1000)], by="bench")
            for done in range(0, entries, CHUNK):
                count = min(CHUNK, entries - done)
                codes = rng.integers(0, 256, size=(count, 32), dtype=np.uint8)
                values = bytes(codes).hex()
                batch = [NewEntry("pdq", values[i * 64 : (i + 1) * 64]) for i in range(count)]
                engine.store.add_entries(listed.id, batch, added_by="bench")
        insert_s = time.perf_counter() - start
        with Engine.open(settings=settings) as engine:
            image = Message(sender="bench", attachments=(Attachment(data),))
            text = Message(sender="bench", text="a message with no listed words in it")
            start = time.perf_counter()
            engine.screen(text)
            first = time.perf_counter() - start
            image_t = _timed(lambda: engine.screen(image), repeat)
            text_t = _timed(lambda: engine.screen(text), repeat)
        base_t = _timed(lambda: _baseline(data), repeat)
        with Image.open(photo) as img:
            size = f"{img.width}x{img.height}"
    return ScreenReport(
        entries=entries,
        repeat=repeat,
        photo=size,
        insert_s=insert_s,
        first_screen_s=first,
        image=Timing.of(image_t),
        text=Timing.of(text_t),
        baseline=Timing.of(base_t),
        machine=machine(),
    )
