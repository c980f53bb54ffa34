"""Due process from the command line, as a user runs it (a subprocess per command)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import EXAMPLES
from tests.test_cli import Cli


def _cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    cli.env["FAIRGATE_POLICY_PATH"] = str(EXAMPLES / "policy.yaml")
    cli("lists", "create", "spam-terms", "--type", "text")
    cli("lists", "add", "spam-terms", "--term", "cheap pills")
    cli("lists", "create", "scam-terms", "--type", "text", "--action", "hold")
    cli("lists", "add", "scam-terms", "--term", "gift card payment")
    return cli


def test_appeal_review_audit_and_export(tmp_path: Path) -> None:
    cli = _cli(tmp_path)
    blocked = cli.json("screen", "--text", "cheap pills!", "--sender", "u1")
    assert isinstance(blocked, dict)
    assert blocked["action"] == "block"
    assert blocked["account"]["strike_points"] == 1
    assert "appeal" in blocked["notice"]["text"]

    appeal = cli.json(
        "appeals", "file", blocked["decision_id"], "--statement", "A quote.", "--account", "u1"
    )
    assert isinstance(appeal, dict)
    assert appeal["status"] == "pending"
    again = cli("appeals", "file", blocked["decision_id"], "--statement", "Again.", code=2)
    assert "already been appealed" in again.stderr
    other = cli(
        "appeals", "file", blocked["decision_id"], "--statement", "Hi.", "--account", "u2", code=2
    )
    assert "another account" in other.stderr

    queue = cli.json("review", "list")
    assert isinstance(queue, list)
    assert [i["kind"] for i in queue] == ["appeal"]
    decided = cli.json(
        "appeals",
        "decide",
        str(appeal["appeal_id"]),
        "overturn",
        "--reason",
        "Quoted.",
        "--by",
        "rev",
    )
    assert isinstance(decided, dict)
    assert decided["appeal"]["status"] == "overturned"
    state = cli.json("accounts", "show", "u1")
    assert isinstance(state, dict)
    assert state["strike_points"] == 0

    held = cli.json("screen", "--text", "gift card payment please", "--sender", "u3")
    assert isinstance(held, dict)
    assert held["action"] == "hold"
    [item] = cli.json("review", "list", "--kind", "hold")  # type: ignore[misc]
    cli("review", "claim", str(item["item_id"]), "--by", "rev")
    cli.json("review", "decide", str(item["item_id"]), "block", "--reason", "Fraud.", "--by", "rev")
    assert cli.json("accounts", "show", "u3")["restriction"] == "restricted_24h"  # type: ignore[index]
    bad = cli("review", "decide", str(item["item_id"]), "deliver", "--reason", "x", code=2)
    assert "already closed" in bad.stderr

    export = cli.json("accounts", "export", "u1")
    assert isinstance(export, dict)
    assert [d["decision_id"] for d in export["decisions"]] == [blocked["decision_id"]]
    statement = export["decisions"][0]["statement_of_reasons"]
    assert statement["ground"].startswith("Unsolicited advertising")
    assert statement["automated_detection"] is True
    assert export["appeals"][0]["status"] == "overturned"
    assert export["strikes"][0]["removed_reason"].startswith("appeal")

    verified = cli.json("audit", "verify")
    assert isinstance(verified, dict)
    assert verified["ok"] is True
    assert verified["checked"] > 10
    events = cli.json("audit", "log", "--subject", "account:u1")
    assert isinstance(events, list)
    assert {e["kind"] for e in events} >= {
        "strike.add",
        "strike.remove",
    }

    with sqlite3.connect(tmp_path / "cli.db") as conn:
        conn.execute("UPDATE audit_events SET actor = 'someone' WHERE seq = 3")
    broken = cli("audit", "verify", code=1)
    assert "BROKEN at event 3" in broken.stdout


def test_bad_input_exits_2(tmp_path: Path) -> None:
    cli = _cli(tmp_path)
    assert "no decision" in cli("appeals", "file", "nope", "--statement", "x", code=2).stderr
    assert "no review item" in cli("review", "claim", "99", code=2).stderr
    cli("appeals", "list", "--status", "maybe", code=2)
    cli("accounts", "show", "", code=2)
