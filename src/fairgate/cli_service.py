"""``fairgate serve`` and ``fairgate keys``: the HTTP API and its API keys."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from fairgate.cli_support import ByOpt, DbOpt, JsonOpt, emit, out, settings_for
from fairgate.errors import InvalidInput

keys_app = typer.Typer(
    help="API keys with roles (shown once, stored hashed).", no_args_is_help=True
)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy YAML [env FAIRGATE_POLICY_PATH].")
    ] = None,
    redis: Annotated[
        str | None,
        typer.Option("--redis", help="redis://... change feed [env FAIRGATE_REDIS_URL]."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    db: DbOpt = None,
) -> None:
    """Run the HTTP API and the reviewers' console (/console) with N worker
    processes; each loads the indexes before it reports ready on /readyz."""
    import uvicorn

    from fairgate.store import open_store

    settings = settings_for(db, policy)
    if redis is not None:
        settings = settings.model_copy(update={"redis_url": redis})
    if settings.policy_path is not None and not settings.policy_path.is_file():
        raise InvalidInput(f"{settings.policy_path}: policy file not found")
    with open_store(settings.database_url):
        pass  # migrate once here, not in every worker at the same moment
    os.environ["FAIRGATE_DATABASE_URL"] = settings.database_url
    if settings.policy_path is not None:
        os.environ["FAIRGATE_POLICY_PATH"] = str(settings.policy_path.resolve())
    if settings.redis_url:
        os.environ["FAIRGATE_REDIS_URL"] = settings.redis_url
    uvicorn.run(
        "fairgate.service.factory:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option("--role", help="platform, reviewer or admin")],
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")] = "key",
    by: ByOpt = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from fairgate.service.keys import KeyRing
    from fairgate.store import open_store

    with open_store(settings_for(db).database_url) as store:
        new = KeyRing(store, cache_seconds=0).create(name=name, role=role, by=by)
    data = {**new.record.to_dict(), "key": new.key}
    emit(data, as_json, lambda: out.print(new.key, markup=False, highlight=False))


@keys_app.command("list")
def keys_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every key's name, role, prefix and state (never the key)."""
    from rich.table import Table

    from fairgate.service.keys import KeyRing
    from fairgate.store import open_store

    with open_store(settings_for(db).database_url) as store:
        rows = [k.to_dict() for k in KeyRing(store, cache_seconds=0).list()]

    def human() -> None:
        table = Table("prefix", "name", "role", "created_at", "revoked_at", "last_used_at")
        for r in rows:
            table.add_row(
                *(
                    str(r[c] or "")
                    for c in ("prefix", "name", "role", "created_at", "revoked_at", "last_used_at")
                )
            )
        out.print(table)

    emit(rows, as_json, human)


@keys_app.command("revoke")
def keys_revoke(prefix: str, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Revoke a key by its prefix (it stops working within api_key_cache_seconds)."""
    from fairgate.service.keys import KeyRing
    from fairgate.store import open_store

    with open_store(settings_for(db).database_url) as store:
        KeyRing(store, cache_seconds=0).revoke(prefix)
    emit({"revoked": prefix}, as_json, lambda: out.print(f"revoked {prefix}"))
