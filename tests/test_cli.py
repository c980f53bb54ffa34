"""The CLI contract of DESIGN.md, run as a user would: a subprocess per command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from tests.conftest import EXAMPLES, shared_file

BRIDGE = "pdq-reference/images/reg-test-input/dih/bridge-1-original.jpg"
OTHER = "pdq-reference/images/reg-test-input/labelme-subset/q0122.jpg"


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.cwd = tmp_path
        self.env = {**os.environ, "FAIRGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
        self.env.pop("FAIRGATE_POLICY_PATH", None)

    def __call__(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "fairgate", *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    def json(self, *args: str, code: int = 0) -> object:
        return json.loads(self(*args, "--json", code=code).stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_image_list_end_to_end(cli: Cli, tmp_path: Path) -> None:
    photo = shared_file(BRIDGE)
    mirrored = tmp_path / "mirrored.jpg"
    ImageOps.mirror(Image.open(photo)).save(mirrored, quality=50)
    cli("lists", "create", "known", "--type", "image")
    added = cli.json("lists", "add", "known", str(photo))
    assert isinstance(added, dict)
    assert {a["signal_type"] for a in added["added"]} == {"sha256", "md5", "pdq", "ncc", "orb"}
    decision = cli.json("screen", "--image", str(mirrored), "--sender", "s1")
    assert isinstance(decision, dict)
    assert decision["action"] == "block"
    reason = next(r for r in decision["reasons"] if r["signal"] == "pdq")
    assert reason["list"] == "known"
    assert 0 <= reason["evidence"]["distance"] <= 31
    assert decision["account"]["account_id"] == "s1"
    assert decision["notice"]["automated"] is True
    other = cli.json("screen", "--image", str(shared_file(OTHER)))
    assert isinstance(other, dict)
    assert other["action"] == "deliver"


def test_text_list_and_policy(cli: Cli) -> None:
    cli("lists", "create", "spam-terms", "--type", "text", "--severity", "2")
    cli("lists", "add", "spam-terms", "--terms-file", str(EXAMPLES / "spam-terms.txt"))
    blocked = cli.json(
        "screen", "--text", "CHEAP Pills now", "--policy", str(EXAMPLES / "policy.yaml")
    )
    assert isinstance(blocked, dict)
    assert blocked["action"] == "block"
    assert blocked["reasons"][0]["rule"] == "spam.advertising"
    assert blocked["reasons"][0]["evidence"]["span"] == [0, 11]
    delivered = cli.json("screen", "--text", "pillow")
    assert isinstance(delivered, dict)
    assert delivered["action"] == "deliver"


def test_hash_prints_one_json_object_per_file(cli: Cli) -> None:
    photo = shared_file(BRIDGE)
    out = cli("hash", str(photo), str(photo), "--json").stdout.splitlines()
    assert len(out) == 2
    row = json.loads(out[0])
    assert set(row) >= {"file", "sha256", "md5", "pdq", "pdq_quality"}
    assert len(row["pdq"]) == 64


def test_import_export_and_remove(cli: Cli, tmp_path: Path) -> None:
    pdq = "f" * 16 + "0" * 16 + "a" * 32
    md5 = "d41d8cd98f00b204e9800998ecf8427e"
    src = tmp_path / "list.txt"
    src.write_text(f"{pdq}\n{md5}\nnot-a-hash\n{pdq}\n")
    cli("lists", "create", "te", "--type", "image")
    report = cli.json("lists", "import", "te", str(src))
    assert isinstance(report, dict)
    assert (report["added"], report["duplicates"], len(report["rejected"])) == (2, 1, 1)
    assert report["rejected"][0]["line"] == 3
    exported = cli("lists", "export", "te").stdout.splitlines()
    assert exported == [f"pdq,{pdq}", f"md5,{md5}"]
    assert cli("lists", "export", "te", "--plain").stdout.splitlines() == [pdq, md5]
    plain_pdq = cli("lists", "export", "te", "--plain", "--signal-type", "pdq").stdout
    assert plain_pdq.splitlines() == [pdq]
    rows = [json.loads(x) for x in cli("lists", "export", "te", "--json").stdout.splitlines()]
    assert [(r["signal_type"], r["source"]) for r in rows] == [
        ("pdq", "import:list.txt:1"),
        ("md5", "import:list.txt:2"),
    ]
    strict = cli.json("lists", "import", "te", str(src), "--strict", code=2)
    assert isinstance(strict, dict)
    assert strict["written"] is False
    listed = cli.json("lists", "add", "te", "--hash", f"sha256:{'a' * 64}")
    assert isinstance(listed, dict)
    entry = listed["added"][0]["entry_id"]
    mixed = cli("lists", "export", "te", "--plain", code=2)
    assert "--signal-type" in mixed.stderr
    cli("lists", "remove", "te", str(entry))
    assert len(cli("lists", "export", "te").stdout.splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("hash", "{empty}"), "empty"),
        (("hash", "{text}"), "not a recognised image"),
        (("hash", "{missing}"), "missing.jpg"),
        (("screen", "--image", "{text}"), "not a recognised image"),
        (("lists", "add", "nolist", "--term", "x"), "nolist"),
        (("lists", "create", "x", "--type", "video"), "video"),
        (("screen", "--kind", "email"), "kind"),
    ],
)
def test_bad_input_exits_2_with_one_line_reason(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], fragment: str
) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "notes.jpg").write_text("hello")
    names = {
        "{empty}": str(tmp_path / "empty.jpg"),
        "{text}": str(tmp_path / "notes.jpg"),
        "{missing}": str(tmp_path / "missing.jpg"),
    }
    proc = cli(*(names.get(a, a) for a in args), code=2)
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bench_commands_report_ratios_against_their_baseline(cli: Cli) -> None:
    index = cli.json("bench", "index", "--sizes", "500", "--queries", "5")
    assert isinstance(index, dict)
    assert [r["kind"] for r in index["rows"]] == ["auto", "faiss-flat"]
    assert index["rows"][0]["realistic"]["recall"] == 1.0
    photo = shared_file(BRIDGE)
    hashing = cli.json("bench", "hashing", str(photo), "--repeat", "1")
    assert isinstance(hashing, dict)
    assert hashing["machine"]
    screen = cli.json("bench", "screen", "--entries", "300", "--repeat", "3")
    assert isinstance(screen, dict)
    assert screen["entries"] == 300
    assert screen["image"]["p50_ms"] > 0
    assert screen["image_vs_baseline"] > 0
    cli("bench", "index", "--sizes", "10", "--kinds", "annoy", code=2)
    cli("bench", "hashing", "missing.jpg", code=2)


def test_large_import_shows_progress_and_writes_every_line(cli: Cli, tmp_path: Path) -> None:
    import random

    rng = random.Random(5)
    values = {f"{rng.getrandbits(256):064x}" for _ in range(16_000)}
    big = tmp_path / "big.txt"
    big.write_text("".join(f"pdq,{v}\n" for v in values))
    assert big.stat().st_size > 1_000_000
    cli("lists", "create", "big", "--type", "image")
    proc = cli("lists", "import", "big", str(big))
    assert f"{len(values)} added" in proc.stdout
    assert len(cli("lists", "export", "big").stdout.splitlines()) == len(values)


def test_db_commands(cli: Cli) -> None:
    behind = cli.json("db", "current", code=1)
    assert isinstance(behind, dict)
    assert behind["up_to_date"] is False
    upgraded = cli.json("db", "upgrade")
    assert isinstance(upgraded, dict)
    current = cli.json("db", "current")
    assert current == {
        "revision": upgraded["revision"],
        "head": upgraded["revision"],
        "up_to_date": True,
    }
    proc = cli("db", "current", "--db", "mysql://nope", code=2)
    assert "unsupported database URL" in proc.stderr


def test_lists_add_writes_everything_or_nothing(cli: Cli) -> None:
    """A file and a bad hash in one `lists add`: refused, and the file is not added."""
    cli("lists", "create", "known", "--type", "image")
    refused = cli("lists", "add", "known", str(shared_file(BRIDGE)), "--hash", "pdq:xyz", code=2)
    assert "pdq" in refused.stderr

    def count() -> int:
        shown = cli.json("lists", "show")
        assert isinstance(shown, list)
        return int(next(x for x in shown if x["name"] == "known")["active_entries"])

    assert count() == 0
    added = cli.json("lists", "add", "known", str(shared_file(BRIDGE)), "--hash", f"md5:{'a' * 32}")
    assert isinstance(added, dict)
    assert {"sha256", "md5", "pdq"} <= {a["signal_type"] for a in added["added"]}
    assert {"a" * 32} <= {a["value"] for a in added["added"]}
    assert count() == len(added["added"])


def test_retention_purge_reports_hashes_and_kept_images(cli: Cli) -> None:
    cli("lists", "create", "known", "--type", "image")
    cli("lists", "add", "known", str(shared_file(BRIDGE)))
    blocked = cli.json("screen", "--image", str(shared_file(BRIDGE)), "--sender", "s1")
    assert isinstance(blocked, dict)
    assert blocked["action"] == "block"
    # Nothing is old enough yet: both counts are zero, and the command says so.
    assert cli.json("retention", "purge") == {"deleted": 0, "deleted_images": 0}
    assert "kept images" in cli("retention", "purge").stdout
