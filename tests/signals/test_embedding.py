"""The ONNX embedding signal, with a tiny model built here (none ships)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image, ImageFilter
from tests.signals.visual_helpers import distance, jpeg, media, photo

from fairgate.engine import Engine
from fairgate.errors import InvalidSignalValue
from fairgate.settings import Settings
from fairgate.signals.embedding import EmbeddingUnavailable, ImageEmbedding
from fairgate.signals.registry import builtin_signal_types
from fairgate.types import Action, Attachment, ListType, Message

SIDE = 16


def tiny_model(path: Path, dims: int = 64) -> Path:
    """Average-pool 16x16 -> 4x4, flatten (48 values), project to ``dims`` at random."""
    weight = np.random.default_rng(7).standard_normal((3 * 4 * 4, dims)).astype(np.float32)
    nodes = [
        helper.make_node("AveragePool", ["image"], ["pooled"], kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("MatMul", ["flat", "weight"], ["embedding"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, SIDE, SIDE])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, dims])],
        initializer=[numpy_helper.from_array(weight, "weight")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def settings_for(path: Path, **extra: object) -> Settings:
    return Settings(embedding_model_path=path, embedding_input_side=SIDE, **extra)


def test_embedding_hash_is_stable_under_re_encoding_and_differs_between_photos(
    tmp_path: Path,
) -> None:
    signal_type = ImageEmbedding(settings_for(tiny_model(tmp_path / "m.onnx")))
    image = photo("q0746")
    (a,) = signal_type.compute(0, media(image), reference=True)
    (b,) = signal_type.compute(0, media(image.filter(ImageFilter.GaussianBlur(1))), reference=False)
    (c,) = signal_type.compute(0, media(photo("q0291")), reference=False)
    assert signal_type.bits == 64
    assert len(a.value) == 16
    assert distance(a.value, b.value) <= 6
    assert distance(a.value, c.value) > distance(a.value, b.value) + 10
    assert signal_type.validate(a.value.upper()) == a.value
    with pytest.raises(InvalidSignalValue, match="16 hex"):
        signal_type.validate("ab")


def test_registered_only_when_a_model_is_configured(tmp_path: Path) -> None:
    assert "embedding" not in builtin_signal_types(Settings())
    types = builtin_signal_types(settings_for(tiny_model(tmp_path / "m.onnx"), visual_local=True))
    assert list(types)[-2:] == ["embedding", "orb"]  # before the expensive verification


def test_engine_blocks_a_copy_by_its_embedding(tmp_path: Path) -> None:
    model = tiny_model(tmp_path / "m.onnx")
    off = {
        "visual_local": False,
        "visual_trim": False,
        "visual_tiles": False,
        "embedding_match_distance": 12,
    }  # of this model's 64 bits
    url = f"sqlite:///{tmp_path / 'e.db'}"
    with Engine.open(settings=settings_for(model, database_url=url, **off)) as engine:
        engine.lists.create("known", ListType.IMAGE, by="t")
        listed = tmp_path / "listed.jpg"
        listed.write_bytes(jpeg(photo("q0746")))
        engine.lists.add_files("known", [listed], by="t")
        copy = photo("q0746").resize((200, 200)).convert("L").convert("RGB")
        decision = engine.screen(Message(sender="u", attachments=(Attachment(jpeg(copy, 40)),)))
        assert decision.action is Action.BLOCK
        assert "embedding" in {r.match.signal_type for r in decision.reasons}
        other = engine.screen(Message(sender="u", attachments=(Attachment(jpeg(photo("q0291"))),)))
        assert other.action is Action.DELIVER


@pytest.mark.parametrize("content", [None, b"not a model"])
def test_a_missing_or_broken_model_is_a_clear_error(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "m.onnx"
    if content is not None:
        path.write_bytes(content)
    signal_type = ImageEmbedding(settings_for(path))
    with pytest.raises(EmbeddingUnavailable, match=r"m\.onnx"):
        signal_type.compute(0, media(Image.new("RGB", (32, 32))), reference=False)


def test_a_model_with_an_odd_output_is_refused(tmp_path: Path) -> None:
    signal_type = ImageEmbedding(settings_for(tiny_model(tmp_path / "m.onnx", dims=12)))
    with pytest.raises(EmbeddingUnavailable, match="multiple of 8"):
        signal_type.compute(0, media(photo()), reference=False)
