"""``fairgate users``: people who sign in to the reviewers' console."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from fairgate.cli_support import ByOpt, DbOpt, JsonOpt, emit, out, settings_for
from fairgate.errors import InvalidInput

users_app = typer.Typer(
    help="Console users (reviewer or admin; passwords stored as argon2id hashes).",
    no_args_is_help=True,
)


def _password(password_file: Path | None) -> str:
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"{password_file}: cannot read the password file ({exc})") from None
        return text.rstrip("\r\n")
    first = typer.prompt("Password", hide_input=True)
    again = typer.prompt("Repeat the password", hide_input=True)
    if first != again:
        raise InvalidInput("the two passwords differ")
    return str(first)


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="The user's sign-in name.")],
    role: Annotated[str, typer.Option("--role", help="reviewer or admin")] = "reviewer",
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="Read the password from this file (else prompt)."),
    ] = None,
    by: ByOpt = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a console user; the password is prompted for (never an argument)."""
    from fairgate.console.users import check_password, create_user
    from fairgate.store import open_store

    password = check_password(_password(password_file))
    with open_store(settings_for(db).database_url) as store:
        user = create_user(store.engine, name, role, password, by=by, now=datetime.now(UTC))
    data = {"name": user.name, "role": user.role, "created_at": user.created_at.isoformat()}
    emit(data, as_json, lambda: out.print(f"created {user.role} {user.name}", markup=False))


@users_app.command("list")
def users_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every console user with role and state (never a password)."""
    from fairgate.console.users import all_users
    from fairgate.store import open_store

    with open_store(settings_for(db).database_url) as store:
        rows = [
            {
                "name": u.name,
                "role": u.role,
                "created_at": u.created_at.isoformat(),
                "created_by": u.created_by,
                "disabled": u.disabled_at is not None,
            }
            for u in all_users(store.engine)
        ]

    def human() -> None:
        for r in rows:
            state = "disabled" if r["disabled"] else "active"
            out.print(f"{r['name']}\t{r['role']}\t{state}", markup=False, highlight=False)

    emit(rows, as_json, human)


@users_app.command("disable")
def users_disable(name: str, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Disable a console user and end their sessions."""
    from fairgate.console.users import get_user, set_disabled
    from fairgate.store import open_store

    with open_store(settings_for(db).database_url) as store:
        get_user(store.engine, name)
        set_disabled(store.engine, name, disabled=True, now=datetime.now(UTC))
    emit({"disabled": name}, as_json, lambda: out.print(f"disabled {name}", markup=False))
