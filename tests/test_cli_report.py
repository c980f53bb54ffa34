"""``fairgate report`` run as a user would: a subprocess per command."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from tests.conftest import EXAMPLES
from tests.report.conftest import SINCE, UNTIL, Seeder, seed_november
from tests.test_cli import Cli

from fairgate.store import open_store


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@contextmanager
def seeded(cli: Cli) -> Iterator[Seeder]:
    with open_store(cli.env["FAIRGATE_DATABASE_URL"]) as store:
        yield Seeder(store)


def test_report_json_and_files(cli: Cli, tmp_path: Path) -> None:
    with seeded(cli) as s:
        seed_november(s)
    data = cli.json(
        "report",
        "--since",
        "2026-11-01",
        "--until",
        "2026-12-01T01:00:00+01:00",
        "--out",
        str(tmp_path / "out"),
        "--policy",
        str(EXAMPLES / "policy.yaml"),
    )
    assert isinstance(data, dict)
    assert data["period"] == {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
    assert data["decisions"]["total"] == data["decisions"]["automated"] == 9
    assert {r["label"]: r["total"] for r in data["decisions"]["by_rule"]}["scam.fraud"] == 1
    assert data["appeals"]["median_seconds_to_decision"] == 12 * 3600
    files = {Path(f).name for f in data["files"]}
    assert {"report.md", "decisions_by_rule.csv", "appeals.png"} <= files
    with (tmp_path / "out" / "decisions_by_action.csv").open(encoding="utf-8") as f:
        assert list(csv.reader(f))[3] == ["block", "5"]
    with Image.open(tmp_path / "out" / "decisions_by_rule.png") as image:
        image.verify()


def test_report_defaults_to_the_last_days(cli: Cli, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with seeded(cli) as s:
        s.decision("d-recent", now - timedelta(days=1), "block", ("spam.rule", "term", "text"))
        s.decision("d-old", now - timedelta(days=31), "block", ("spam.rule", "term", "text"))
    proc = cli("report", "--out", str(tmp_path / "out"))
    assert "1 decisions" in proc.stdout
    assert "wrote " in proc.stdout
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| block | 1 |" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2026-12-01", "--until", "2026-11-01"), "must be before --until"),
        (("--since", "last week"), "--since takes an ISO date"),
        (("--until", "2026-02-30"), "--until takes an ISO date"),
    ],
)
def test_bad_dates_exit_2(cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    proc = cli("report", *args, "--out", str(tmp_path / "out"), code=2)
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file_exits_2(cli: Cli, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("x", encoding="utf-8")
    proc = cli("report", "--out", str(taken), code=2)
    assert "not a folder" in proc.stderr


def test_out_is_required(cli: Cli) -> None:
    proc = cli("report", code=2)
    assert "--out" in proc.stderr


def test_bad_database_url_exits_2(cli: Cli, tmp_path: Path) -> None:
    cli("report", "--db", "mysql://x/y", "--out", str(tmp_path / "o"), code=2)
