"""What every ``fairgate`` command group shares: consoles, options, errors, output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from fairgate.settings import Settings

out = Console(soft_wrap=True)
wide = Console(width=max(out.width, 180))
"""For benchmark tables, which are wider than a default terminal."""
err = Console(stderr=True, soft_wrap=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL [env FAIRGATE_DATABASE_URL, else sqlite:///fairgate.db]"
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
PolicyOpt = Annotated[
    Path | None, typer.Option("--policy", help="Policy YAML [env FAIRGATE_POLICY_PATH].")
]
ByOpt = Annotated[str, typer.Option("--by", help="Who is making the change (recorded).")]

T = TypeVar("T")


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"fairgate: {message}", markup=False, highlight=False)
    raise typer.Exit(code)


def positive_counts(text: str, option: str) -> tuple[int, ...]:
    """A comma-separated list of positive integers (``_`` allowed as a digit separator),
    or a CLI failure naming ``option``."""
    try:
        values = tuple(int(s.replace("_", "")) for s in text.split(",") if s.strip())
    except ValueError:
        fail(f"{option} must be comma-separated integers, got {text!r}")
    if not values or min(values) < 1:
        fail(f"{option} needs at least one positive count")
    return values


def settings_for(db: str | None, policy: Path | None = None) -> Settings:
    settings = Settings()
    update: dict[str, Any] = {}
    if db is not None:
        update["database_url"] = db
    if policy is not None:
        update["policy_path"] = policy
    return settings.model_copy(update=update) if update else settings


@contextmanager
def engine_for(db: str | None, policy: Path | None = None) -> Iterator[Any]:
    from fairgate.engine import Engine  # heavy imports only for commands that need them

    settings = settings_for(db, policy)
    with Engine.open(settings=settings) as engine:
        yield engine


def emit(data: Any, as_json: bool, human: Callable[[], None]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        human()
