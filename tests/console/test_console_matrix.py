"""Every console route declares its role, and the whole console route x visitor matrix
holds: signed out, an API key of each role (not a console credential), and a session
of each console role. Driven from the app's real routes, so a new page or form action
without a declared role, or missing from EXPECTED and docs/console.md, fails here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount
from tests.conftest import ROOT
from tests.console.conftest import PASSWORD, Console, csrf_of

from fairgate.console.web import declared_role

R, A, ANYONE = "reviewer", "admin", "anyone"
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/console"): {ANYONE},
    ("GET", "/console/"): {ANYONE},
    ("GET", "/console/signin"): {ANYONE},
    ("POST", "/console/signin"): {ANYONE},
    ("GET", "/console/static/{path}"): {ANYONE},
    ("POST", "/console/signout"): {R, A},
    ("GET", "/console/queue"): {R, A},
    ("GET", "/console/items/{item_id}"): {R, A},
    ("POST", "/console/items/{item_id}/claim"): {R, A},
    ("POST", "/console/items/{item_id}/decide"): {R, A},
    ("POST", "/console/items/{item_id}/restrict"): {R, A},
    ("GET", "/console/media/{decision_id}/{attachment}"): {R, A},
    ("GET", "/console/lists"): {R, A},
    ("GET", "/console/lists/{name}"): {R, A},
    ("POST", "/console/lists/{name}/entries/{entry_id}/disable"): {R, A},
    ("POST", "/console/lists/{name}/import"): {R, A},
    ("GET", "/console/accounts"): {R, A},
    ("GET", "/console/accounts/{account}"): {R, A},
    ("GET", "/console/audit"): {R, A},
    ("GET", "/console/dashboard"): {R, A},
    ("GET", "/console/users"): {A},
    ("POST", "/console/users"): {A},
}
DECLARED = {ANYONE: {ANYONE}, R: {R, A}, A: {A}}
"""What each role a route declares admits."""
SESSIONS = {R: "rita", A: "ada"}
API_KEY_ROLES = ("platform", "reviewer", "admin")


def _flat_routes(routes: list[Any]) -> list[tuple[Any, str, set[str]]]:
    """(route, effective path, methods) of every route: FastAPI >= 0.16x keeps included
    routers nested (``iter_route_contexts`` walks them), older ones copy their routes."""
    walk = getattr(routing, "iter_route_contexts", None)
    if walk is None:
        return [(r, getattr(r, "path", ""), set(getattr(r, "methods", None) or ())) for r in routes]
    return [(c.original_route, c.path or "", set(c.methods or ())) for c in walk(routes)]


def console_routes(console: Console) -> dict[tuple[str, str], str | None]:
    """Every console operation the app serves (its effective path, router prefixes
    included), with the role its route declares."""
    out: dict[tuple[str, str], str | None] = {}
    for route, path, methods in _flat_routes(console.client.app.routes):  # type: ignore[attr-defined]
        if not path.startswith("/console"):
            continue
        if isinstance(route, APIRoute):
            for method in methods - {"HEAD"}:
                out[(method, path)] = declared_role(route)
        elif isinstance(route, Mount):
            out[("GET", path + "/{path}")] = ANYONE  # static files: CSS and JS
        else:
            out[("?", path)] = None
    return out


def test_every_console_route_declares_its_role_and_is_in_the_matrix(console: Console) -> None:
    routes = console_routes(console)
    undeclared = sorted(k for k, role in routes.items() if role is None)
    assert undeclared == [], f"console routes without a declared role: {undeclared}"
    assert set(routes) == set(EXPECTED)
    for key, role in routes.items():
        assert role is not None
        assert DECLARED[role] == EXPECTED[key], key


def _concrete(path: str) -> str:
    values = {"path": "console.css", "name": "known-abuse", "account": "u1"}
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "1"), path)


def _session(console: Console, role: str) -> tuple[TestClient, str]:
    """A client of its own, signed in as the console user of ``role``; its CSRF token."""
    client = TestClient(console.client.app)
    form = client.get("/console/signin")
    signed = client.post(
        "/console/signin",
        data={"name": SESSIONS[role], "password": PASSWORD, "csrf_token": csrf_of(form.text)},
    )
    assert signed.status_code == 200, signed.text
    return client, csrf_of(client.get("/console/queue").text)


def _ask(client: TestClient, method: str, path: str, csrf: str, headers: dict[str, str]) -> object:
    url = _concrete(path)
    if method == "GET":
        return client.get(url, headers=headers, follow_redirects=False)
    data = {"csrf_token": csrf, "reason": "matrix"}
    if path == "/console/signin":  # its double-submit token comes from the form
        data = {"name": "rita", "password": "wrong", "csrf_token": csrf_of(client.get(url).text)}
    return client.post(url, data=data, headers=headers, follow_redirects=False)


def _sent_to_sign_in(response: object, method: str, path: str) -> bool:
    location = response.headers.get("location", "")  # type: ignore[attr-defined]
    if response.status_code != 303 or not location.startswith("/console/signin?next="):  # type: ignore[attr-defined]
        return False
    # a form action is not returned to after signing in (its GET would be a 405)
    expected = _concrete(path) if method == "GET" else "/console/queue"
    return location == f"/console/signin?next={expected}"


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_console_matrix(console: Console, method: str, path: str) -> None:
    allowed = EXPECTED[(method, path)]
    visitors: list[tuple[str, TestClient, str, dict[str, str]]] = [
        ("signed out", TestClient(console.client.app), "", {})
    ]
    visitors += [
        (f"API key {role}", TestClient(console.client.app), "", console.api(role))
        for role in API_KEY_ROLES
    ]
    for role in (R, A):
        client, csrf = _session(console, role)
        visitors.append((role, client, csrf, {}))
    for who, client, csrf, headers in visitors:
        response = _ask(client, method, path, csrf, headers)
        status = response.status_code  # type: ignore[attr-defined]
        text = response.text  # type: ignore[attr-defined]
        if ANYONE in allowed or who in allowed:
            assert status not in (401, 403) or path == "/console/signin", (who, status, text)
            assert not _sent_to_sign_in(response, method, path), (who, status)
        elif who in (R, A):
            assert status == 403, (who, status, text)
            assert "for admins" in text
        else:  # signed out, or only an API key: the console's sign-in page
            assert _sent_to_sign_in(response, method, path), (who, status, text)


def test_a_signed_out_form_action_is_sent_to_sign_in_and_back_to_the_queue(
    console: Console,
) -> None:
    """Regression: signing in after a signed-out POST went 'back' to the form action's
    URL, whose GET is a 405."""
    response = console.client.post(
        "/console/items/1/claim", data={"csrf_token": "x"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/signin?next=/console/queue"
    page = console.client.get(response.headers["location"])
    signed = console.client.post(
        "/console/signin",
        data={
            "name": "rita",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/console/queue",
        },
    )
    assert signed.status_code == 200
    assert signed.url.path == "/console/queue"


def test_an_api_key_is_not_a_console_session(console: Console) -> None:
    """API keys sign nothing in: with only a key (even admin's) every console page
    but sign-in answers with the sign-in redirect, and the API still takes the key."""
    key = console.keys["admin"]
    for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        page = console.client.get("/console/users", headers=headers, follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/console/signin?next=/console/users"
        assert console.client.get("/v1/admin/keys", headers=headers).status_code == 200


def test_a_route_that_declares_no_role_is_refused_to_everyone(console: Console) -> None:
    from fastapi import APIRouter, Depends
    from fastapi.responses import PlainTextResponse

    from fairgate.console.web import enforce_role

    extra = APIRouter(prefix="/console", dependencies=[Depends(enforce_role)])

    @extra.get("/forgotten")
    def forgotten() -> PlainTextResponse:
        return PlainTextResponse("secret")

    app = console.client.app
    app.include_router(extra)  # type: ignore[attr-defined]
    assert console_routes(console)[("GET", "/console/forgotten")] is None
    admin, _ = _session(console, A)
    response = admin.get("/console/forgotten")
    assert response.status_code == 403
    assert "declares no role" in response.text
    assert "secret" not in response.text


def test_the_docs_table_is_the_console_matrix() -> None:
    page = (ROOT / "docs" / "console.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (GET|POST) \| `(/console[^`]*)` \| ([a-z, ]+) \|$", page, re.MULTILINE)
    documented = {(m, p): set(r.split(", ")) for m, p, r in rows}
    assert documented == EXPECTED
