"""``fairgate lists add`` with allow-terms and regexes, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(tmp_path: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAIRGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("FAIRGATE_POLICY_PATH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "fairgate", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def test_allow_terms_and_regexes_from_the_command_line(tmp_path: Path) -> None:
    run(tmp_path, "lists", "create", "spam", "--type", "text")
    allow_file = tmp_path / "allow.txt"
    allow_file.write_text("# films\ncasino royale\n", encoding="utf-8")
    added = json.loads(
        run(
            tmp_path, "lists", "add", "spam", "--term", "casino", "--allow-terms-file",
            str(allow_file), "--allow-term", "vitamin pills", "--regex", r"fr[e3]{2}\s+money",
            "--json",
        ).stdout
    )  # fmt: skip
    kinds = [(a["signal_type"], a["value"]) for a in added["added"]]
    assert kinds == [
        ("term", "casino"),
        ("allow_term", "vitamin pills"),
        ("allow_term", "casino royale"),
        ("regex", r"fr[e3]{2}\s+money"),
    ]
    decision = json.loads(
        run(tmp_path, "screen", "--text", "Casino Royale? FREE money", "--json").stdout
    )
    reasons = [(r["signal"], r["evidence"]["matched"]) for r in decision["reasons"]]
    assert reasons == [("regex", "FREE money")]


def test_bad_input_exits_2_with_a_reason_and_writes_nothing(tmp_path: Path) -> None:
    run(tmp_path, "lists", "create", "spam", "--type", "text")
    proc = run(tmp_path, "lists", "add", "spam", "--term", "ok", "--regex", "(", code=2)
    assert "regex '(' is invalid" in proc.stderr
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9\n")
    proc = run(tmp_path, "lists", "add", "spam", "--allow-terms-file", str(bad), code=2)
    assert "not UTF-8" in proc.stderr
    listed = run(tmp_path, "lists", "export", "spam").stdout
    assert listed.strip() == ""
