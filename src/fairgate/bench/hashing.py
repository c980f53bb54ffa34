"""Hashing benchmark: fairgate's PDQ pipelines vs pdqhash on a full decode.

Every method runs on the same files in the same run, interleaved (file by
file, method by method) so they see the same machine state. Each timing is
bytes in -> hashes out, decoding included:

* ``baseline``: what python-threatexchange does,
  ``pdqhash.compute(np.asarray(Image.open(...).convert("RGB")))`` (1 hash);
* ``screening``: fairgate's screening path as the engine runs it (reduced
  JPEG decode, PDQ downsampling in numpy; 8 dihedral hashes when
  ``settings.pdq_dihedral``);
* ``screening-1``: the same path asked for the original hash only;
* ``reference``: fairgate's reference path as ``fairgate hash`` runs it (full
  decode, EXIF orientation, pdqhash; 1 hash).

With no files given, a deterministic set is generated in a temporary folder:
12 photo-sized JPEGs (1024-4032 px) cut from the pdq-reference photo (or
synthetic textures when the shared data is absent), plus the pdq-reference
JPEGs themselves when present.
"""

from __future__ import annotations

import dataclasses
import io
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import Image, features
from rich.table import Table

from fairgate.bench import stats
from fairgate.bench.machine import machine as describe
from fairgate.errors import InvalidInput, MediaError
from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.settings import Settings
from fairgate.signals.pdq import Pdq, pdq_reference

PDQ_REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "data" / "pdq-reference"
"""Where the shared reference data sits next to a checkout (used only if present)."""

PHOTO_SIZES: tuple[tuple[int, int], ...] = (
    (1024, 768),
    (1280, 720),
    (1280, 960),
    (1600, 1200),
    (1920, 1080),
    (2048, 1536),
    (2400, 1600),
    (2592, 1944),
    (3000, 2000),
    (3264, 2448),
    (4000, 3000),
    (4032, 3024),
)
TARGET_SPEEDUP = 1.5

HashFn = Callable[[bytes], str]


@dataclass(frozen=True, slots=True)
class MethodResult:
    name: str
    description: str
    hashes_per_image: int
    median_ms: float
    p99_ms: float
    images_per_s: float
    speedup: float
    """Baseline total time / this method's total time (same files, same run)."""


@dataclass(frozen=True, slots=True)
class HashingReport:
    files: int
    repeat: int
    pixels_min: int
    pixels_max: int
    methods: tuple[MethodResult, ...]
    max_bits_screening_vs_baseline: int
    """Largest Hamming distance between the screening path's original hash and
    the baseline's, over files without an EXIF rotation (where they differ on purpose)."""
    groups: dict[str, dict[str, float]]
    """Per size group (``small`` < 1 Mpx <= ``medium`` < 4 Mpx <= ``large``): the
    file count (``files``) and each method's median ms per image."""
    machine: dict[str, str] = field(default_factory=dict)

    def method(self, name: str) -> MethodResult:
        return next(m for m in self.methods if m.name == name)

    @property
    def speedup(self) -> float:
        """The screening path's speed-up over the baseline."""
        return self.method("screening").speedup

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["speedup"] = self.speedup
        out["target_speedup"] = TARGET_SPEEDUP
        return out

    def render(self) -> Table:
        return render(self)


