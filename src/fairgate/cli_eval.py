"""``fairgate eval``: accuracy evaluations (recall, false positives, latency) on real data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

eval_app = typer.Typer(
    help="Measure accuracy: recall, false positives and latency on real data.",
    no_args_is_help=True,
)


@eval_app.command("text")
def eval_text(
    samples: Annotated[
        int, typer.Option(min=1, help="Cases per term and transformation (seeded).")
    ] = 4,
    per_source: Annotated[
        int, typer.Option(min=1, help="Benign messages taken from each source at most.")
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the suite and the corpus sample.")] = 0,
    show: Annotated[
        int, typer.Option(min=0, help="Fired benign / missed evaded messages listed.")
    ] = 50,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also write the tables as Markdown + CSV here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
) -> None:
    """Text evasion suite (recall per transformation) and false positives on benign text."""
    from fairgate.cli_support import emit, err, wide
    from fairgate.evaluate.text_suite import run as run_text_eval

    report = run_text_eval(
        samples=samples,
        seed=seed,
        per_source=per_source,
        show=show,
        progress=None if as_json else lambda line: err.print(line, markup=False),
    )
    if out_dir is not None:
        for path in report.write(out_dir):
            err.print(f"wrote {path}", markup=False)
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@eval_app.command("ocr")
def eval_ocr(
    data_dir: Annotated[
        Path | None,
        typer.Argument(
            help="ocr-real folder (images/ + gt/) [env FAIRGATE_OCR_REAL_DIR, "
            "else ../shared/data/ocr-real]"
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N images (by name).")
    ] = None,
    repeats: Annotated[
        int, typer.Option(min=1, help="Runs per synthetic latency measurement (median).")
    ] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
) -> None:
    """OCR character recall (order-aware and bag) and latency on real images."""
    from fairgate.cli_support import emit, fail, wide
    from fairgate.evaluate.ocr import run as run_ocr_eval
    from fairgate.ocr.engine import OcrUnavailable
    from fairgate.settings import Settings
    from fairgate.signals.ocr import ocr_config

    settings = Settings()
    folder = data_dir or settings.ocr_real_dir or Path("..") / "shared" / "data" / "ocr-real"
    if not (folder / "images").is_dir() or not (folder / "gt").is_dir():
        fail(f"{folder}: no ocr-real data set here (expected images/ and gt/ folders)")
    try:
        report = run_ocr_eval(folder, ocr_config(settings), limit=limit, repeats=repeats)
    except OcrUnavailable as exc:
        fail(str(exc), code=1)
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@eval_app.command("image-text")
def eval_image_text(
    samples: Annotated[
        int, typer.Option(min=1, help="Photos each term is drawn on, per variant.")
    ] = 2,
    terms: Annotated[
        int | None, typer.Option("--terms", min=1, help="Only the first N listed terms.")
    ] = None,
    photos: Annotated[
        int | None, typer.Option("--photos", min=1, help="Only the first N photos.")
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            "--variant", help="plain, low_contrast, rotated, small, busy (repeatable; default all)."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also keep the rendered images and report.json.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
) -> None:
    """Listed terms drawn onto real photos, screened end to end: share caught per variant,
    false catches on the same photos without text and with everyday text."""
    from fairgate.cli_support import emit, err, fail, wide
    from fairgate.evaluate.images_text import VARIANTS
    from fairgate.evaluate.images_text import photos as default_photos
    from fairgate.evaluate.images_text import run as run_images_eval
    from fairgate.ocr.engine import OcrUnavailable

    try:
        report = run_images_eval(
            samples=samples,
            photo_paths=default_photos()[:photos] if photos else None,
            max_terms=terms,
            variants=tuple(variant) if variant else VARIANTS,
            out_dir=out_dir,
            progress=None if as_json else lambda line: err.print(line, markup=False),
        )
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    except OcrUnavailable as exc:
        fail(str(exc), code=1)
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@eval_app.command("images")
def eval_images(
    dirs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders of original photos (recursive) [default: the Debian wallpaper "
            "folders and ../shared/data/pdq-reference photos]"
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=2, help="Originals used at most.")] = 60,
    size: Annotated[
        int, typer.Option(min=64, max=4096, help="Originals are scaled to this longer side (px).")
    ] = 512,
    transform: Annotated[
        list[str] | None,
        typer.Option("--transform", help="Only these transforms (repeatable; default all)."),
    ] = None,
    precision: Annotated[
        float, typer.Option(min=0.5, max=1.0, help="Precision the recall is read at.")
    ] = 0.9999,
    seed: Annotated[int, typer.Option(help="Seed of the transforms.")] = 0,
    no_baselines: Annotated[
        bool, typer.Option("--no-baselines", help="Skip imagehash and perception.")
    ] = False,
    no_engine: Annotated[
        bool, typer.Option("--no-engine", help="Skip screening through the whole engine.")
    ] = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write visual.md, .csv, .json and PNG plots here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
) -> None:
    """Visual robustness: recall per transform (crop, pad, rotate, overlays, tiling...) at
    precision >= 99.99%, per signal and for the whole engine, vs pHash and perception."""
    from fairgate.cli_support import emit, err, fail, wide
    from fairgate.evaluate.image_originals import DEFAULT_DIRS
    from fairgate.evaluate.image_robustness import run as run_visual_eval

    folders = tuple(dirs) if dirs else DEFAULT_DIRS
    missing = [str(d) for d in folders if not d.is_dir()]
    if dirs and missing:
        fail(f"{missing[0]}: not a folder")
    try:
        report = run_visual_eval(
            folders,
            size=size,
            limit=limit,
            transforms=tuple(transform) if transform else None,
            target=precision,
            seed=seed,
            baselines=not no_baselines,
            engine=not no_engine,
            progress=None if as_json else lambda line: err.print(line, markup=False),
        )
    except ValueError as exc:
        fail(str(exc))
    except ImportError as exc:
        fail(f"{exc}: install the eval extra (pip install -e '.[eval]')", code=1)
    if out_dir is not None:
        for path in report.write(out_dir):
            err.print(f"wrote {path}", markup=False)
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))
