import pytest

from fairgate.lists.formats import ParsedRow, Rejected, format_csv_row, parse_lines
from fairgate.settings import Settings
from fairgate.signals.registry import builtin_signal_types

PDQ = "f" * 16 + "0" * 16 + "a" * 32
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture(scope="module")
def types() -> dict[str, object]:
    return builtin_signal_types(Settings())  # type: ignore[return-value]


def parse(types: dict[str, object], text: str, **kw: str) -> list[ParsedRow | Rejected]:
    return list(parse_lines(text.splitlines(), types, **kw))  # type: ignore[arg-type]


def test_plain_lines_by_length(types: dict[str, object]) -> None:
    rows = parse(types, f"# comment\n\n{PDQ}\n{MD5.upper()}\n")
    assert rows == [ParsedRow(3, "pdq", PDQ, ""), ParsedRow(4, "md5", MD5, "")]


def test_csv_with_header_aliases_and_notes(types: dict[str, object]) -> None:
    rows = parse(
        types,
        f"signal_type,signal,note\npdq,{PDQ},from te\nphoto_md5,{MD5}\n"
        f'sha256,{SHA},"a, quoted note"\n',
    )
    assert rows == [
        ParsedRow(2, "pdq", PDQ, "from te"),
        ParsedRow(3, "md5", MD5, ""),
        ParsedRow(4, "sha256", SHA, "a, quoted note"),
    ]


def test_plain_sha256_needs_a_default_type(types: dict[str, object]) -> None:
    assert parse(types, SHA, default_type="sha256") == [ParsedRow(1, "sha256", SHA, "")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("abc", "32 (md5) or 64 (pdq)"),
        ("z" * 64, "hex"),
        (f"video_tmk,{PDQ}", "unknown signal type"),
        ("pdq,", "signal_type,signal"),
        (f"pdq,{PDQ[:-2]}", "64"),
    ],
)
def test_bad_lines_are_rejected_with_reasons(
    types: dict[str, object], line: str, reason: str
) -> None:
    (row,) = parse(types, line)
    assert isinstance(row, Rejected)
    assert row.line == 1
    assert reason in row.reason


def test_csv_rows_round_trip(types: dict[str, object]) -> None:
    line = format_csv_row("pdq", PDQ, "a, b")
    assert parse(types, line) == [ParsedRow(1, "pdq", PDQ, "a, b")]
    assert format_csv_row("md5", MD5, "") == f"md5,{MD5}"
