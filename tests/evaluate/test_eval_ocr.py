"""``fairgate eval ocr`` and ``fairgate eval image-text`` on small real samples (real OCR)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import SHARED
from typer.testing import CliRunner

from fairgate.cli import app
from fairgate.evaluate.images_text import VARIANTS, draw_term, latin_font, load_photo, photos

OCR_REAL = SHARED / "ocr-real"
runner = CliRunner()


def _json(output: str) -> dict[str, object]:
    return dict(json.loads(output.strip().splitlines()[-1]))


@pytest.mark.slow
def test_eval_ocr_limit_json() -> None:
    if not (OCR_REAL / "images").is_dir():
        pytest.skip(f"shared test data missing: {OCR_REAL}")
    result = runner.invoke(
        app, ["eval", "ocr", str(OCR_REAL), "--limit", "3", "--repeats", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = _json(result.stdout)
    assert out["images"] == 3
    per_image = out["per_image"]
    assert isinstance(per_image, list)
    assert [i["name"] for i in per_image] == sorted(i["name"] for i in per_image)
    assert 0.5 <= float(str(out["seq_recall"])) <= float(str(out["bag_recall"])) <= 1.0
    assert 0 < float(str(out["p50_seconds"])) <= float(str(out["p90_seconds"]))
    assert out["det_limit"] == ["max", 960]


def test_eval_ocr_missing_data_is_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "ocr", str(tmp_path / "nowhere"), "--json"])
    assert result.exit_code == 2
    assert "no ocr-real data set" in result.stderr


def test_eval_ocr_default_dir_from_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRGATE_OCR_REAL_DIR", str(tmp_path))
    result = runner.invoke(app, ["eval", "ocr"])
    assert result.exit_code == 2
    assert str(tmp_path) in result.stderr


def test_rendered_variants_change_the_photo() -> None:
    paths = photos()
    if not paths:
        pytest.skip("shared pdq-reference photos missing")
    photo = load_photo(paths[0])
    assert photo.width == 1280
    for seed, variant in enumerate(VARIANTS):
        drawn = draw_term(photo, "cheap pills", variant, lambda size, _t: latin_font(size), seed)
        assert drawn.size == photo.size
        assert drawn.tobytes() != photo.tobytes(), variant
    grey = draw_term(photo, "cheap pills", "low_contrast", lambda s, _t: latin_font(s), 0)
    assert (0x8A, 0x8A, 0x8A) in {c for _, c in grey.getcolors(1 << 20) or []}


@pytest.mark.slow
def test_eval_image_text_tiny_sample(tmp_path: Path) -> None:
    if not photos():
        pytest.skip("shared pdq-reference photos missing")
    args = ["eval", "image-text", "--samples", "1", "--terms", "2", "--photos", "1"]
    args += ["--variant", "plain", "--variant", "low_contrast", "--json", "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = _json(result.stdout)
    assert out["cases"] == 4
    assert set(dict(out["by_variant"])) == {"plain/en", "low_contrast/en"}  # type: ignore[arg-type]
    benign = dict(out["benign"])  # type: ignore[arg-type]
    assert benign["cases"] == 2
    assert benign["false_catches"] == 0
    assert out["caught"] == round(float(str(out["overall"])) * 4)
    assert len(list(tmp_path.glob("*.jpg"))) == 4
    assert (tmp_path / "report.json").is_file()


def test_eval_image_text_unknown_variant_is_exit_2() -> None:
    result = runner.invoke(app, ["eval", "image-text", "--variant", "upside-down", "--json"])
    assert result.exit_code == 2
    assert "unknown variant" in result.stderr
