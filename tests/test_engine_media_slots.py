"""``media_concurrency``: at most N screen calls of a process decode images at
once (memory stays bounded); text and pre-hashed calls never wait for them."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from fairgate.bench.processes import wait_until
from fairgate.engine import Engine
from fairgate.media.source import MediaSource
from fairgate.settings import Settings
from fairgate.signals.exact import Sha256
from fairgate.types import Action, Attachment, Message, Signal

HANG_GUARD_S = 20.0


class Gate(Sha256):
    """sha256 that holds every caller until the test opens the gate."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.active = 0
        self.most = 0
        self._lock = threading.Lock()

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        with self._lock:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            if not self.open.wait(HANG_GUARD_S):
                raise AssertionError("the gate was never opened")
            return super().compute(attachment, media, reference=reference)
        finally:
            with self._lock:
                self.active -= 1


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _engine(tmp_path: Path, slots: int) -> tuple[Engine, Gate]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}", media_concurrency=slots)
    engine = Engine.open(settings=settings)
    gate = Gate()
    engine.signal_types["sha256"] = gate
    return engine, gate


@pytest.fixture
def one_slot(tmp_path: Path) -> Iterator[tuple[Engine, Gate]]:
    engine, gate = _engine(tmp_path, 1)
    yield engine, gate
    gate.open.set()
    engine.close()


def _screen_image(engine: Engine, results: list[Action]) -> threading.Thread:
    message = Message(sender="u", attachments=(Attachment(_png(), filename="a.png"),))
    thread = threading.Thread(target=lambda: results.append(engine.screen(message).action))
    thread.start()
    return thread


def test_a_second_image_call_waits_while_the_only_slot_is_taken(
    one_slot: tuple[Engine, Gate],
) -> None:
    engine, gate = one_slot
    results: list[Action] = []
    first = _screen_image(engine, results)
    wait_until(lambda: gate.active == 1, HANG_GUARD_S, "the first call to decode")
    second = _screen_image(engine, results)
    # A text call and a pre-hashed call go through while both image calls are held.
    assert engine.screen(Message(sender="t", text="hello")).action is Action.DELIVER
    hashed = Attachment(b"", hashes={"sha256": "0" * 64})
    assert engine.screen(Message(sender="t", attachments=(hashed,))).action is Action.DELIVER
    assert gate.active == 1  # the second image call is still waiting for the slot
    gate.open.set()
    first.join(HANG_GUARD_S)
    second.join(HANG_GUARD_S)
    assert results == [Action.DELIVER, Action.DELIVER]
    assert gate.most == 1


def test_two_slots_let_two_image_calls_decode_together(tmp_path: Path) -> None:
    engine, gate = _engine(tmp_path, 2)
    try:
        results: list[Action] = []
        threads = [_screen_image(engine, results) for _ in range(2)]
        wait_until(lambda: gate.active == 2, HANG_GUARD_S, "both calls to decode at once")
        gate.open.set()
        for thread in threads:
            thread.join(HANG_GUARD_S)
        assert results == [Action.DELIVER, Action.DELIVER]
    finally:
        gate.open.set()
        engine.close()
