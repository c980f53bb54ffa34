"""Privacy and access: no URL in a request is ever fetched, secrets never reach
the logs, and what is stored about an attachment is hashes, not content."""

from __future__ import annotations

import base64
import io
import logging
import re
import socket
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from tests.service.conftest import Api

from fairgate.store import tables as t

URLS = "see http://169.254.169.254/latest/meta-data/ and https://example.com/x.jpg"


def test_urls_in_a_message_are_never_fetched(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("no outbound connections in this test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    body = {
        "sender": "u1",
        "text": URLS,
        "attachments": [
            {
                "hashes": {"sha256": "0" * 64},
                "filename": "http://10.0.0.1/admin",
                "content_type": "text/uri-list",
            }
        ],
    }
    response = api.post("/v1/screen", json=body)
    assert response.status_code == 200
    assert attempts == []


def test_secrets_never_reach_the_logs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    made = api.post("/v1/admin/keys", "admin", json={"name": "backend", "role": "platform"}).json()
    hook = api.post("/v1/screen", "platform", json={"sender": "u1", "text": "x"})  # a normal call
    assert hook.status_code == 200
    bad = api.client.get("/v1/accounts/u1", headers={"Authorization": f"Bearer {made['key']}x"})
    assert bad.status_code == 401
    text = caplog.text
    for secret in (*api.keys.values(), made["key"], made["key"] + "x"):
        assert secret not in text
    assert made["key"] not in bad.text


def test_only_hashes_of_attachments_are_stored(api: Api) -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, "JPEG", comment=b"secret-looking-bytes")
    data = out.getvalue()
    r = api.post(
        "/v1/screen",
        json={"sender": "u", "attachments": [{"content_base64": base64.b64encode(data).decode()}]},
    )
    assert r.status_code == 200
    with api.app.state.fairgate.engine.store.engine.connect() as conn:
        payloads = conn.execute(select(t.decisions.c.payload)).scalars().all()
        values = conn.execute(select(t.decision_signals.c.value)).scalars().all()
    assert payloads
    assert all("secret-looking-bytes" not in p for p in payloads)
    assert values
    # md5/sha256/PDQ hex, and the keys of the orb and ncc signals: a sha256 prefix,
    # never the keypoints or the thumbnail's pixels
    hashes = re.compile(r"((orb|ncc)1q:)?[0-9a-f]{32}([0-9a-f]{32})?")
    assert all(hashes.fullmatch(v) for v in values), values
    assert any(v.startswith("orb1q:") for v in values)
    assert any(v.startswith("ncc1q:") for v in values)
