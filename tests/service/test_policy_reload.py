"""A policy changed on disk is taken up between two calls; a broken one is not."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient
from tests.service.conftest import make_keys

from fairgate.bench.processes import wait_until
from fairgate.service.app import create_app
from fairgate.settings import Settings

POLICY = """
rules:
  - id: spam.ads
    list: spam
    text: "{text}"
"""


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime + bump, stat.st_mtime + bump))


def test_policy_reload_between_calls(db_url: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    _write(policy, POLICY.format(text="No ads."), 0)
    settings = Settings(database_url=db_url, policy_path=policy, feed_poll_interval_s=0.05)
    keys = make_keys(db_url)
    with TestClient(create_app(settings)) as client:
        h = {"Authorization": f"Bearer {keys['reviewer']}"}
        p = {"Authorization": f"Bearer {keys['platform']}"}
        client.post(
            "/v1/lists", headers=h, json={"name": "spam", "type": "text"}
        ).raise_for_status()
        client.post(
            "/v1/lists/spam/entries", headers=h, json={"terms": ["buy now"]}
        ).raise_for_status()

        def rule_text() -> str:
            r = client.post("/v1/screen", headers=p, json={"sender": "u", "text": "buy now"})
            return str(r.json()["reasons"][0]["rule_text"])

        assert rule_text() == "No ads."
        _write(policy, POLICY.format(text="Advertising is not allowed."), 10)
        wait_until(lambda: rule_text() == "Advertising is not allowed.", 10, "policy reloaded")
        _write(policy, "rules: [this is not a rule]\n", 20)
        wait_until(
            lambda: client.get("/readyz").json()["policy"]["reload_error"] is not None,
            10,
            "the broken file is noticed",
        )
        assert rule_text() == "Advertising is not allowed."  # the one in force stays
