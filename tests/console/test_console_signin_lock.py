"""Sign-ins are audited, and repeated wrong passwords lock the name (429, the
password not checked) until the window passes — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.console.conftest import PASSWORD, csrf_of, seed
from tests.service.conftest import make_keys

from fairgate.service.app import create_app
from fairgate.settings import Settings
from fairgate.store import audit_log, open_store


def _try(client: TestClient, name: str, password: str) -> int:
    form = client.get("/console/signin")
    response = client.post(
        "/console/signin",
        data={"name": name, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    return response.status_code


def test_wrong_passwords_lock_the_name_until_the_window_passes(
    console_settings: Settings,
) -> None:
    make_keys(console_settings.database_url)
    seed(console_settings)
    settings = console_settings.model_copy(
        update={"console_signin_max_failures": 3, "console_signin_lock_minutes": 10.0}
    )
    now = [datetime.now(UTC)]
    with TestClient(create_app(settings, clock=lambda: now[0])) as client:
        assert [_try(client, "rita", "guess") for _ in range(3)] == [401, 401, 401]
        # Locked: even the right password is refused, without being checked.
        form = client.get("/console/signin")
        locked = client.post(
            "/console/signin",
            data={"name": "rita", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert locked.status_code == 429
        assert "Too many wrong sign-ins" in locked.text
        assert int(locked.headers["retry-after"]) > 0
        # Another name is not affected.
        assert _try(client, "ada", PASSWORD) == 303
        now[0] += timedelta(minutes=11)
        assert _try(client, "rita", PASSWORD) == 303
        # The right sign-in ended the run: two more failures do not lock again.
        assert [_try(client, "rita", "guess") for _ in range(2)] == [401, 401]
        assert _try(client, "rita", PASSWORD) == 303
    with open_store(settings.database_url) as store:
        events = list(audit_log.events(store.engine, subject="console-user:rita"))
        kinds = [e.kind for e in events]
        # The refused-while-locked attempt is not recorded.
        assert kinds == [
            *["console.signin_fail"] * 3,
            "console.signin",
            *["console.signin_fail"] * 2,
            "console.signin",
        ]
        assert all(PASSWORD not in e.payload_json and "guess" not in e.payload_json for e in events)
        assert audit_log.verify_database(store.engine).ok


def test_an_unknown_name_is_audited_and_locked_like_a_known_one(
    console_settings: Settings,
) -> None:
    seed(console_settings)
    settings = console_settings.model_copy(update={"console_signin_max_failures": 2})
    with TestClient(create_app(settings)) as client:
        assert [_try(client, "mallory", "x") for _ in range(3)] == [401, 401, 429]
    with open_store(settings.database_url) as store:
        kinds = [e.kind for e in audit_log.events(store.engine, subject="console-user:mallory")]
    assert kinds == ["console.signin_fail", "console.signin_fail"]
