"""Console fixtures: an app with a hold-then-block image policy, users, signed-in clients."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from tests.conftest import shared_file
from tests.service.conftest import make_keys

from fairgate.console.users import create_user
from fairgate.service.app import create_app
from fairgate.settings import Settings
from fairgate.store import open_store

BRIDGE = "pdq-reference/images/reg-test-input/dih/bridge-1-original.jpg"
PASSWORD = "correct horse battery"
POLICY = """
version: 1
rules:
  - id: review.suspect-image
    list: suspect-images
    action: hold
    text: "Images like this one are checked by a person before delivery."
  - id: abuse.known-image
    list: known-abuse
    strike_points: 1
    text: "This image matches one that reviewers confirmed as abusive."
  - id: scam.fraud
    list: scam-terms
    action: hold
    text: "Messages that look like fraud are checked by a person before delivery."
"""


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def resized(path: Path, factor: float = 0.6) -> bytes:
    with Image.open(path) as image:
        small = image.convert("RGB").resize((int(image.width * factor), int(image.height * factor)))
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=85)
    return out.getvalue()


@dataclass
class Console:
    client: TestClient
    keys: dict[str, str]
    settings: Settings

    def sign_in(self, name: str, password: str = PASSWORD) -> str:
        """Sign in; the session's CSRF token."""
        form = self.client.get("/console/signin")
        response = self.client.post(
            "/console/signin",
            data={"name": name, "password": password, "csrf_token": csrf_of(form.text)},
        )
        assert response.status_code == 200, response.text
        return csrf_of(self.client.get("/console/queue").text)

    def api(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


@pytest.fixture
def console_settings(db_url: str, tmp_path: Path) -> Settings:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    return Settings(database_url=db_url, policy_path=policy, feed_poll_interval_s=0.05)


def seed(settings: Settings) -> None:
    """Two image lists (hold: the bridge photo; block: empty) and two users."""
    from fairgate.engine import Engine
    from fairgate.types import ListAction, ListType

    with Engine.open(settings=settings) as engine:
        engine.lists.create("suspect-images", ListType.IMAGE, action=ListAction.HOLD, by="test")
        engine.lists.create("known-abuse", ListType.IMAGE, action=ListAction.BLOCK, by="test")
        engine.lists.add_files("suspect-images", [shared_file(BRIDGE)], by="test", note="seed")
        engine.lists.create("scam-terms", ListType.TEXT, action=ListAction.HOLD, by="test")
        engine.lists.add_terms("scam-terms", ["gift card"], by="test", note="scam seed")
    with open_store(settings.database_url) as store:
        now = datetime.now(UTC)
        create_user(store.engine, "rita", "reviewer", PASSWORD, by="test", now=now)
        create_user(store.engine, "ada", "admin", PASSWORD, by="test", now=now)


@pytest.fixture
def console(console_settings: Settings) -> Iterator[Console]:
    keys = make_keys(console_settings.database_url)
    seed(console_settings)
    with TestClient(create_app(console_settings)) as client:
        yield Console(client, keys, console_settings)
