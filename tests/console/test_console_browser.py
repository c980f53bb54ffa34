"""The reviewers' journey in a real browser (Playwright driving Debian's Chromium):
sign in -> a held image is in the queue -> reveal -> mark restricted -> a resized
copy screened through the API is blocked -> its appeal is in the queue ->
overturn with the entries disabled -> the copy is delivered again.

A screenshot of every page is saved under ``$FAIRGATE_ARTIFACTS`` (default: the
test's tmp_path)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from tests.conftest import shared_file
from tests.console.conftest import BRIDGE, PASSWORD, resized, seed
from tests.service.conftest import make_keys

from fairgate.bench.processes import free_port
from fairgate.service.app import create_app
from fairgate.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() or shutil.which("chromium")),
    reason="Debian's chromium is not installed (.ci/run installs it with apt-get)",
)


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        for _ in range(600):
            if self.server.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("the console's server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FAIRGATE_ARTIFACTS") or tmp_path) / "console-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright  # a dev dependency: never skipped

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


def screen(api: httpx.Client, key: str, data: bytes) -> dict[str, Any]:
    response = api.post(
        "/v1/screen",
        headers={"Authorization": f"Bearer {key}"},
        data={"sender": "u1"},
        files=[("attachments", ("photo.jpg", data, "image/jpeg"))],
    )
    assert response.status_code == 200, response.text
    decision: dict[str, Any] = response.json()
    return decision


@pytest.mark.parametrize("backend", ["sqlite"])
def test_reviewer_journey(console_settings: Settings, browser_page: Any, artifacts: Path) -> None:
    keys = make_keys(console_settings.database_url)
    seed(console_settings)
    page = browser_page

    def shot(name: str) -> None:
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)

    with LiveServer(console_settings) as live, httpx.Client(base_url=live.base) as api:
        held = screen(api, keys["platform"], shared_file(BRIDGE).read_bytes())
        assert held["action"] == "hold"

        page.goto(f"{live.base}/console/queue")
        assert page.url.startswith(f"{live.base}/console/signin")
        shot("01-signin")
        page.get_by_label("Name").fill("rita")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/console/queue")
        rows = page.locator("tr.queue-item[data-kind=hold]")
        assert rows.count() == 1
        shot("02-queue-held")

        rows.first.get_by_role("button", name="Claim").click()
        page.wait_for_url("**/console/items/*")
        image = page.locator("img.held")
        assert "reveal" not in (image.get_attribute("src") or "")
        assert image.evaluate("img => img.complete && img.naturalWidth") > 0
        shot("03-item-blurred")
        page.get_by_role("button", name="Reveal image").click()
        assert "reveal=1" in (image.get_attribute("src") or "")
        page.wait_for_function("() => document.querySelector('img.held').complete")
        assert page.get_by_role("button", name="Blur image").get_attribute("aria-pressed") == "true"
        shot("04-item-revealed")

        page.get_by_label("List", exact=True).select_option("known-abuse")
        page.get_by_label("Why (kept with the entry)").fill("confirmed abuse image")
        page.get_by_role("button", name="Mark restricted").click()
        assert "Added to known-abuse" in page.get_by_role("status").inner_text()
        shot("05-marked-restricted")

        copy = screen(api, keys["platform"], resized(shared_file(BRIDGE)))
        assert copy["action"] == "block"
        assert any(r["list"] == "known-abuse" for r in copy["reasons"])

        filed = api.post(
            f"/v1/decisions/{copy['decision_id']}/appeal",
            headers={"Authorization": f"Bearer {keys['platform']}"},
            json={"statement": "it is my own holiday photo", "account_id": "u1"},
        )
        assert filed.status_code in (200, 201), filed.text
        page.get_by_role("link", name="Queue").click()
        appeal = page.locator("tr.queue-item[data-kind=appeal]")
        assert appeal.count() == 1
        shot("06-queue-appeal")
        appeal.first.get_by_role("link").first.click()
        page.wait_for_url("**/console/items/*")
        assert page.get_by_text("it is my own holiday photo").is_visible()
        page.get_by_role("radio", name="overturn").check()
        page.get_by_label("Also disable the matched list entries").check()
        page.get_by_label("Reason (recorded").fill("the sender's own photo")
        shot("07-appeal-item")
        page.get_by_role("button", name="Decide").click()
        assert "Decided: overturn; entries disabled" in page.get_by_role("status").inner_text()
        shot("08-overturned")

        again = screen(api, keys["platform"], resized(shared_file(BRIDGE)))
        assert again["action"] == "deliver"

        for name in ("lists/known-abuse", "accounts/u1", "audit", "dashboard"):
            page.goto(f"{live.base}/console/{name}")
            assert page.locator("h1").count() == 1
            shot("09-" + name.replace("/", "-"))
        assert "Chain verified" in page.goto(f"{live.base}/console/audit").text()
