"""sha256 / md5 signal types, the registry and ``hash_file``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image
from tests.signals.pdq_helpers import encode, media, photo_like

from fairgate.errors import InvalidSignalValue, MediaError
from fairgate.index.base import SignalIndex
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.signals.exact import Md5, Sha256
from fairgate.signals.pdq import Pdq, pdq_reference
from fairgate.signals.registry import builtin_signal_types, hash_file


@pytest.mark.parametrize(("signal_type", "algorithm"), [(Sha256(), "sha256"), (Md5(), "md5")])
def test_exact_hashes_are_of_the_bytes_as_sent(signal_type: SignalType, algorithm: str) -> None:
    data = b"not even an image: exact lists match any file"
    signals = signal_type.compute(4, media(data), reference=False)
    assert len(signals) == 1
    assert signals[0].signal_type == algorithm
    assert signals[0].value == hashlib.new(algorithm, data).hexdigest()
    assert signals[0].attachment == 4
    assert signals[0].quality is None
    assert signal_type.check(signals[0]) is None


@pytest.mark.parametrize(("signal_type", "length"), [(Sha256(), 64), (Md5(), 32)])
def test_exact_validate(signal_type: SignalType, length: int) -> None:
    assert signal_type.validate(" " + "AB" * (length // 2) + "\n") == "ab" * (length // 2)
    with pytest.raises(InvalidSignalValue, match=f"{length} hex characters, got {length - 1}"):
        signal_type.validate("a" * (length - 1))
    with pytest.raises(InvalidSignalValue, match=f"{signal_type.name} hash has a non-hex"):
        signal_type.validate("z" * length)
    with pytest.raises(InvalidSignalValue, match="empty"):
        signal_type.validate("")


def test_md5_value_is_not_a_sha256_value() -> None:
    with pytest.raises(InvalidSignalValue, match="got 32"):
        Sha256().validate(hashlib.md5(b"x").hexdigest())


def test_registry_has_the_three_builtins(settings: Settings) -> None:
    off = {
        "visual_trim": False,
        "visual_tiles": False,
        "visual_crop_entries": False,
        "visual_dense": False,
        "visual_local": False,
    }
    assert list(builtin_signal_types(settings.model_copy(update=off))) == ["sha256", "md5", "pdq"]
    hashes = builtin_signal_types(settings.model_copy(update={"visual_local": False}))
    assert list(hashes) == ["sha256", "md5", "pdq", "pdq_trim", "pdq_tiles", "ncc"]
    types = builtin_signal_types(settings)  # local features are on by default
    assert list(types) == ["sha256", "md5", "pdq", "pdq_trim", "pdq_tiles", "ncc", "orb"]
    for name, signal_type in types.items():
        assert isinstance(signal_type, SignalType)
        assert signal_type.name == name
    pdq = types["pdq"]
    assert isinstance(pdq, Pdq)
    assert pdq.settings is settings


def test_exact_types_make_exact_indexes() -> None:
    pytest.importorskip("fairgate.index.exact")
    for signal_type in (Sha256(), Md5()):
        index = signal_type.make_index()
        assert isinstance(index, SignalIndex)
        assert len(index) == 0


def test_hash_file_gives_the_reference_hashes(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(photo_like(640, 480), quality=90))
    result = hash_file(path, settings)
    data = path.read_bytes()
    expected = pdq_reference(Image.open(path).convert("RGB"), dihedral=False)
    assert result == {
        "file": str(path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
        "pdq": expected.hashes[0],
        "pdq_quality": expected.quality,
    }


def test_hash_file_raises_media_errors(tmp_path: Path, settings: Settings) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(MediaError, match="not a recognised image format") as info:
        hash_file(text, settings)
    assert info.value.source == str(text)
    with pytest.raises(MediaError, match=r"notes\.txt"):
        hash_file(text, settings)
    with pytest.raises(MediaError, match="No such file"):
        hash_file(tmp_path / "missing.jpg", settings)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff" * 2048)
    with pytest.raises(MediaError, match="limit is 1024 bytes"):
        hash_file(big, Settings(max_file_bytes=1024))
