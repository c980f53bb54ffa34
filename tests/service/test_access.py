"""Every endpoint names its roles, and the whole endpoint x role matrix holds;
request size and rate limits answer 413 and 429 with a reason."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests.service.conftest import Api, make_keys

from fairgate.service.app import create_app
from fairgate.settings import Settings

P, R, A = "platform", "reviewer", "admin"
OPEN = "open"
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/screen"): {P},
    ("GET", "/v1/decisions/{decision_id}"): {P, R, A},
    ("POST", "/v1/decisions/{decision_id}/appeal"): {P},
    ("GET", "/v1/appeals"): {R, A},
    ("GET", "/v1/appeals/{appeal_id}"): {P, R, A},
    ("POST", "/v1/appeals/{appeal_id}/decision"): {R, A},
    ("GET", "/v1/review"): {R, A},
    ("POST", "/v1/review/{item_id}/claim"): {R, A},
    ("POST", "/v1/review/{item_id}/decision"): {R, A},
    ("GET", "/v1/accounts/{account_id}"): {P, R, A},
    ("GET", "/v1/accounts/{account_id}/export"): {P, R, A},
    ("GET", "/v1/lists"): {R, A},
    ("POST", "/v1/lists"): {R, A},
    ("GET", "/v1/lists/{name}"): {R, A},
    ("GET", "/v1/lists/{name}/entries"): {R, A},
    ("POST", "/v1/lists/{name}/entries"): {R, A},
    ("POST", "/v1/lists/{name}/upload"): {R, A},
    ("POST", "/v1/lists/{name}/entries/{entry_id}/disable"): {R, A},
    ("GET", "/v1/reports"): {R, A},
    ("GET", "/v1/admin/keys"): {A},
    ("POST", "/v1/admin/keys"): {A},
    ("POST", "/v1/admin/keys/{prefix}/revoke"): {A},
    ("GET", "/v1/admin/policy"): {A},
    ("GET", "/healthz"): {OPEN},
    ("GET", "/readyz"): {OPEN},
    ("GET", "/metrics"): {OPEN},
}


def _routes(api: Api) -> set[tuple[str, str]]:
    """Every operation the app serves, as its OpenAPI document lists them."""
    paths = api.app.openapi()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def test_every_route_is_in_the_matrix(api: Api) -> None:
    assert _routes(api) == set(EXPECTED)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_role_matrix(api: Api, method: str, path: str) -> None:
    allowed = EXPECTED[(method, path)]
    url = _concrete(path)
    for role in (None, P, R, A):
        response = api.client.request(method, url, headers=api.headers(role))
        if OPEN in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        elif role is None:
            assert response.status_code == 401, response.text
            assert "API key" in response.json()["detail"]
        elif role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert "needs the role" in response.json()["detail"]


def test_unknown_and_revoked_keys_are_refused(api: Api) -> None:
    bogus = {"Authorization": "Bearer fg_000000000000_" + "x" * 43}
    assert api.client.get("/v1/accounts/u1", headers=bogus).status_code == 401
    prefix = api.keys[P].split("_")[1]
    assert api.post(f"/v1/admin/keys/{prefix}/revoke", A).status_code == 200
    # Revoking clears this worker's key cache: the key stops working at once.
    assert api.get("/v1/accounts/u1", P).status_code == 401


def test_created_keys_work_and_are_shown_once(api: Api) -> None:
    made = api.post("/v1/admin/keys", A, json={"name": "backend", "role": "platform"}).json()
    assert made["key"].startswith("fg_")
    listed = api.get("/v1/admin/keys", A).json()
    assert all("key" not in k and "secret_sha256" not in k for k in listed)
    ok = api.client.get("/v1/accounts/u1", headers={"Authorization": f"Bearer {made['key']}"})
    assert ok.status_code == 200


def test_bodies_over_the_limit_get_413(settings: Settings) -> None:
    small = settings.model_copy(update={"max_request_bytes": 2048})
    keys = make_keys(small.database_url)
    with TestClient(create_app(small)) as client:
        headers = {"Authorization": f"Bearer {keys[P]}"}
        response = client.post(
            "/v1/screen", headers=headers, json={"sender": "u1", "text": "x" * 5000}
        )
        assert response.status_code == 413
        assert "limit is 2048" in response.json()["detail"]

        def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield b"x" * 1000

        streamed = client.post(
            "/v1/screen", headers={**headers, "content-type": "application/json"}, content=chunks()
        )
        assert streamed.status_code == 413


def test_rate_limit_answers_429_with_retry_after(settings: Settings) -> None:
    slow = settings.model_copy(update={"rate_limit_per_second": 1.0, "rate_limit_burst": 3.0})
    keys = make_keys(slow.database_url)
    with TestClient(create_app(slow)) as client:
        headers = {"Authorization": f"Bearer {keys[P]}"}
        codes = [client.get("/v1/accounts/u1", headers=headers).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200]
        assert 429 in codes[3:]
        limited = client.get("/v1/accounts/u1", headers=headers)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert "rate limit" in limited.json()["detail"]
        other = {"Authorization": f"Bearer {keys[R]}"}
        assert client.get("/v1/accounts/u1", headers=other).status_code == 200  # per key


def test_the_docs_table_is_the_matrix() -> None:
    from tests.conftest import ROOT

    page = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (GET|POST) \| `([^`]+)` \| ([a-z, ]+) \|$", page, re.MULTILINE)
    documented = {(m, p): set(r.split(", ")) for m, p, r in rows}
    assert documented == EXPECTED
