"""The files ``fairgate report`` writes: Markdown, CSV tables and PNG charts."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from tests.report.conftest import SINCE, UNTIL, Seeder, seed_november

from fairgate.errors import InvalidInput
from fairgate.report.collect import collect
from fairgate.report.files import write_report
from fairgate.report.model import Report
from fairgate.report.period import Period
from fairgate.store import SqlStore

CHARTS = (
    "decisions_by_action",
    "decisions_by_method",
    "decisions_by_rule",
    "appeals",
    "restrictions_by_level",
    "review_outcomes",
)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def november(store: SqlStore, period: Period | None = None) -> Report:
    return collect(
        store.engine,
        period or Period(SINCE, UNTIL),
        generated_at=UNTIL,
        rules=("spam.advertising", "unused.rule"),
    )


@pytest.fixture
def written(store: SqlStore, seeder: Seeder, tmp_path: Path) -> Path:
    seed_november(seeder)
    folder = tmp_path / "out" / "nov"
    write_report(november(store), folder, max_chart_rules=3)
    return folder


def test_csv_tables_hold_the_counts(written: Path) -> None:
    assert read_csv(written / "decisions_by_action.csv") == [
        ["action", "decisions"],
        ["deliver", "3"],
        ["hold", "1"],
        ["block", "5"],
    ]
    methods = read_csv(written / "decisions_by_method.csv")
    assert methods[0] == ["method", "deliver", "hold", "block", "total"]
    assert ["keyword (message text)", "1", "0", "1", "2"] in methods
    assert ["account restriction", "0", "0", "1", "1"] in methods
    rules = read_csv(written / "decisions_by_rule.csv")
    assert rules[1] == ["abuse.known-image", "0", "0", "2", "2"]
    assert ["unused.rule", "0", "0", "0", "0"] in rules
    appeals = {row[0]: row[1] for row in read_csv(written / "appeals.csv")[1:]}
    assert appeals["filed"] == "4"
    assert appeals["decided_upheld"] == "2"
    assert appeals["decided_overturned"] == "1"
    assert appeals["median_hours_to_decision"] == "12.0"
    assert read_csv(written / "restrictions_by_level.csv") == [
        ["level", "started", "permanent", "lifted"],
        ["permanent", "2", "2", "0"],
        ["restricted_24h", "2", "0", "1"],
        ["restricted_7d", "0", "0", "0"],
        ["warning", "1", "0", "0"],
    ]
    assert ["hold", "expired", "1"] in read_csv(written / "review_outcomes.csv")
    summary = dict(read_csv(written / "summary.csv")[1:])
    assert summary["period_since"] == SINCE.isoformat()
    assert summary["decisions_automated"] == summary["decisions"] == "9"


def test_charts_are_png_images(written: Path) -> None:
    for name in CHARTS:
        with Image.open(written / f"{name}.png") as image:
            assert image.format == "PNG"
            image.verify()
            assert image.size[0] > 300
            assert image.size[1] > 100


def test_markdown_explains_and_links_every_table(written: Path) -> None:
    text = (written / "report.md").read_text(encoding="utf-8")
    assert "Every screening decision is automated** (9 in this period)" in text
    assert f"**{SINCE.isoformat()}** (included)" in text
    assert "| keyword (text in image) | 0 | 1 | 0 | 1 |" in text
    assert "| unused.rule | 0 | 0 | 0 | 0 |" in text
    assert "| median_hours_to_decision | 12.0 |" in text
    for name in CHARTS:
        assert f"({name}.png)" in text


def test_an_empty_period_writes_zero_rows(store: SqlStore, tmp_path: Path) -> None:
    empty = Period(SINCE - timedelta(days=60), SINCE - timedelta(days=30))
    paths = write_report(november(store, empty), tmp_path, max_chart_rules=20)
    assert {p.name for p in paths} >= {"report.md", "summary.csv", *(f"{c}.png" for c in CHARTS)}
    assert read_csv(tmp_path / "decisions_by_action.csv")[1:] == [
        ["deliver", "0"],
        ["hold", "0"],
        ["block", "0"],
    ]
    assert read_csv(tmp_path / "restrictions_by_level.csv") == [
        ["level", "started", "permanent", "lifted"]
    ]
    appeals = {row[0]: row[1] for row in read_csv(tmp_path / "appeals.csv")[1:]}
    assert appeals["median_hours_to_decision"] == "n/a"
    assert appeals["filed"] == "0"
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "_None known for this period._" in text
    for name in CHARTS:
        with Image.open(tmp_path / f"{name}.png") as image:
            image.verify()


def test_out_must_be_a_folder(store: SqlStore, tmp_path: Path) -> None:
    file = tmp_path / "taken"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a folder"):
        write_report(november(store), file, max_chart_rules=20)
