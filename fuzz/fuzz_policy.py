"""Fuzz the policy loader: any text is a policy or a PolicyError with a line."""

from __future__ import annotations

import sys

import atheris
import pydantic  # noqa: F401  (imported before instrumentation: only fairgate is instrumented)
import yaml  # noqa: F401

with atheris.instrument_imports(include=["fairgate"]):
    from fairgate.errors import PolicyError
    from fairgate.policy import parse_policy


def test_one(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(8192)
    try:
        parse_policy(text, name="fuzz.yaml")
    except PolicyError as exc:
        if not str(exc).startswith("fuzz.yaml"):
            raise AssertionError(f"policy error without its file name: {exc}") from None


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
