"""Visual signals inside Engine.screen: cheap first, verification only when needed."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from tests.signals.visual_helpers import jpeg, photo

from fairgate.engine import Engine
from fairgate.settings import Settings
from fairgate.types import Action, Attachment, ListType, Message


def _engine(tmp_path: Path, **settings: object) -> Engine:
    engine = Engine.open(
        settings=Settings(
            database_url=f"sqlite:///{tmp_path / 'v.db'}", visual_local=True, **settings
        )
    )
    engine.lists.create("known", ListType.IMAGE, by="test")
    path = tmp_path / "listed.jpg"
    path.write_bytes(jpeg(photo("q0746", 512)))
    added = engine.lists.add_files("known", [path], by="test")
    assert "orb" in {a.signal_type for a in added.added}
    return engine


def _screen(engine: Engine, image: Image.Image) -> tuple[Action, list[str], list[str], object]:
    decision = engine.screen(Message(sender="u", attachments=(Attachment(jpeg(image)),)))
    return (
        decision.action,
        [r.match.signal_type for r in decision.reasons],
        [n.code for n in decision.notes],
        decision.extra["signals_ran"],
    )


def test_a_rotated_crop_is_caught_by_local_features_after_the_hashes_missed(
    tmp_path: Path,
) -> None:
    with _engine(tmp_path) as engine:
        image = photo("q0746", 512).rotate(12, resample=Image.BICUBIC)
        w, h = image.size
        action, signals, notes, ran = _screen(engine, image.crop((w // 8, h // 8, w, h)))
        assert action is Action.BLOCK
        assert signals == ["orb"]
        assert notes == []
        assert ran == ["sha256", "md5", "pdq", "pdq_trim", "pdq_tiles", "ncc", "orb"]


def test_a_crop_of_a_smooth_photo_is_caught_by_thumbnails_before_local_features(
    tmp_path: Path,
) -> None:
    from PIL import ImageFilter

    engine = Engine.open(settings=Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}"))
    with engine:
        engine.lists.create("known", ListType.IMAGE, by="test")
        smooth = photo("q0746", 512).filter(ImageFilter.GaussianBlur(8))
        path = tmp_path / "smooth.jpg"
        path.write_bytes(jpeg(smooth))
        engine.lists.add_files("known", [path], by="test")
        w, h = smooth.size
        action, signals, _, ran = _screen(engine, smooth.crop((w // 5, h // 2, w, h)))
        assert action is Action.BLOCK
        assert signals == ["ncc"]
        assert "orb" not in ran  # type: ignore[operator]


def test_a_hash_match_skips_verification(tmp_path: Path) -> None:
    with _engine(tmp_path) as engine:
        action, signals, _, ran = _screen(
            engine, photo("q0746", 512).transpose(Image.FLIP_LEFT_RIGHT)
        )
        assert action is Action.BLOCK
        assert set(signals) == {"pdq"}  # the hash and, for this photo, its trimmed hash
        # neither deferred tier ran: no thumbnail comparison, no local features
        assert "ncc" not in ran  # type: ignore[operator]
        assert "orb" not in ran  # type: ignore[operator]


def test_an_unrelated_photo_runs_everything_and_is_delivered(tmp_path: Path) -> None:
    with _engine(tmp_path) as engine:
        action, signals, _, ran = _screen(engine, photo("q0291", 512))
        assert action is Action.DELIVER
        assert signals == []
        assert "orb" in ran  # type: ignore[operator]


def test_a_spent_budget_skips_verification_and_says_so(tmp_path: Path) -> None:
    with _engine(tmp_path, visual_budget_ms=0.001) as engine:
        image = photo("q0746", 512).rotate(12, resample=Image.BICUBIC)
        action, _, notes, ran = _screen(engine, image)
        assert action is Action.DELIVER
        assert notes == ["visual_budget_exhausted"]  # one note naming both tiers
        assert "ncc" not in ran  # type: ignore[operator]
        assert "orb" not in ran  # type: ignore[operator]
