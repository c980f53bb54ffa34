"""Fuzz the text forms: fast and mapped agree, and every span maps back."""

from __future__ import annotations

import sys

import atheris
import opencc  # noqa: F401  (imported before instrumentation: only fairgate is instrumented)
import pydantic  # noqa: F401
import pypinyin  # noqa: F401

with atheris.instrument_imports(include=["fairgate"]):
    from fairgate.text.normalize import FORMS, fast_texts


def test_one(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    fast = fast_texts(text)
    for spec, expected in zip(FORMS, fast, strict=True):
        form = spec.mapped(text)
        if form.text != expected:
            raise AssertionError(f"{spec.name}: mapped {form.text!r} != fast {expected!r}")
        if len(form.starts) != len(form.text) or len(form.ends) != len(form.text):
            raise AssertionError(f"{spec.name}: span map length differs from the text")
        for a, b in zip(form.starts, form.ends, strict=True):
            if not 0 <= a < b <= len(text):
                raise AssertionError(f"{spec.name}: span {a}..{b} outside the original")


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
