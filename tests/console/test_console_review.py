"""The queue, the item view and its actions, held media, lists, audit, dashboard."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from PIL import Image
from tests.conftest import shared_file
from tests.console.conftest import BRIDGE, Console, resized, seed
from tests.service.conftest import make_keys

from fairgate.console import media
from fairgate.service.app import create_app
from fairgate.settings import Settings
from fairgate.store import audit_log, open_store


def screen(console: Console, data: bytes, sender: str = "u1") -> dict[str, object]:
    response = console.client.post(
        "/v1/screen",
        headers=console.api("platform"),
        data={"sender": sender},
        files=[("attachments", ("photo.jpg", data, "image/jpeg"))],
    )
    assert response.status_code == 200, response.text
    decision: dict[str, object] = response.json()
    return decision


def item_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/console/items/(\d+)"', html)]


def test_held_image_to_blocked_copy_to_overturn(console: Console) -> None:
    original = shared_file(BRIDGE).read_bytes()
    held = screen(console, original)
    assert held["action"] == "hold"
    csrf = console.sign_in("rita")
    queue = console.client.get("/console/queue?kind=hold").text
    [item] = item_ids(queue)
    page = console.client.get(f"/console/items/{item}").text
    assert "review.suspect-image" in page
    assert "checked by a person before delivery" in page  # the rule text
    blurred = console.client.get(f"/console/media/{held['decision_id']}/0")
    revealed = console.client.get(f"/console/media/{held['decision_id']}/0?reveal=1")
    assert blurred.headers["content-type"] == revealed.headers["content-type"] == "image/png"
    grey = Image.open(io.BytesIO(blurred.content))
    assert grey.mode == "L"
    assert Image.open(io.BytesIO(revealed.content)).mode == "RGB"

    marked = console.client.post(
        f"/console/items/{item}/restrict",
        data={"csrf_token": csrf, "list": "known-abuse", "note": "confirmed abuse"},
    )
    assert "Added to known-abuse" in marked.text
    entries = console.client.get("/console/lists/known-abuse?q=rita").text
    assert "console:rita" in entries
    assert "confirmed abuse" in entries

    copy = screen(console, resized(shared_file(BRIDGE)))
    assert copy["action"] == "block"
    reasons = copy["reasons"]
    assert isinstance(reasons, list)
    assert any(r["list"] == "known-abuse" and r["evidence"]["distance"] > 0 for r in reasons)

    filed = console.client.post(
        f"/v1/decisions/{copy['decision_id']}/appeal",
        headers=console.api("platform"),
        json={"statement": "this is my own holiday photo", "account_id": "u1"},
    )
    assert filed.status_code in (200, 201), filed.text
    queue = console.client.get("/console/queue?kind=appeal").text
    [appeal_item] = item_ids(queue)
    page = console.client.get(f"/console/items/{appeal_item}").text
    assert "this is my own holiday photo" in page
    assert f"/console/media/{copy['decision_id']}/0" in page  # the blocked copy is shown

    decided = console.client.post(
        f"/console/items/{appeal_item}/decide",
        data={
            "csrf_token": csrf,
            "outcome": "overturn",
            "reason": "own photo",
            "disable_entries": "1",
        },
    )
    assert "Decided: overturn; entries disabled" in decided.text
    assert screen(console, resized(shared_file(BRIDGE)))["action"] == "deliver"


def test_claimed_items_are_hidden_from_other_reviewers(console: Console) -> None:
    screen(console, shared_file(BRIDGE).read_bytes())
    with open_store(console.settings.database_url) as store:
        from fairgate.console.users import create_user

        create_user(store.engine, "sam", "reviewer", "s" * 12, by="t", now=datetime.now(UTC))
    csrf = console.sign_in("rita")
    [item] = item_ids(console.client.get("/console/queue").text)
    claimed = console.client.post(f"/console/items/{item}/claim", data={"csrf_token": csrf})
    assert "Claimed" in claimed.text
    console.client.post("/console/signout", data={"csrf_token": csrf})
    csrf = console.sign_in("sam", "s" * 12)
    assert item_ids(console.client.get("/console/queue").text) == []
    refused = console.client.post(
        f"/console/items/{item}/decide",
        data={"csrf_token": csrf, "outcome": "deliver", "reason": "looks fine"},
    )
    assert "claimed by console:rita" in refused.text


def test_queue_filters_by_list_rule_and_age(console: Console) -> None:
    screen(console, shared_file(BRIDGE).read_bytes())
    console.sign_in("rita")
    assert len(item_ids(console.client.get("/console/queue?list=suspect-images").text)) == 1
    assert item_ids(console.client.get("/console/queue?list=known-abuse").text) == []
    assert item_ids(console.client.get("/console/queue?rule=abuse.known-image").text) == []
    assert item_ids(console.client.get("/console/queue?older_than_hours=1").text) == []
    bad = console.client.get("/console/queue?older_than_hours=soon")
    assert "age must be a number" in bad.text


def test_only_attachments_of_matched_messages_are_kept(console: Console) -> None:
    other = shared_file("pdq-reference/images/reg-test-input/labelme-subset/q0122.jpg")
    delivered = screen(console, other.read_bytes())
    assert delivered["action"] == "deliver"
    held = screen(console, shared_file(BRIDGE).read_bytes())
    with open_store(console.settings.database_url) as store:
        assert media.held_for(store.engine, str(delivered["decision_id"])) == []
        [kept] = media.held_for(store.engine, str(held["decision_id"]))
    assert kept.data == shared_file(BRIDGE).read_bytes()


def test_held_media_older_than_the_retention_is_deleted(console_settings: Settings) -> None:
    keys = make_keys(console_settings.database_url)
    seed(console_settings)
    now = [datetime.now(UTC)]
    settings = console_settings.model_copy(update={"console_media_retention_days": 2.0})
    with TestClient(create_app(settings, clock=lambda: now[0])) as client:
        console = Console(client, keys, settings)
        first = screen(console, shared_file(BRIDGE).read_bytes())
        now[0] += timedelta(days=3)
        second = screen(console, shared_file(BRIDGE).read_bytes(), sender="u2")
    with open_store(settings.database_url) as store:
        since = media.retained_since(now[0], settings)
        # Past its retention an image is never shown, even before it is deleted...
        assert media.held_for(store.engine, str(first["decision_id"]), since=since) == []
        assert len(media.held_for(store.engine, str(first["decision_id"]))) == 1
        # ...and `fairgate retention purge` deletes it (audited), not the newer one.
        assert media.purge(store, settings, now[0]) == 1
        assert media.held_for(store.engine, str(first["decision_id"])) == []
        assert len(media.held_for(store.engine, str(second["decision_id"]))) == 1
        assert media.purge(store, settings, now[0]) == 0
        assert audit_log.verify_database(store.engine).ok
        kinds = [e.subject for e in audit_log.events(store.engine, kind="retention.purge")]
        assert kinds == ["held_media"]


def test_lists_page_search_paging_disable_and_import(console: Console) -> None:
    csrf = console.sign_in("rita")
    hashes = [f"{i:064x}" for i in range(1, 4)]
    imported = console.client.post(
        "/console/lists/known-abuse/import",
        data={"csrf_token": csrf},
        files={"file": ("hmas.txt", "\n".join([*hashes, "not a hash"]).encode(), "text/plain")},
    )
    assert "4 lines read, 3 added, 0 duplicates, 1 rejected" in imported.text
    page = console.client.get(f"/console/lists/known-abuse?q={hashes[1][-6:]}").text
    assert page.count('id="entry-') == 1
    [entry] = re.findall(r'id="entry-(\d+)"', page)
    disabled = console.client.post(
        f"/console/lists/known-abuse/entries/{entry}/disable",
        data={"csrf_token": csrf, "reason": "false positive"},
    )
    assert f"Entry {entry} disabled" in disabled.text
    assert "disabled by console:rita: false positive" in disabled.text
    no_reason = console.client.post(
        f"/console/lists/known-abuse/entries/{entry}/disable", data={"csrf_token": csrf}
    )
    assert "a reason is required" in no_reason.text


def test_list_pages_follow_on(console_settings: Settings) -> None:
    make_keys(console_settings.database_url)
    seed(console_settings)
    settings = console_settings.model_copy(update={"console_page_size": 2})
    with TestClient(create_app(settings)) as client:
        console = Console(client, {}, settings)
        csrf = console.sign_in("rita")
        client.post(
            "/console/lists/known-abuse/import",
            data={"csrf_token": csrf},
            files={"file": ("h.txt", "\n".join(f"{i:064x}" for i in range(1, 6)).encode())},
        )
        seen: list[str] = []
        url = "/console/lists/known-abuse"
        while url:
            page = client.get(url).text
            seen += re.findall(r'id="entry-(\d+)"', page)
            nxt = re.search(r'rel="next" href="([^"]+)"', page)
            url = nxt.group(1).replace("&amp;", "&") if nxt else ""
        assert len(seen) == len(set(seen)) == 5


def test_audit_dashboard_and_account_pages(console: Console) -> None:
    screen(console, shared_file(BRIDGE).read_bytes())
    console.sign_in("rita")
    audit = console.client.get("/console/audit").text
    assert "Chain verified" in audit
    assert "decision" in audit
    dashboard = console.client.get("/console/dashboard").text
    assert dashboard.count("<svg") == 4
    assert "1 decisions: 0 deliver, 1 hold, 0 block" in dashboard
    assert 'id="feed-lag">0 changes' in dashboard
    account = console.client.get("/console/accounts/u1").text
    assert "review.suspect-image" in account
    assert "hold #" in account
    found = console.client.get("/console/accounts?account=u1", follow_redirects=False)
    assert found.headers["location"] == "/console/accounts/u1"
    # An id's "/", "?", "#" and ".." stay inside the one path segment of the account.
    odd = console.client.get(
        "/console/accounts", params={"account": "../users?x#y"}, follow_redirects=False
    )
    assert odd.status_code == 303
    assert odd.headers["location"] == "/console/accounts/..%2Fusers%3Fx%23y"


def test_a_held_text_shows_what_matched_and_in_which_form(console: Console) -> None:
    response = console.client.post(
        "/v1/screen",
        headers=console.api("platform"),
        json={"sender": "u3", "text": "pay the fee with a G1FT CARD today"},
    )
    assert response.json()["action"] == "hold"
    console.sign_in("rita")
    [item] = item_ids(console.client.get("/console/queue?rule=scam.fraud").text)
    page = console.client.get(f"/console/items/{item}").text
    assert "<mark>G1FT CARD</mark>" in page
    assert "Form that matched" in page
    assert "No image is stored" in page
    assert "Mark restricted" not in page  # nothing to add to an image list


def test_an_image_past_its_retention_is_not_shown(console_settings: Settings) -> None:
    keys = make_keys(console_settings.database_url)
    seed(console_settings)
    now = [datetime.now(UTC)]
    settings = console_settings.model_copy(
        update={"console_media_retention_days": 2.0, "console_session_hours": 24 * 30.0}
    )
    with TestClient(create_app(settings, clock=lambda: now[0])) as client:
        console = Console(client, keys, settings)
        held = screen(console, shared_file(BRIDGE).read_bytes())
        console.sign_in("rita")
        [item] = item_ids(client.get("/console/queue").text)
        assert client.get(f"/console/media/{held['decision_id']}/0").status_code == 200
        now[0] += timedelta(days=3)
        assert client.get(f"/console/media/{held['decision_id']}/0").status_code == 404
        assert "No image is stored" in client.get(f"/console/items/{item}").text


def test_the_item_page_names_the_frame_of_an_animation(console: Console) -> None:
    bridge = Image.open(shared_file(BRIDGE)).convert("RGB").resize((320, 240))
    frames = [Image.effect_noise((320, 240), 80).convert("RGB") for _ in range(4)]
    frames[2] = bridge
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    held = screen(console, out.getvalue())
    assert held["action"] == "hold"
    console.sign_in("rita")
    [item] = item_ids(console.client.get("/console/queue?kind=hold").text)
    page = console.client.get(f"/console/items/{item}").text
    assert re.search(r'<dd class="frame">2 of the animation', page)
    assert "frame:2:" in page  # the variant that matched