def render(report: HashingReport) -> Table:
    """The report as a rich table (methods as rows, machine in the caption)."""
    table = Table(
        title=(
            f"PDQ hashing: {report.files} files x {report.repeat} passes, "
            f"{report.pixels_min / 1e6:.2f}-{report.pixels_max / 1e6:.1f} Mpx"
        ),
        caption=(
            f"screening vs baseline: at most {report.max_bits_screening_vs_baseline} bits apart; "
            f"target speed-up {TARGET_SPEEDUP}x\n"
            + "".join(
                f"{group} ({int(row['files'])} files): "
                + ", ".join(f"{k} {v:.1f} ms" for k, v in row.items() if k != "files")
                + "\n"
                for group, row in report.groups.items()
            )
            + ", ".join(f"{k} {v}" for k, v in report.machine.items())
        ),
    )
    for column in ("method", "hashes", "median ms", "p99 ms", "images/s", "speed-up"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for m in report.methods:
        table.add_row(
            f"{m.name}: {m.description}",
            str(m.hashes_per_image),
            f"{m.median_ms:.1f}",
            f"{m.p99_ms:.1f}",
            f"{m.images_per_s:.1f}",
            f"{m.speedup:.2f}x",
        )
    return table


# -- the methods ------------------------------------------------------------------
def _baseline(data: bytes) -> str:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    vector, _ = pdqhash.compute(np.asarray(image))
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()


def _methods(settings: Settings) -> list[tuple[str, str, int, HashFn]]:
    limits = MediaLimits.from_settings(settings)
    screening = Pdq(settings)
    single = Pdq(settings.model_copy(update={"pdq_dihedral": False}))
    variants = 8 if settings.pdq_dihedral else 1
    fast = "reduced decode" if settings.pdq_fast_decode else "full decode"

    def screen(pdq: Pdq) -> HashFn:
        def run(data: bytes) -> str:
            return pdq.hash_media(MediaSource(data, limits=limits), reference=False).hashes[0]

        return run

    def reference(data: bytes) -> str:
        return pdq_reference(MediaSource(data, limits=limits).image(), dihedral=False).hashes[0]

    return [
        ("baseline", "pdqhash on a full PIL decode (pytx)", 1, _baseline),
        ("screening", f"fairgate screening, {fast}", variants, screen(screening)),
        ("screening-1", f"fairgate screening, {fast}, original only", 1, screen(single)),
        ("reference", "fairgate reference (full decode, pdqhash)", 1, reference),
    ]


def run(files: Sequence[Path], *, repeat: int, settings: Settings) -> HashingReport:
    """Time every method on every file ``repeat`` times (default files if none)."""
    if repeat < 1:
        raise InvalidInput("repeat must be at least 1")
    if files:
        return _run([_read(Path(f)) for f in files], repeat, settings)
    with tempfile.TemporaryDirectory(prefix="fairgate-bench-") as tmp:
        paths = default_files(Path(tmp))
        return _run([p.read_bytes() for p in paths], repeat, settings)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise MediaError(exc.strerror or "cannot read file", source=str(path)) from exc


def _run(blobs: list[bytes], repeat: int, settings: Settings) -> HashingReport:
    if not blobs:
        raise InvalidInput("no files to hash")
    methods = _methods(settings)
    samples: dict[str, list[float]] = {name: [] for name, *_ in methods}
    hashes: dict[str, list[str]] = {name: [] for name, *_ in methods}
    for _, _, _, fn in methods:  # warm-up: imports, caches, first allocations
        fn(blobs[0])
    for rep in range(repeat):
        for data in blobs:
            for name, _, _, fn in methods:
                start = time.perf_counter()
                value = fn(data)
                samples[name].append(time.perf_counter() - start)
                if rep == 0:
                    hashes[name].append(value)
    baseline_total = sum(samples["baseline"])
    results = tuple(
        _summary(name, description, count, samples[name], baseline_total)
        for name, description, count, _ in methods
    )
    upright = [_is_upright(b) for b in blobs]
    bits = [
        bin(int(a, 16) ^ int(b, 16)).count("1")
        for a, b, ok in zip(hashes["screening"], hashes["baseline"], upright, strict=True)
        if ok
    ]
    pixels = [_pixels(b) for b in blobs]
    groups = _groups(pixels, samples, repeat)
    return HashingReport(
        files=len(blobs),
        repeat=repeat,
        pixels_min=min(pixels),
        pixels_max=max(pixels),
        methods=results,
        max_bits_screening_vs_baseline=max(bits, default=0),
        groups=groups,
        machine=machine(),
    )


def _group(pixels: int) -> str:
    return "small" if pixels < 1_000_000 else "medium" if pixels < 4_000_000 else "large"


def _groups(
    pixels: list[int], samples: dict[str, list[float]], repeat: int
) -> dict[str, dict[str, float]]:
    """Median ms per method within each size group (samples are rep-major, file-minor)."""
    out: dict[str, dict[str, float]] = {}
    names = [_group(p) for p in pixels]
    for group in ("small", "medium", "large"):
        members = [i for i, g in enumerate(names) if g == group]
        if not members:
            continue
        row: dict[str, float] = {"files": float(len(members))}
        for method, seconds in samples.items():
            picked = [
                seconds[rep * len(pixels) + i] * 1000 for rep in range(repeat) for i in members
            ]
            row[method] = statistics.median(picked)
        out[group] = row
    return out


def _summary(
    name: str, description: str, count: int, seconds: list[float], baseline_total: float
) -> MethodResult:
    ms = sorted(s * 1000 for s in seconds)
    total = sum(seconds)
    p99 = stats.p99(ms)
    return MethodResult(
        name=name,
        description=description,
        hashes_per_image=count,
        median_ms=statistics.median(ms),
        p99_ms=p99,
        images_per_s=len(seconds) / total if total else float("inf"),
        speedup=baseline_total / total if total else float("inf"),
    )


def _is_upright(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get(0x0112, 1) == 1)


def _pixels(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        return image.width * image.height


def machine() -> dict[str, str]:
    """The machine, with the imaging libraries the hashing figures depend on."""
    info = describe(packages=("pillow", "numpy", "pdqhash"))
    info["libjpeg-turbo"] = str(features.version("libjpeg_turbo"))
    return info


# -- the default file set -----------------------------------------------------------
def default_files(folder: Path) -> list[Path]:
    """Write the default benchmark set into ``folder``; the paths, in a fixed order."""
    photo = PDQ_REFERENCE / "images" / "reg-test-input" / "exif-rotn" / "exif-rotn-1.jpg"
    source = Image.open(photo).convert("RGB") if photo.exists() else _texture(4032, 3024)
    paths: list[Path] = []
    for i, size in enumerate(PHOTO_SIZES):
        path = folder / f"photo-{i:02d}-{size[0]}x{size[1]}.jpg"
        _fit(source, size).save(path, "JPEG", quality=88 if i % 2 else 92)
        paths.append(path)
    if PDQ_REFERENCE.exists():
        paths.extend(
            sorted(
                p
                for p in (PDQ_REFERENCE / "images").rglob("*")
                if p.suffix.lower() in (".jpg", ".jpeg")
            )
        )
    return paths


def _fit(source: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Centre-crop ``source`` to the aspect of ``size``, then resize to it."""
    width, height = size
    scale = max(width / source.width, height / source.height)
    crop_w, crop_h = round(width / scale), round(height / scale)
    left, top = (source.width - crop_w) // 2, (source.height - crop_h) // 2
    cropped = source.crop((left, top, left + crop_w, top + crop_h))
    return cropped.resize(size, Image.Resampling.LANCZOS)


def _texture(width: int, height: int) -> Image.Image:
    """A deterministic photo-like RGB texture (smooth noise at several scales)."""
    rng = np.random.default_rng(20240601)
    canvas = np.zeros((height, width, 3), dtype=np.float32)
    for cells, weight in ((4, 90.0), (16, 50.0), (64, 25.0), (256, 12.0)):
        noise = rng.random((cells * height // width + 1, cells + 1, 3)).astype(np.float32)
        small = Image.fromarray((noise * 255).astype(np.uint8), "RGB")
        canvas += (
            np.asarray(small.resize((width, height), Image.Resampling.BICUBIC)) / 255.0 * weight
        )
    canvas += rng.normal(0.0, 4.0, canvas.shape).astype(np.float32)
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")
