"""The HTTP API end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image
from tests.conftest import shared_file
from tests.service.conftest import Api

BRIDGE = "pdq-reference/images/reg-test-input/dih/bridge-1-original.jpg"


def _jpeg(scale: float = 1.0) -> bytes:
    img = Image.open(shared_file(BRIDGE)).convert("RGB")
    img = img.resize((int(img.width * scale), int(img.height * scale)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_health_and_readiness(api: Api) -> None:
    assert api.get("/healthz", None).json() == {"status": "ok"}
    ready = api.get("/readyz", None)
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert ready.json()["feed"]["kind"] == "polling"


def test_screen_text_and_the_full_appeal_cycle(api: Api, spam_list: None) -> None:
    decision = api.post("/v1/screen", json={"sender": "u1", "text": "CHEAP pills today"}).json()
    assert decision["action"] == "block"
    assert decision["reasons"][0]["evidence"]["matched"] == "CHEAP pills"
    assert decision["notice"]["decision_id"] == decision["decision_id"]
    assert decision["account"]["strike_points"] == 1

    fetched = api.get(f"/v1/decisions/{decision['decision_id']}").json()
    assert fetched["action"] == "block"
    assert fetched["appeal"] is None

    filed = api.post(
        f"/v1/decisions/{decision['decision_id']}/appeal",
        json={"statement": "A quote.", "account_id": "u1"},
    )
    assert filed.status_code == 201, filed.text
    twice = api.post(f"/v1/decisions/{decision['decision_id']}/appeal", json={"statement": "Again"})
    assert twice.status_code == 409
    assert "already been appealed" in twice.json()["detail"]
    other = api.post(
        f"/v1/decisions/{decision['decision_id']}/appeal",
        json={"statement": "Hi", "account_id": "u2"},
    )
    assert other.status_code == 403

    [item] = api.get("/v1/review", "reviewer").json()
    assert item["kind"] == "appeal"
    assert api.post(f"/v1/review/{item['item_id']}/claim", "reviewer").status_code == 200
    decided = api.post(
        f"/v1/appeals/{filed.json()['appeal_id']}/decision",
        "reviewer",
        json={"outcome": "overturn", "reason": "Quoted."},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["appeal"]["status"] == "overturned"
    account = api.get("/v1/accounts/u1").json()
    assert account["strike_points"] == 0
    export = api.get("/v1/accounts/u1/export").json()
    assert export["decisions"][0]["statement_of_reasons"]["automated_detection"] is True
    assert api.get(f"/v1/decisions/{decision['decision_id']}").json()["appeal"]["status"] == (
        "overturned"
    )


def test_mark_an_image_then_a_resized_copy_is_blocked_by_json_and_multipart(api: Api) -> None:
    created = api.post("/v1/lists", "reviewer", json={"name": "known-abuse", "type": "image"})
    assert created.status_code == 201
    original = base64.b64encode(_jpeg()).decode()
    added = api.post(
        "/v1/lists/known-abuse/entries", "reviewer", json={"files": [{"content_base64": original}]}
    )
    assert added.status_code == 201, added.text
    assert {a["signal_type"] for a in added.json()["added"]} == {
        "sha256",
        "md5",
        "pdq",
        "ncc",
        "orb",
    }
    copy = _jpeg(0.5)
    as_json = api.post(
        "/v1/screen",
        json={"sender": "s1", "attachments": [{"content_base64": base64.b64encode(copy).decode()}]},
    ).json()
    assert as_json["action"] == "block"
    assert as_json["notice"]["what"] == "image 1 of your message"
    multipart = api.post(
        "/v1/screen",
        data={"sender": "s2", "kind": "chat"},
        files=[("attachments", ("copy.jpg", copy, "image/jpeg"))],
    ).json()
    assert multipart["action"] == "block"
    assert multipart["reasons"][0]["signal"] == "pdq"


def test_lists_browse_page_search_and_disable(api: Api, spam_list: None) -> None:
    api.post(
        "/v1/lists/spam-terms/entries",
        "reviewer",
        json={"terms": [f"word{i}" for i in range(5)], "note": "wave 2"},
    )
    first = api.get("/v1/lists/spam-terms/entries?limit=2", "reviewer").json()
    assert len(first["entries"]) == 2
    assert first["next_after"] == first["entries"][-1]["entry_id"]
    rest = api.get(
        f"/v1/lists/spam-terms/entries?after={first['next_after']}&limit=10", "reviewer"
    ).json()
    assert len(rest["entries"]) == 4
    assert rest["next_after"] is None
    found = api.get("/v1/lists/spam-terms/entries?q=WAVE", "reviewer").json()
    assert len(found["entries"]) == 5
    target = first["entries"][0]["entry_id"]
    off = api.post(
        f"/v1/lists/spam-terms/entries/{target}/disable",
        "reviewer",
        json={"reason": "false positive"},
    )
    assert off.status_code == 200
    assert off.json()["active"] is False
    assert (
        api.post("/v1/screen", json={"sender": "u9", "text": "cheap pills"}).json()["action"]
        == "deliver"
    )
    lists = api.get("/v1/lists", "reviewer").json()
    assert lists[0]["active_entries"] == 5


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"sender": "u1", "attachments": [{"content_base64": "not base64!!"}]}, 400, "base64"),
        ({"sender": "u1", "kind": "email"}, 400, "kind"),
        ({"text": "no sender"}, 400, "sender"),
        ({"sender": "u1", "text": 5}, 400, "text"),
        (
            {
                "sender": "u1",
                "attachments": [{"content_base64": base64.b64encode(b"GIF89a").decode()}],
            },
            422,
            "attachment",
        ),
    ],
)
def test_bad_screen_requests_get_a_reason(
    api: Api, body: dict[str, object], status: int, reason: str
) -> None:
    response = api.post("/v1/screen", json=body)
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"]


def test_bad_json_and_content_types(api: Api) -> None:
    json_headers = {**api.headers("platform"), "content-type": "application/json"}
    broken = api.client.post("/v1/screen", content=b"{not json", headers=json_headers)
    assert broken.status_code == 400
    deep = b'{"sender":' + b"[" * 5000 + b"]" * 5000 + b"}"
    nested = api.client.post("/v1/screen", content=deep, headers=json_headers)
    assert nested.status_code == 400
    xml = api.client.post(
        "/v1/screen",
        content=b"<a/>",
        headers={**api.headers("platform"), "content-type": "text/xml"},
    )
    assert xml.status_code == 415


def test_metrics_count_requests_and_decisions(api: Api, spam_list: None) -> None:
    api.post("/v1/screen", json={"sender": "u1", "text": "cheap pills"})
    text = api.get("/metrics", None).text
    assert 'fairgate_decisions_total{action="block",rule="spam.advertising"} 1.0' in text
    assert 'fairgate_http_requests_total{method="POST",route="/v1/screen",status="200"}' in text
    assert "fairgate_feed_lag_changes 0.0" in text
    assert 'fairgate_index_entries{signal_type="pdq"}' in text
    calls = re.search(r"^fairgate_write_calls ([\d.]+)$", text, re.M)
    transactions = re.search(r"^fairgate_write_transactions ([\d.]+)$", text, re.M)
    assert calls is not None
    assert transactions is not None
    assert float(calls.group(1)) >= 1  # the screen call above
    assert 1 <= float(transactions.group(1)) <= float(calls.group(1))


def test_openapi_document_has_every_route_with_examples(api: Api) -> None:
    doc = api.get("/openapi.json", None).json()
    assert "/v1/screen" in doc["paths"]
    body = doc["paths"]["/v1/screen"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    assert doc["paths"]["/v1/screen"]["post"]["responses"]["200"]["content"]["application/json"][
        "example"
    ]


def test_pre_hashed_attachments_are_matched_without_their_bytes(api: Api) -> None:
    api.post("/v1/lists", "reviewer", json={"name": "known-abuse", "type": "image"})
    original = base64.b64encode(_jpeg()).decode()
    added = api.post(
        "/v1/lists/known-abuse/entries", "reviewer", json={"files": [{"content_base64": original}]}
    ).json()["added"]
    pdq = next(a["value"] for a in added if a["signal_type"] == "pdq")
    near = format(int(pdq, 16) ^ 0b1011, "064x")  # 3 bits away
    decision = api.post(
        "/v1/screen", json={"sender": "s1", "attachments": [{"hashes": {"pdq": near}}]}
    ).json()
    assert decision["action"] == "block"
    assert decision["reasons"][0]["evidence"]["distance"] == 3
    unknown = api.post(
        "/v1/screen", json={"sender": "s1", "attachments": [{"hashes": {"photodna": "x"}}]}
    )
    assert unknown.status_code == 400
    assert "unknown signal type" in unknown.json()["detail"]
    bad = api.post("/v1/screen", json={"sender": "s1", "attachments": [{"hashes": {"pdq": "zz"}}]})
    assert bad.status_code == 400
    empty = api.post("/v1/screen", json={"sender": "s1", "attachments": [{}]})
    assert empty.status_code == 400
    assert "content_base64 or hashes" in empty.json()["detail"]


def test_screen_is_served_in_front_of_fastapis_router_by_the_documented_function(
    api: Api,
) -> None:
    """The busiest route skips FastAPI's routing (routers/screen.py): the first
    route serves it, with the very function the OpenAPI document describes;
    other methods still get 405."""
    from fastapi.routing import APIRoute
    from starlette.routing import Match

    from fairgate.service.routers import screen

    first = api.app.router.routes[0]
    assert first.matches({"type": "http", "path": "/v1/screen", "method": "POST"})[0] is Match.FULL
    documented = [
        r for r in screen.router.routes if isinstance(r, APIRoute) and r.path == "/v1/screen"
    ]
    assert [r.endpoint for r in documented] == [screen.screen]
    assert getattr(first, "endpoint", None) is screen.screen
    assert api.client.get("/v1/screen", headers=api.headers("platform")).status_code == 405
