"""Where /v1/screen runs its parts: text and pre-hashed images are prepared on
the event loop and written through the group commit's writer thread; while an
index change is being applied, matching waits in the thread pool so the loop
(every other request of the worker) does not wait with it."""

from __future__ import annotations

import threading

import httpx
import pytest
from tests.service.conftest import Api

from fairgate.engine import Engine
from fairgate.types import Attachment, Match, Message, Signal

HANG_GUARD_S = 20.0


def engine_of(api: Api) -> Engine:
    engine: Engine = api.app.state.fairgate.engine
    return engine


def test_text_and_prehashed_messages_are_prepared_at_once_images_are_not(api: Api) -> None:
    engine = engine_of(api)
    assert engine.prepares_at_once(Message(sender="u", text="hello"))
    hashed = Attachment(b"", hashes={"sha256": "0" * 64})
    assert engine.prepares_at_once(Message(sender="u", attachments=(hashed,)))
    assert not engine.prepares_at_once(Message(sender="u", attachments=(Attachment(b"\xff"),)))


def test_while_an_index_change_is_applied_the_loop_keeps_answering(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_of(api)
    held, release, matching = threading.Event(), threading.Event(), threading.Event()
    match_signals = engine.indexes.match_signals

    def noted(signals: list[Signal]) -> list[Match]:
        matching.set()
        return match_signals(signals)

    monkeypatch.setattr(engine.indexes, "match_signals", noted)

    def apply_a_long_change() -> None:
        with engine.indexes._lock:  # what a big refresh holds while it applies
            held.set()
            release.wait(HANG_GUARD_S)

    applier = threading.Thread(target=apply_a_long_change)
    applier.start()
    assert held.wait(HANG_GUARD_S)
    hashed = {"sender": "u1", "attachments": [{"hashes": {"sha256": "0" * 64}}]}
    assert not engine.prepares_at_once(
        Message(sender="u1", attachments=(Attachment(b"", hashes={"sha256": "0" * 64}),))
    )
    screened: list[httpx.Response] = []
    screening = threading.Thread(
        target=lambda: screened.append(api.post("/v1/screen", json=hashed))
    )
    try:
        screening.start()
        assert matching.wait(HANG_GUARD_S)  # the call now waits for the change to be applied
        # ... in a pool thread: the loop answers other requests meanwhile.
        health = threading.Thread(target=lambda: api.get("/healthz", None).raise_for_status())
        health.start()
        health.join(HANG_GUARD_S)
        assert not health.is_alive(), "/healthz waited for the index change"
        assert screened == []
    finally:
        release.set()
        applier.join(HANG_GUARD_S)
        screening.join(HANG_GUARD_S)
    assert screened[0].status_code == 200, screened[0].text
    assert screened[0].json()["action"] == "deliver"


def test_screen_calls_share_the_writer_threads_batches(api: Api, spam_list: None) -> None:
    group = engine_of(api).store.group
    before_works = group.works
    results: list[int] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        r = api.post("/v1/screen", json={"sender": f"u{i % 5}", "text": f"hello {i}"})
        with lock:
            results.append(r.status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG_GUARD_S)
    assert results == [200] * 24
    assert group.works - before_works == 24
    writer = [t for t in threading.enumerate() if t.name == "fairgate-group-commit"]
    assert writer, "the writer thread carries the service's writes"
