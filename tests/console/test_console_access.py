"""Who may see what: sign-in, sessions, roles, CSRF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from tests.console.conftest import PASSWORD, Console, csrf_of, seed
from tests.service.conftest import make_keys

from fairgate.service.app import create_app
from fairgate.settings import Settings

PAGES = [
    "/console/queue",
    "/console/lists",
    "/console/audit",
    "/console/dashboard",
    "/console/accounts/u1",
    "/console/users",
    "/console/items/1",
]


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_visitor_is_sent_to_sign_in(console: Console, path: str) -> None:
    response = console.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/signin?next=")
    assert console.client.get(path).url.path == "/console/signin"


def test_sign_in_returns_to_the_page_asked_for(console: Console) -> None:
    page = console.client.get("/console/audit")
    response = console.client.post(
        "/console/signin",
        data={
            "name": "rita",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/console/audit",
        },
    )
    assert response.url.path == "/console/audit"
    assert "Audit log" in response.text


def test_wrong_password_gives_no_session(console: Console) -> None:
    page = console.client.get("/console/signin")
    response = console.client.post(
        "/console/signin",
        data={"name": "rita", "password": "not the password", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "Wrong name or password" in response.text
    assert "fg_session" not in console.client.cookies
    assert console.client.get("/console/queue").url.path == "/console/signin"


def test_reviewer_cannot_reach_admin_pages(console: Console) -> None:
    csrf = console.sign_in("rita")
    assert console.client.get("/console/users").status_code == 403
    created = console.client.post(
        "/console/users",
        data={"csrf_token": csrf, "name": "mallory", "role": "admin", "password": "x" * 12},
    )
    assert created.status_code == 403
    assert "Users" not in console.client.get("/console/queue").text.split("<main")[0]


def test_admin_creates_a_user_who_can_sign_in(console: Console) -> None:
    csrf = console.sign_in("ada")
    page = console.client.get("/console/users")
    assert page.status_code == 200
    assert "rita" in page.text
    console.client.post(
        "/console/users",
        data={"csrf_token": csrf, "name": "sam", "role": "reviewer", "password": "s" * 12},
    )
    assert "sam" in console.client.get("/console/users").text
    console.client.post("/console/signout", data={"csrf_token": csrf})
    console.sign_in("sam", "s" * 12)
    assert console.client.get("/console/users").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/console/items/1/claim",
        "/console/items/1/decide",
        "/console/items/1/restrict",
        "/console/lists/known-abuse/entries/1/disable",
        "/console/signout",
        "/console/users",
    ],
)
def test_a_form_without_the_csrf_token_is_refused(console: Console, path: str) -> None:
    csrf = console.sign_in("ada")
    assert console.client.post(path, data={"reason": "x"}).status_code == 403
    wrong = console.client.post(path, data={"reason": "x", "csrf_token": csrf[::-1]})
    assert wrong.status_code == 403
    assert console.client.get("/console/queue").status_code == 200  # still signed in


def test_sign_in_without_its_csrf_token_is_refused(console: Console) -> None:
    console.client.get("/console/signin")
    response = console.client.post("/console/signin", data={"name": "rita", "password": PASSWORD})
    assert response.status_code == 403
    assert "fg_session" not in console.client.cookies


def test_sign_out_ends_the_session_on_the_server(console: Console) -> None:
    csrf = console.sign_in("rita")
    token = console.client.cookies["fg_session"]
    console.client.post("/console/signout", data={"csrf_token": csrf})
    console.client.cookies.set("fg_session", token, path="/console")
    assert console.client.get("/console/queue").url.path == "/console/signin"


def test_a_session_ends_after_its_lifetime(console_settings: Settings) -> None:
    make_keys(console_settings.database_url)
    seed(console_settings)
    now = [datetime.now(UTC)]
    settings = console_settings.model_copy(update={"console_session_hours": 2.0})
    with TestClient(create_app(settings, clock=lambda: now[0])) as client:
        console = Console(client, {}, settings)
        console.sign_in("rita")
        now[0] += timedelta(hours=1.9)
        assert client.get("/console/queue").url.path == "/console/queue"
        now[0] += timedelta(hours=0.2)
        assert client.get("/console/queue").url.path == "/console/signin"


def test_unknown_item_and_list_are_404_pages(console: Console) -> None:
    console.sign_in("rita")
    for path in ("/console/items/999", "/console/lists/no-such-list"):
        response = console.client.get(path)
        assert response.status_code == 404
        assert "<h1>Not found</h1>" in response.text


def test_pages_are_sent_with_a_strict_content_security_policy(console: Console) -> None:
    console.sign_in("rita")
    headers = console.client.get("/console/queue").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    cookie = console.client.get("/console/signin").headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()
