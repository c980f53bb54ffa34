"""An image list with local features on, on every backend: the ~12 KB ``orb``
entry is stored (PostgreSQL once refused it: a btree on the raw value), loaded
into the index, and matches; the screened image's ``orb`` signal is stored with
the decision."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from tests.signals.visual_helpers import jpeg, photo

from fairgate.engine import Engine
from fairgate.settings import Settings
from fairgate.types import Action, Attachment, ListType, Message


def test_an_image_with_local_features_is_listed_and_matched(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "listed.jpg"
    path.write_bytes(jpeg(photo("q0746", 512)))
    settings = Settings(database_url=db_url, visual_local=True)
    with Engine.open(settings=settings) as engine:
        engine.lists.create("known", ListType.IMAGE, by="test")
        added = engine.lists.add_files("known", [path], by="test")
        (orb,) = [a for a in added.added if a.signal_type == "orb"]
        assert len(orb.value) > 4_000  # past PostgreSQL's btree row limit
        assert engine.store.entry_ids_with_value("orb", orb.value) == [orb.entry_id]
    with Engine.open(settings=settings) as engine:  # a fresh engine loads it from the store
        image = photo("q0746", 512).rotate(12, resample=Image.BICUBIC)
        w, h = image.size
        decision = engine.screen(
            Message(sender="u", attachments=(Attachment(jpeg(image.crop((w // 8, h // 8, w, h)))),))
        )
        assert decision.action is Action.BLOCK
        assert [r.match.entry_id for r in decision.reasons] == [orb.entry_id]
        stored = engine.store.get_decision(decision.decision_id)
        assert "orb" in {s["signal_type"] for s in stored["signals"]}
