"""Hand-written JSON forms stay in step with their dataclasses' fields."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from fairgate.types import Evidence, Note, Notice, Signal


def test_signal_to_dict_is_every_field() -> None:
    signal = Signal("pdq", "ab" * 32, attachment=2, quality=77, variant="rot90")
    assert signal.to_dict() == dataclasses.asdict(signal)
    assert set(signal.to_dict()) == {f.name for f in dataclasses.fields(Signal)}


def _as_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def test_shallow_json_forms_render_as_the_deep_copy_did() -> None:
    """Evidence, Note and Notice render their fields without ``asdict``'s deep
    copy: the JSON is the same as before, field for field."""
    evidence = Evidence(
        distance=3,
        variant="rot90",
        quality=88,
        value="ab" * 32,
        span=(1, 4),
        matched="pill",
        term="pills",
        form="nfkc_casefold",
        box=((0, 0), (9, 0), (9, 5), (0, 5)),
        ocr_text="cheap pills",
        frame=2,
    )
    deep = {k: v for k, v in dataclasses.asdict(evidence).items() if v is not None}
    deep["span"], deep["box"] = [1, 4], [[0, 0], [9, 0], [9, 5], [0, 5]]
    assert _as_json(evidence.to_dict()) == _as_json(deep)
    assert set(evidence.to_dict()) == {f.name for f in dataclasses.fields(Evidence)}
    assert Evidence(distance=0).to_dict() == {"distance": 0}

    note = Note("pdq_low_quality", "quality 12 is under 50", source="attachment:0")
    assert note.to_dict() == dataclasses.asdict(note)

    notice = Notice(
        text="Your message was not delivered.",
        rule="spam.advertising",
        automated=True,
        penalty="a warning",
        appeal="appeal with decision d-1",
        what="your message",
        rule_text="Advertising",
        penalty_until=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        penalty_permanent=False,
        decision_id="d-1",
        locale="en",
    )
    deep_notice = dataclasses.asdict(notice)
    deep_notice["penalty_until"] = "2026-12-01T12:00:00+00:00"
    assert notice.to_dict() == deep_notice
