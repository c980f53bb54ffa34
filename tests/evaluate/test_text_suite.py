"""The text evasion suite: transformations, the benign corpus, and the CLI report."""

from __future__ import annotations

import gzip
import json
import random
import struct
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from fairgate.evaluate import text_transforms as tt
from fairgate.evaluate.benign import (
    MAX_CHARS,
    BenignSources,
    load_benign,
    read_mo,
    split_message,
)
from fairgate.evaluate.text_suite import EXTRA_ZH_TERMS, default_terms, make_case, make_cases

EN_TERMS = ["cheap pills", "buy followers", "pay with gift cards"]
ZH_TERMS = ["赌博", "代开发票", "刷单返利"]


@pytest.mark.parametrize("name", list(tt.SINGLE))
def test_each_transformation_changes_the_term_and_is_reproducible(name: str) -> None:
    applied = 0
    for term in EN_TERMS + ZH_TERMS:
        first = tt.SINGLE[name](term, random.Random(f"x:{term}"))
        again = tt.SINGLE[name](term, random.Random(f"x:{term}"))
        assert first == again
        if first is not None:
            applied += 1
            assert first != term
    assert applied > 0, f"{name} applied to no term"


def test_transformations_do_what_their_names_say() -> None:
    rng = random.Random(3)
    hidden = tt.invisible("cheap", rng)
    assert hidden is not None
    assert "".join(ch for ch in hidden if ch not in tt.INVISIBLES) == "cheap"
    glyphs = tt.homoglyph("cheap", rng)
    assert glyphs is not None
    assert any(not ch.isascii() for ch in glyphs)
    assert len(glyphs) == len("cheap")
    leet = tt.leet("cheap pills", rng)
    assert leet is not None
    assert any(ch.isdigit() or ch in "@!$" for ch in leet)
    assert tt.leet("赌博", rng) is None
    separated = tt.separators("cheap", rng)
    assert separated is not None
    assert separated[0::2] == "cheap"
    assert len(set(separated[1::2])) == 1
    han = tt.separators("赌博", rng)
    assert han is not None
    assert han[0] == "赌"
    assert han[-1] == "博"
    assert len(han) == 3
    repeated = tt.repeat("cheap", rng)
    assert repeated is not None
    assert len(repeated) > len("cheap")
    mixed = tt.case("cheap pills", rng)
    assert mixed is not None
    assert mixed.lower() == "cheap pills"
    assert tt.traditional("赌博", rng) == "賭博"
    assert tt.traditional("cheap", rng) is None


def test_homophones_share_the_toneless_reading_and_are_common() -> None:
    from pypinyin.pinyin_dict import pinyin_dict

    def toneless(ch: str) -> str:
        reading = pinyin_dict[ord(ch)].split(",")[0].replace("ü", "v")
        return "".join(
            c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c)
        )

    others = tt.homophones("赌")
    assert others
    for ch in others:
        assert toneless(ch) == toneless("赌") == "du"
        assert len(ch.encode("gb2312")) == 2
    punned = tt.homophone("博彩", random.Random(1))
    assert punned is not None
    assert punned != "博彩"
    assert [toneless(c) for c in punned] == ["bo", "cai"]


def test_cases_are_seeded_and_cover_languages_and_pairs() -> None:
    terms = EN_TERMS + ZH_TERMS
    cases = make_cases(terms, samples=2, seed=7)
    assert cases == make_cases(terms, samples=2, seed=7)
    assert cases != make_cases(terms, samples=2, seed=8)
    names = {(c.transformation, c.language) for c in cases}
    assert ("leetspeak", "en") in names
    assert ("homophone", "zh") in names
    assert ("traditional", "zh") in names
    assert any("+" in c.transformation for c in cases)
    for case in cases:
        if case.transformation != "plain":
            assert case.term not in case.text or case.transformation == "traditional"
    for case in cases:
        assert case.span is not None
        a, b = case.span
        if case.transformation == "plain":
            assert case.text[a:b] == case.term
        elif case.transformation == "leetspeak":
            assert len(case.text[a:b]) == len(case.term)
    trad = make_case("赌博", "traditional", 0, 0)
    assert trad is not None
    assert "賭博" in trad.text
    assert make_case("cheap pills", "homophone", 0, 0) is None


