"""Hand-written JSON forms stay in step with their dataclasses' fields."""

from __future__ import annotations

import dataclasses

from fairgate.types import Signal


def test_signal_to_dict_is_every_field() -> None:
    signal = Signal("pdq", "ab" * 32, attachment=2, quality=77, variant="rot90")
    assert signal.to_dict() == dataclasses.asdict(signal)
    assert set(signal.to_dict()) == {f.name for f in dataclasses.fields(Signal)}
