"""``fairgate webhooks`` as a user runs it (a subprocess per command), on both backends."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.test_cli import Cli
from tests.webhooks.receiver import Receiver

from fairgate.store import open_store
from fairgate.webhooks import cursor, verify_signature
from fairgate.webhooks.tx import read


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    cli = Cli(tmp_path)
    cli.env["FAIRGATE_DATABASE_URL"] = db_url
    return cli


def test_add_list_run_deliveries_remove(cli: Cli, receiver: Receiver) -> None:
    added = cli.json("webhooks", "add", receiver.url("/hook"), "--events", "list.changed")
    assert isinstance(added, dict)
    assert added["events"] == ["list.changed"]
    assert added["secret"].startswith("whsec_")
    human = cli("webhooks", "add", receiver.url("/other"), "--events", "decision.made")
    assert "secret (shown once" in human.stdout

    listed = cli.json("webhooks", "list")
    assert isinstance(listed, list)
    assert [e["url"] for e in listed] == [receiver.url("/hook"), receiver.url("/other")]
    assert all("secret" not in e for e in listed)

    cli("lists", "create", "spam-terms", "--type", "text")
    ran = cli.json("webhooks", "run", "--once")
    assert isinstance(ran, dict)
    assert (ran["leased"], ran["enqueued"], ran["delivered"]) == (True, 1, 1)
    (request,) = receiver.requests
    assert request.document["data"]["name"] == "spam-terms"
    header = request.headers["Fairgate-Signature"]
    assert verify_signature(added["secret"], header, request.body, 300)

    delivered = cli.json("webhooks", "deliveries", "--status", "delivered")
    assert isinstance(delivered, list)
    assert [(d["type"], d["attempts"], d["last_status_code"]) for d in delivered] == [
        ("list.changed", 1, 200)
    ]
    assert cli.json("webhooks", "deliveries", "--status", "failed") == []

    removed = cli.json("webhooks", "remove", str(added["endpoint_id"]))
    assert isinstance(removed, dict)
    assert removed["active"] is False
    remaining = cli.json("webhooks", "list")
    assert isinstance(remaining, list)
    assert [e["endpoint_id"] for e in remaining] == [added["endpoint_id"] + 1]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("add", "ftp://example.org/h", "--events", "decision.made"), "http:// or https://"),
        (("add", "https:///path", "--events", "decision.made"), "has no host"),
        (("add", "https://u:p@example.org/", "--events", "decision.made"), "credentials"),
        (("add", "https://example.org:99999/", "--events", "decision.made"), "invalid port"),
        (("add", "https://example.org/", "--events", "decision.made,made.up"), "made.up"),
        (("add", "https://example.org/", "--events", ","), "no event types"),
        (("deliveries", "--status", "lost"), "unknown delivery status 'lost'"),
        (("remove", "42"), "no webhook endpoint 42"),
    ],
)
def test_bad_input_exits_2_with_one_line_reason(
    cli: Cli, args: tuple[str, ...], reason: str
) -> None:
    proc = cli("webhooks", *args, code=2)
    assert reason in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_run_loops_until_sigterm_and_releases_the_lease(
    cli: Cli, receiver: Receiver, db_url: str
) -> None:
    cli("webhooks", "add", receiver.url("/hook"), "--events", "list.changed")
    env = {**cli.env, "FAIRGATE_WEBHOOK_POLL_INTERVAL_S": "0.05"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fairgate", "webhooks", "run", "--json"],
        cwd=cli.cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        started = json.loads(proc.stdout.readline())
        assert started["running"] is True
        cli("lists", "create", "spam-terms", "--type", "text")
        assert receiver.wait_for(1)  # delivered by the running loop, not by us
        assert receiver.requests[0].document["data"]["name"] == "spam-terms"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    with open_store(db_url) as store, read(store.engine) as conn:
        state = cursor.state(conn, "webhooks")
    assert state is not None
    assert state.holder is None
