"""Every hostile item through the library, the CLI and POST /v1/screen: a clear
refusal or a Decision, within bounded time and memory; and hostile requests
(base64, JSON, text) get a 4xx with a reason."""

from __future__ import annotations

import base64
import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from tests.hardening.corpus import ANIMATED, Item, corpus
from tests.service.conftest import Api

from fairgate.engine import Engine
from fairgate.errors import InvalidInput
from fairgate.signals.frames import frame_of
from fairgate.types import Attachment, ListType, Message

ITEMS = corpus()
HANG_GUARD_S = 60.0
"""A bound on each item, not a speed test (speed is benchmarked)."""
RSS_BOUND_MB = 1500
"""Peak resident memory of the test process after the whole corpus."""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def library() -> Engine:
    engine = Engine.open("sqlite://")
    engine.lists.create("known", ListType.IMAGE, by="t")
    return engine


@pytest.mark.parametrize("item", ITEMS, ids=[i.name for i in ITEMS])
def test_library(library: Engine, item: Item) -> None:
    start = time.perf_counter()
    message = Message(
        sender="u", attachments=(Attachment(item.data, item.filename, item.content_type),)
    )
    if item.expect == "refuse":
        with pytest.raises(InvalidInput) as caught:
            library.screen(message)
        assert str(caught.value).strip()
    else:
        decision = library.screen(message)
        assert decision.action.value == "deliver"
        assert {s.signal_type for s in decision.signals} >= {"sha256", "pdq"}
    assert time.perf_counter() - start < HANG_GUARD_S
    assert _rss_mb() < RSS_BOUND_MB


@pytest.mark.parametrize("name", ANIMATED)
def test_animations_screen_their_first_frames_and_say_the_rest_were_skipped(
    library: Engine, name: str
) -> None:
    (item,) = [i for i in ITEMS if i.name == name]
    start = time.perf_counter()
    decision = library.screen(Message(sender="u", attachments=(Attachment(item.data),)))
    assert time.perf_counter() - start < HANG_GUARD_S
    assert _rss_mb() < RSS_BOUND_MB
    max_frames = library.settings.media_max_frames
    assert {frame_of(s.variant) for s in decision.signals} == set(range(max_frames))
    (note,) = [n for n in decision.notes if n.code == "frames_skipped"]
    assert note.source == "attachment:0"
    assert f"frames 0-{max_frames - 1}" in note.detail
    assert "skipped" in note.detail


def test_the_whole_corpus_through_http(api: Api) -> None:
    for item in ITEMS:
        body = {
            "sender": "u",
            "attachments": [
                {
                    "content_base64": base64.b64encode(item.data).decode() if item.data else "",
                    "filename": item.filename,
                    "content_type": item.content_type,
                }
            ],
        }
        r = api.post("/v1/screen", json=body)
        if item.expect == "refuse":
            assert 400 <= r.status_code < 500, (item.name, r.status_code, r.text)
            assert r.json()["detail"], item.name
        else:
            assert r.status_code == 200, (item.name, r.text)
        multipart = api.post(
            "/v1/screen",
            data={"sender": "u"},
            files=[
                (
                    "attachments",
                    (item.filename, item.data, item.content_type or "application/octet-stream"),
                )
            ],
        )
        assert (
            (400 <= multipart.status_code < 500)
            if item.expect == "refuse"
            else multipart.status_code == 200
        ), item.name
    assert _rss_mb() < RSS_BOUND_MB


def test_the_whole_corpus_through_the_cli(tmp_path: Path) -> None:
    env_db = f"sqlite:///{tmp_path / 'cli.db'}"
    for i, item in enumerate(ITEMS):
        path = tmp_path / f"{i}-{item.filename}"
        path.write_bytes(item.data)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "fairgate",
                "screen",
                "--image",
                str(path),
                "--json",
                "--db",
                env_db,
            ],
            capture_output=True,
            text=True,
            timeout=HANG_GUARD_S,
        )
        if item.expect == "refuse":
            assert run.returncode == 2, (item.name, run.stdout, run.stderr)
            assert run.stderr.startswith("fairgate: "), item.name
            assert "Traceback" not in run.stderr
        else:
            assert run.returncode == 0, (item.name, run.stderr)
            assert json.loads(run.stdout)["action"] == "deliver"


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b'{"sender": "u", "attachments": [{"content_base64": "%%%"}]}', 400),
        (b'{"sender": "u", "text": {"nested": true}}', 400),
        (b'{"sender": ["u"]}', 400),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b'{"sender": "u", "text": "\\ud800 cheap"}', 400),
        (b'{"sender": "u", "text": "\xff\xfe invalid utf-8"}', 400),
        (b'{"sender": "\\u0000"}', 400),
        (b'{"sender": "u", "text": "' + "\u0301".encode() * 70_000 + b'"}', 400),
    ],
    ids=[
        "bad base64",
        "object as text",
        "list as sender",
        "deep nesting",
        "lone surrogate",
        "invalid utf-8",
        "NUL sender",
        "too many combining marks",
    ],
)
def test_hostile_requests(api: Api, content: bytes, status: int) -> None:
    r = api.client.post(
        "/v1/screen",
        content=content,
        headers={**api.headers("platform"), "content-type": "application/json"},
    )
    assert r.status_code == status, r.text
    if status == 400:
        assert r.json()["detail"]


def test_lone_surrogates_in_library_text_are_screened_with_a_note(library: Engine) -> None:
    decision = library.screen(Message(sender="u", text="a\ud800b"))
    assert [n.code for n in decision.notes] == ["text_invalid_unicode"]
    with pytest.raises(InvalidInput, match="sender is not valid text"):
        library.screen(Message(sender="u\ud800", text="x"))


def test_combining_marks_under_the_limit_are_screened_in_bounded_time(library: Engine) -> None:
    start = time.perf_counter()
    decision = library.screen(Message(sender="u", text="c\u0301" * 30_000))
    assert decision.action.value == "deliver"
    assert time.perf_counter() - start < HANG_GUARD_S


def test_a_huge_body_is_refused_before_it_is_read(api: Api) -> None:
    limit = api.app.state.fairgate.settings.max_request_bytes
    r = api.client.post(
        "/v1/screen",
        content=b"x" * 16,
        headers={
            **api.headers("platform"),
            "content-type": "application/json",
            "content-length": str(limit + 1),
        },
    )
    assert r.status_code == 413


@pytest.mark.parametrize(("name", "count"), [(n, int(n.split()[-2])) for n in ANIMATED])
def test_the_animations_of_the_corpus_hold_the_frames_they_claim(name: str, count: int) -> None:
    """Regression: encoders merge identical frames, and the corpus' '3000-frame GIF' and
    '300-frame WebP' once held one frame each."""
    (item,) = [i for i in ITEMS if i.name == name]
    with Image.open(io.BytesIO(item.data)) as image:
        assert image.n_frames == count
