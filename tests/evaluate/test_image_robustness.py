"""``fairgate eval images``: the metric, the transforms, and a tiny real run."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from fairgate.cli import app
from fairgate.evaluate import image_transforms as transforms
from fairgate.evaluate.image_metrics import operating_point, recalled
from fairgate.evaluate.image_originals import PDQ_IMAGES, originals

LABELME = PDQ_IMAGES / "reg-test-input" / "labelme-subset"


def test_operating_point_is_the_most_recall_that_keeps_precision() -> None:
    inf = math.inf
    # 4 queries x 2 listed originals; query 3 is of an unlisted original.
    distances = np.array([[5, 90], [40, 70], [80, 55], [60, 50]], dtype=np.float64)
    truth = [0, 0, 1, -1]
    point = operating_point(distances, truth, 0.99)
    assert point.threshold == 40  # 50 would let query 3 (a distractor) in
    assert point.recall == pytest.approx(2 / 3)
    assert (point.true_matches, point.false_matches) == (2, 0)
    assert (point.positives, point.negatives) == (3, 5)
    loose = operating_point(distances, truth, 0.7)
    assert loose.recall == 1.0
    assert loose.false_matches == 1
    assert recalled(distances, truth, 40).tolist() == [True, True, False, False]
    nothing = operating_point(np.full((2, 1), inf), [0, -1], 0.99)
    assert nothing.recall == 0.0
    assert nothing.threshold == -inf


def test_transforms_do_what_they_say() -> None:
    image = Image.effect_noise((200, 100), 60).convert("RGB")
    sizes = {
        name: transforms.apply(transforms.BY_NAME[name], image, 1).size
        for name in ("crop_40", "pad_20_white", "tile_2x2", "tile_3x1", "rotate_90", "scale_0.5")
    }
    assert sizes == {
        "crop_40": (120, 60),
        "pad_20_white": (240, 120),
        "tile_2x2": (400, 200),
        "tile_3x1": (600, 100),
        "rotate_90": (100, 200),
        "scale_0.5": (100, 50),
    }
    mirrored = transforms.apply(transforms.BY_NAME["mirror"], image, 1)
    assert mirrored.transpose(Image.FLIP_LEFT_RIGHT).tobytes() == image.tobytes()
    again = transforms.apply(transforms.BY_NAME["crop_20"], image, 1)
    assert again.tobytes() == transforms.apply(transforms.BY_NAME["crop_20"], image, 1).tobytes()
    with pytest.raises(ValueError, match="unknown transform"):
        transforms.select(("crop_99",))


def test_a_mirror_symmetric_wide_photo_is_one_original_not_two_halves(tmp_path: Path) -> None:
    path = LABELME / "q0746.jpg"
    if not path.is_file():
        pytest.skip(f"shared test data missing: {path}")
    half = Image.open(path).convert("RGB").resize((400, 300))
    symmetric = Image.new("RGB", (800, 300))
    symmetric.paste(half, (0, 0))
    symmetric.paste(half.transpose(Image.FLIP_LEFT_RIGHT), (400, 0))
    symmetric.save(tmp_path / "symmetric.png")
    wide = Image.open(LABELME / "q0122.jpg").convert("RGB").resize((800, 300))
    wide.save(tmp_path / "wide.png")
    names = sorted(o.name.split("/")[-1] for o in originals([tmp_path], size=256))
    assert names == ["symmetric", "wide-left", "wide-right"]
    split = sorted(o.name for o in originals([tmp_path], size=256, mirror_distance=0))
    assert len(split) == 4


@pytest.mark.slow
def test_eval_images_tiny_run(tmp_path: Path) -> None:
    if not LABELME.is_dir():
        pytest.skip(f"shared test data missing: {LABELME}")
    args = [
        "eval",
        "images",
        str(LABELME),
        "--size",
        "320",
        "--transform",
        "mirror",
        "--transform",
        "tile_2x2",
        "--json",
        "--out",
        str(tmp_path),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    signals = {s["name"]: s for s in report["signals"]}
    assert {
        "pdq",
        "pdq+dihedral",
        "+tiles",
        "orb+ransac",
        "imagehash phash",
        "perception PHash",
        "engine",
        "engine: pdq only",
    } <= set(signals)
    assert report["queries"] == 2 * report["originals"]
    assert signals["pdq+dihedral"]["by_transform"]["mirror"] == 1.0
    assert signals["pdq"]["by_transform"]["mirror"] < 1.0  # no dihedral: mirrors are missed
    assert signals["pdq+dihedral"]["by_transform"]["tile_2x2"] < 1.0
    assert signals["+tiles"]["by_transform"]["tile_2x2"] == 1.0
    assert signals["engine"]["by_transform"]["tile_2x2"] == 1.0
    assert signals["engine"]["false_matches"] == 0
    for name in ("visual.md", "visual.csv", "visual.json", "visual-recall.png", "visual-roc.png"):
        assert (tmp_path / name).stat().st_size > 0
    rows = list(csv.DictReader((tmp_path / "visual.csv").open(encoding="utf-8")))
    assert {r["transform"] for r in rows} == {"mirror", "tile_2x2", "overall"}


def test_eval_images_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "images", str(tmp_path / "nope"), "--json"])
    assert result.exit_code == 2
    assert "not a folder" in result.stderr
