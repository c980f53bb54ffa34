"""The hashing benchmark runs, compares like with like, and reports its machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from rich.table import Table
from tests.signals.pdq_helpers import photo_like

from fairgate.bench import hashing
from fairgate.settings import Settings


def test_benchmark_report(tmp_path: Path, settings: Settings) -> None:
    files = []
    for i, size in enumerate([(1200, 1100), (640, 480)]):
        path = tmp_path / f"img{i}.jpg"
        photo_like(*size, seed=i).save(path, quality=90)
        files.append(path)
    report = hashing.run(files, repeat=2, settings=settings)
    assert report.files == 2
    assert report.repeat == 2
    assert [m.name for m in report.methods] == ["baseline", "screening", "screening-1", "reference"]
    assert report.method("baseline").speedup == 1.0
    assert report.method("screening").hashes_per_image == 8
    for method in report.methods:
        assert 0 < method.median_ms <= method.p99_ms
        assert method.images_per_s > 0
    assert report.max_bits_screening_vs_baseline <= 2
    assert set(report.groups) == {"small", "medium"}
    assert report.groups["medium"]["files"] == 1
    assert {"platform", "cores", "python", "pillow", "numpy", "pdqhash"} <= set(report.machine)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["speedup"] == report.speedup
    assert isinstance(report.render(), Table)


def test_default_files_are_photo_sized_jpegs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "PHOTO_SIZES", ((1024, 768), (1280, 720)))
    paths = hashing.default_files(tmp_path)
    photos = [p for p in paths if p.parent == tmp_path]
    assert [Image.open(p).size for p in photos] == [(1024, 768), (1280, 720)]
    assert all(Image.open(p).format == "JPEG" for p in paths)
