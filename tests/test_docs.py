"""The README and the code must agree: every setting and command is documented."""

from __future__ import annotations

import re
from typing import Any

import typer.main
from tests.conftest import ROOT

from fairgate.cli import app
from fairgate.settings import Settings

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default() -> None:
    for name, field in Settings.model_fields.items():
        row = re.search(rf"^\| `{name}` \| ([^|]+) \|", README, re.MULTILINE)
        assert row, f"setting {name} missing from README's settings table"
        default = field.get_default(call_default_factory=True)
        if default is None:
            continue
        shown = row.group(1).strip().strip("`")
        expected = str(default).lower() if isinstance(default, bool) else str(default)
        assert shown == expected, f"{name}: README says {shown}, code says {expected}"


def _commands(group: Any, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            names.extend(_commands(command, f"{prefix}{name} "))
        else:
            names.append(f"{prefix}{name}")
    return names


def test_every_command_is_documented() -> None:
    group = typer.main.get_command(app)
    commands = _commands(group)
    assert "lists import" in commands
    for command in commands:
        assert f"`fairgate {command}" in README, f"command {command} missing from README"


def test_quick_start_is_two_commands() -> None:
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert len([line for line in block.splitlines() if line.strip()]) == 2
