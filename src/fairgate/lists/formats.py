"""Hash-list text formats as ThreatExchange and Hasher-Matcher-Actioner use them.

Import accepts, line by line (blank lines and ``#`` comments skipped):

* plain: one hash per line; 32 hex digits is ``md5``, 64 is ``pdq`` (a plain
  file of sha256 values needs ``default_type="sha256"``);
* CSV: ``signal_type,signal[,note]`` (an optional header line naming
  ``signal_type`` is skipped). ThreatExchange's type names ``photo_md5`` /
  ``video_md5`` and ``pdq_hash`` are accepted as aliases.

Parsing is pure: it returns good rows and rejected lines with reasons.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from fairgate.errors import InvalidSignalValue
from fairgate.signals.base import SignalType

ALIASES = {"photo_md5": "md5", "video_md5": "md5", "pdq_hash": "pdq", "photo_pdq": "pdq"}
_PLAIN_BY_LENGTH = {32: "md5", 64: "pdq"}


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    signal_type: str
    value: str
    note: str


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    text: str
    reason: str


def parse_line(
    line_no: int,
    raw: str,
    signal_types: Mapping[str, SignalType],
    *,
    default_type: str | None = None,
) -> ParsedRow | Rejected | None:
    """One line of an import file: a row, a rejection, or None to skip."""
    text = raw.strip().lstrip("\ufeff")
    if not text or text.startswith("#"):
        return None
    if "," in text:
        fields = next(csv.reader([text]))
        name = fields[0].strip().lower()
        if name in ("signal_type", "type") and line_no == 1:
            return None
        name = ALIASES.get(name, name)
        if len(fields) < 2 or not fields[1].strip():
            return Rejected(line_no, text, "expected signal_type,signal[,note]")
        value = fields[1]
        note = ",".join(fields[2:]).strip()
    else:
        value, note = text, ""
        guessed = default_type or _PLAIN_BY_LENGTH.get(len(text))
        if guessed is None:
            return Rejected(
                line_no,
                text,
                f"a plain line must be 32 (md5) or 64 (pdq) hex digits, got {len(text)} characters",
            )
        name = guessed
    signal_type = signal_types.get(name)
    if signal_type is None:
        known = ", ".join(sorted(signal_types))
        return Rejected(line_no, text, f"unknown signal type {name!r} (known: {known})")
    try:
        return ParsedRow(line_no, name, signal_type.validate(value), note)
    except InvalidSignalValue as exc:
        return Rejected(line_no, text, str(exc))


def parse_lines(
    lines: Iterable[str],
    signal_types: Mapping[str, SignalType],
    *,
    default_type: str | None = None,
) -> Iterator[ParsedRow | Rejected]:
    for number, raw in enumerate(lines, start=1):
        parsed = parse_line(number, raw, signal_types, default_type=default_type)
        if parsed is not None:
            yield parsed


def format_csv_row(signal_type: str, value: str, note: str) -> str:
    out: list[str] = []
    writer = csv.writer(_ListWriter(out), lineterminator="")
    writer.writerow([signal_type, value, note] if note else [signal_type, value])
    return out[0]


class _ListWriter:
    def __init__(self, out: list[str]) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.append(text)
        return len(text)