def test_default_terms_include_examples_and_no_political_words() -> None:
    terms = default_terms()
    flat = [t for group in terms.values() for t in group]
    assert "cheap pills" in flat
    assert "代开发票" in flat
    assert set(EXTRA_ZH_TERMS) <= set(flat)


def test_split_message_respects_the_limit_and_keeps_the_text() -> None:
    text = "LGPL-2.1+ is fine. " * 30 + "很好。" * 100 + "x" * 450
    pieces = split_message(text, 200)
    assert all(0 < len(p) <= 200 for p in pieces)
    assert "LGPL-2.1+" in pieces[0]
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def _write_mo(path: Path, pairs: list[tuple[str, str]]) -> None:
    pairs = sorted(pairs)
    ids = [k.encode() for k, _ in pairs]
    strs = [v.encode() for _, v in pairs]
    header = 28
    table = header + 16 * len(pairs)
    data = b""
    offsets = []
    for blob in ids + strs:
        offsets.append((len(blob), table + len(data)))
        data += blob + b"\x00"
    out = struct.pack("<7I", 0x950412DE, 0, len(pairs), header, header + 8 * len(pairs), 0, 0)
    for length, offset in offsets:
        out += struct.pack("<2I", length, offset)
    path.write_bytes(out + data)


def test_benign_loader_reads_sources_and_respects_the_size_limit(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    locale.mkdir()
    long_en = "Please check the settings of the network before you continue. " * 8
    _write_mo(
        locale / "demo.mo", [("Open the file", "打开文件"), (long_en, "请先检查网络设置。" * 30)]
    )
    assert read_mo(locale / "demo.mo")[0] == ("Open the file", "打开文件")
    doc = tmp_path / "doc" / "pkg"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text("This package is free software.\n\nYou may use it.\n")
    (doc / "README.gz").write_bytes(gzip.compress(b"A readme that ships compressed on disk."))
    stdlib = tmp_path / "lib"
    stdlib.mkdir()
    (stdlib / "mod.py").write_text('"""A module docstring for the corpus."""\n')
    corpus = load_benign(
        BenignSources(locale_dir=locale, doc_dir=tmp_path / "doc", stdlib_dir=stdlib), seed=1
    )
    counts = corpus.counts()
    assert counts["gettext-en"] >= 2
    assert counts["gettext-zh"] >= 2
    assert counts["doc-en"] == 3
    assert counts["python-docstrings-en"] == 1
    assert counts["near-miss"] > 20
    assert all(len(m.text) <= MAX_CHARS for m in corpus.messages)
    assert corpus.notes == []


def test_benign_loader_skips_missing_sources_with_a_note(tmp_path: Path) -> None:
    corpus = load_benign(
        BenignSources(
            locale_dir=tmp_path / "no-locale",
            doc_dir=tmp_path / "no-doc",
            stdlib_dir=tmp_path / "no-lib",
        )
    )
    assert set(corpus.counts()) == {"near-miss"}
    assert len(corpus.notes) == 3
    assert any("no-locale" in note for note in corpus.notes)


def test_eval_text_cli_reports_recall_and_false_positives(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fairgate", "eval", "text", "--samples", "1",
         "--per-source", "40", "--show", "5", "--json", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["overall_recall"]["cases"] > 100
    assert 0.0 <= data["overall_recall"]["recall"] <= 1.0
    plain = [r for r in data["recall"] if r["transformation"] == "plain"]
    assert {r["language"] for r in plain} == {"en", "zh"}
    assert all(r["recall"] == 1.0 for r in plain)  # unmodified terms must always match
    assert all(r["span_ok"] == r["detected"] for r in plain)
    sources = {r["source"]: r for r in data["benign"]}
    assert "near-miss" in sources
    assert data["false_positives"]["messages"] == sum(r["messages"] for r in data["benign"])
    for key in ("fired", "missed", "notes", "targets", "recall_by_transformation", "machine"):
        assert key in data
    assert len(data["missed"]) <= 5
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["text-eval-benign.csv", "text-eval-recall.csv", "text-eval.md"]
    assert "| transformation |" in (tmp_path / "out" / "text-eval.md").read_text()
