"""``fairgate``: the command line (see DESIGN.md, "The integrator's contract").

Exit codes: 0 success, 1 runtime error, 2 bad usage or bad input (with a
one-line reason on stderr). Every command takes ``--db`` and ``--json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from fairgate import render
from fairgate.cli_due import accounts_app, appeals_app, audit_app, retention_app, review_app
from fairgate.cli_eval import eval_app
from fairgate.cli_report import report
from fairgate.cli_service import keys_app, serve
from fairgate.cli_support import (
    ByOpt,
    DbOpt,
    JsonOpt,
    PolicyOpt,
    emit,
    engine_for,
    err,
    fail,
    out,
    positive_counts,
    settings_for,
    wide,
)
from fairgate.cli_users import users_app
from fairgate.cli_webhooks import webhooks_app
from fairgate.errors import FairgateError, InvalidInput
from fairgate.types import ListAction, ListType, MessageKind

app = typer.Typer(
    help="fairgate: screen chat messages against hash and keyword lists, accountably.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
lists_app = typer.Typer(help="Create, fill and inspect lists.", no_args_is_help=True)
bench_app = typer.Typer(
    help="Measure speed (results are ratios against a baseline).", no_args_is_help=True
)
app.add_typer(lists_app, name="lists")
app.add_typer(bench_app, name="bench")
db_app = typer.Typer(
    help="The database schema (migrations run on open as well).", no_args_is_help=True
)
app.add_typer(db_app, name="db")


app.add_typer(eval_app, name="eval")
app.add_typer(accounts_app, name="accounts")
app.add_typer(appeals_app, name="appeals")
app.add_typer(review_app, name="review")
app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.command("serve")(serve)
app.add_typer(webhooks_app, name="webhooks")
app.command("report")(report)


# -- hash ---------------------------------------------------------------------
@app.command("hash")
def hash_cmd(
    files: Annotated[list[Path], typer.Argument(help="Image files.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print sha256, md5, PDQ and PDQ quality of each file (one JSON object per line)."""
    from fairgate.signals.registry import hash_file

    settings = settings_for(db)
    for path in files:
        result = hash_file(path, settings)
        if as_json:
            sys.stdout.write(json.dumps(result) + "\n")
        else:
            out.print(
                f"{result['file']}  pdq={result['pdq']} q={result['pdq_quality']}  "
                f"sha256={result['sha256']}  md5={result['md5']}",
                markup=False,
                highlight=False,
            )


# -- lists ----------------------------------------------------------------------
def parse_kinds(kinds: str) -> tuple[MessageKind, ...]:
    names = tuple(k.strip() for k in kinds.split(",") if k.strip())
    bad = [k for k in names if k not in ("chat", "search")]
    if bad or not names:
        raise InvalidInput(f"--kinds takes chat, search or chat,search (got {kinds!r})")
    return names  # type: ignore[return-value]


@lists_app.command("create")
def lists_create(
    name: str,
    list_type: Annotated[ListType, typer.Option("--type", help="image or text")],
    action: Annotated[ListAction, typer.Option(help="Default action of a match.")] = (
        ListAction.BLOCK
    ),
    severity: Annotated[int, typer.Option(help="0..10")] = 1,
    kinds: Annotated[str, typer.Option(help="Message kinds it applies to.")] = "chat,search",
    description: Annotated[str, typer.Option(help="What the list is for.")] = "",
    by: ByOpt = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a list."""
    with engine_for(db) as engine:
        lst = engine.lists.create(
            name,
            list_type,
            action=action,
            severity=severity,
            kinds=parse_kinds(kinds),
            description=description,
            by=by,
        )
    emit(
        render.list_dict(lst), as_json, lambda: out.print(f"created list {lst.name} (id {lst.id})")
    )


@lists_app.command("add")
def lists_add(
    name: str,
    files: Annotated[list[Path] | None, typer.Argument(help="Image files to hash and add.")] = None,
    term: Annotated[
        list[str] | None,
        typer.Option("--term", help="A term (repeatable); '*' at an end: may sit inside a word."),
    ] = None,
    terms_file: Annotated[
        Path | None, typer.Option("--terms-file", help="One term a line.")
    ] = None,
    allow_term: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-term", help="An allow-term: suppresses deny hits inside it (repeatable)."
        ),
    ] = None,
    allow_terms_file: Annotated[
        Path | None, typer.Option("--allow-terms-file", help="One allow-term a line.")
    ] = None,
    regex: Annotated[
        list[str] | None, typer.Option("--regex", help="An RE2 regex rule (repeatable).")
    ] = None,
    hash_: Annotated[
        list[str] | None, typer.Option("--hash", help="TYPE:VALUE, e.g. pdq:<64 hex> (repeatable).")
    ] = None,
    note: Annotated[str, typer.Option(help="A note stored with each entry.")] = "",
    by: ByOpt = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add entries: image files, terms, allow-terms, regexes or hash values.
    Prints the new entry ids."""
    terms = list(term or [])
    if terms_file is not None:
        terms.extend(render.read_terms(terms_file))
    allows = list(allow_term or [])
    if allow_terms_file is not None:
        allows.extend(render.read_terms(allow_terms_file))
    regexes = list(regex or [])
    hashes = [render.split_hash(h) for h in hash_ or []]
    if not (files or terms or allows or regexes or hashes):
        raise InvalidInput(
            "nothing to add: give FILE..., --term, --terms-file, --allow-term, "
            "--allow-terms-file, --regex or --hash"
        )
    with engine_for(db) as engine:
        # everything validated first, then written in one transaction
        result = engine.lists.add_many(
            name,
            paths=files or (),
            hashes=hashes,
            terms=terms,
            allow_terms=allows,
            regexes=regexes,
            by=by,
            note=note,
        )
        added, notes = list(result.added), list(result.notes)
    data = {
        "list": name,
        "added": [render.added_dict(a) for a in added],
        "notes": [n.to_dict() for n in notes],
    }
    emit(data, as_json, lambda: render.print_added(out, err, data))


@lists_app.command("remove")
def lists_remove(
    name: str,
    entry_id: int,
    reason: Annotated[str, typer.Option(help="Why (recorded).")] = "",
    by: ByOpt = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Disable an entry (it is kept for the record, and never matches again)."""
    with engine_for(db) as engine:
        engine.lists.remove(name, entry_id, by=by, reason=reason)
    emit(
        {"list": name, "disabled": entry_id},
        as_json,
        lambda: out.print(f"disabled entry {entry_id} of {name}"),
    )


@lists_app.command("import")
def lists_import(
    name: str,
    file: Path,
    strict: Annotated[
        bool,
        typer.Option(help="Reject the whole file if any line is bad (default: good lines in)."),
    ] = False,
    default_type: Annotated[
        str | None, typer.Option("--signal-type", help="Type of plain lines (default: by length).")
    ] = None,
    by: ByOpt = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import hashes: one PDQ/md5 hex a line, or CSV signal_type,signal[,note]."""
    report = render.run_import(
        out,
        engine_for(db),
        name,
        file,
        strict=strict,
        default_type=default_type,
        by=by,
        quiet=as_json,
    )
    emit(render.import_dict(report), as_json, lambda: render.print_import(out, err, report))
    if report.rejected and (strict or (not report.added and not report.duplicates)):
        raise typer.Exit(2)


@lists_app.command("export")
def lists_export(
    name: str,
    plain: Annotated[bool, typer.Option(help="One hash a line instead of CSV.")] = False,
    signal_type: Annotated[
        str | None, typer.Option("--signal-type", help="Only entries of this type.")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a hash list as CSV signal_type,signal[,note] (or --plain; terms one a line)."""
    with engine_for(db) as engine:
        if as_json:
            for entry in engine.lists.export_entries(name, signal_type=signal_type):
                sys.stdout.write(json.dumps(render.entry_dict(entry), ensure_ascii=False) + "\n")
        else:
            for line in engine.lists.export_lines(name, plain=plain, signal_type=signal_type):
                sys.stdout.write(line + "\n")


@lists_app.command("show")
def lists_show(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Show every list with its active entry count."""
    with engine_for(db) as engine:
        rows = render.lists_rows(engine)
    emit(rows, as_json, lambda: out.print(render.lists_table(rows)))


# -- screen ---------------------------------------------------------------------
@app.command("screen")
def screen_cmd(
    text: Annotated[str, typer.Option("--text", help="Message text or search query.")] = "",
    image: Annotated[
        list[Path] | None, typer.Option("--image", help="Attachment (repeatable).")
    ] = None,
    sender: Annotated[str, typer.Option(help="Sender account id.")] = "cli-user",
    conversation: Annotated[str | None, typer.Option(help="Conversation id.")] = None,
    kind: Annotated[str, typer.Option(help="chat or search")] = "chat",
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Screen one message and print the Decision."""
    message = render.message_from_cli(text, image or [], sender, conversation, kind)
    with engine_for(db, policy) as engine:
        decision = engine.screen(message)
    emit(decision.to_dict(), as_json, lambda: render.print_decision(out, decision))


# -- db -------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Create or migrate the schema to the newest revision."""
    from fairgate.store import open_store
    from fairgate.store.migrate import current_revision

    with open_store(settings_for(db).database_url) as store, store.engine.connect() as conn:
        revision = current_revision(conn)
    emit({"revision": revision}, as_json, lambda: out.print(f"schema at revision {revision}"))


@db_app.command("current")
def db_current(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Print the schema revision and whether it is the newest (exit 1 if behind)."""
    from fairgate.store.engine import make_engine, normalize_url
    from fairgate.store.migrate import current_revision, head_revision

    engine = make_engine(normalize_url(settings_for(db).database_url))
    try:
        with engine.connect() as conn:
            revision = current_revision(conn)
    finally:
        engine.dispose()
    head = head_revision()
    data = {"revision": revision, "head": head, "up_to_date": revision == head}
    emit(data, as_json, lambda: out.print(f"schema at {revision or 'nothing'}; newest {head}"))
    if revision != head:
        raise typer.Exit(1)


# -- bench ----------------------------------------------------------------------
@bench_app.command("hashing")
def bench_hashing(
    files: Annotated[
        list[Path] | None, typer.Argument(help="JPEGs (default: a generated set).")
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Passes over the files.")] = 5,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """PDQ from JPEG files: fairgate's screening path vs pdqhash on a full decode."""
    from fairgate.bench.hashing import run as run_hashing_bench

    report = run_hashing_bench(files or [], repeat=repeat, settings=settings_for(db))
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("index")
def bench_index(
    sizes: Annotated[str, typer.Option(help="Comma-separated stored-hash counts.")] = (
        "100000,1000000,10000000"
    ),
    kinds: Annotated[
        str, typer.Option(help="Indexes to compare: auto, flat, mih, faiss-flat, faiss-mih.")
    ] = "auto,faiss-flat",
    queries: Annotated[int, typer.Option(min=1, help="Queries per size and mix.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic hashes.")] = 0,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Hamming index: p50/p99 query latency and memory by size, vs flat FAISS."""
    from fairgate.bench.index import IndexRow
    from fairgate.bench.index import run as run_index_bench

    size_list = positive_counts(sizes, "--sizes")

    def progress(row: IndexRow) -> None:
        err.print(
            f"{row.size:>11,} {row.kind:<10} build {row.build_s:6.2f}s "
            f"p50 {row.realistic.p50_ms:.3f} p99 {row.realistic.p99_ms:.3f} ms "
            f"mem {row.memory_bytes / 1e6:,.0f} MB recall {row.realistic.recall}",
            markup=False,
        )

    report = run_index_bench(
        sizes=size_list,
        queries=queries,
        kinds=[k.strip() for k in kinds.split(",") if k.strip()],
        seed=seed,
        progress=progress,
    )
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("shortlist")
def bench_shortlist(
    sizes: Annotated[str, typer.Option(help="Comma-separated listed-entry counts.")] = (
        "1000,10000,100000"
    ),
    queries: Annotated[int, typer.Option(min=1, help="Queries per size.")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Nominating local-feature / thumbnail candidates in a large list, vs a numpy pass."""
    from fairgate.bench.shortlist import run as run_shortlist_bench

    size_list = positive_counts(sizes, "--sizes")
    settings = settings_for(None)
    report = run_shortlist_bench(
        sizes=size_list,
        queries=queries,
        max_distance=settings.visual_candidate_distance,
        limit=settings.visual_max_verify,
    )
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("top2")
def bench_top2(
    entries: Annotated[str, typer.Option(help="Comma-separated local-feature entry counts.")] = (
        "10,30,100"
    ),
    sent: Annotated[int, typer.Option(help="Keypoints of the sent image.")] = 600,
    repeat: Annotated[int, typer.Option(min=1, help="Searches per implementation.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """ORB verification's two-nearest search: the compiled kernel vs FAISS."""
    from fairgate.bench.top2 import run as run_top2_bench

    size_list = positive_counts(entries, "--entries")
    if not 2 <= sent <= 5000:
        fail("--sent must be between 2 and 5000")
    report = run_top2_bench(sizes=size_list, sent=sent, repeat=repeat)
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("screen")
def bench_screen(
    entries: Annotated[int, typer.Option(min=0, help="Random PDQ hashes to list.")] = 1_000_000,
    repeat: Annotated[int, typer.Option(min=1, help="Calls timed per step.")] = 200,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Engine.screen end to end with N listed hashes, vs a bare pdqhash of the same photo."""
    from fairgate.bench.screen import run as run_screen_bench

    report = run_screen_bench(entries=entries, repeat=repeat)
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("frames")
def bench_frames(
    frames: Annotated[int, typer.Option(min=2, help="Frames in each animation.")] = 16,
    counts: Annotated[
        str, typer.Option(help="Comma-separated media_max_frames values to time.")
    ] = "1,8,16",
    repeat: Annotated[int, typer.Option(min=1, help="Calls timed per value.")] = 7,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Engine.screen of GIF and WebP animations by media_max_frames: the cost of a frame."""
    from fairgate.bench.frames import run as run_frames_bench

    try:
        values = tuple(int(c) for c in counts.split(",") if c.strip())
    except ValueError:
        fail(f"--counts must be comma-separated integers, got {counts!r}")
    if not values or min(values) < 1 or max(values) > 1000:
        fail("--counts needs values from 1 to 1000")
    report = run_frames_bench(frames=frames, counts=tuple(sorted(set(values))), repeat=repeat)
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("text")
def bench_text(
    terms: Annotated[int, typer.Option(min=1, help="Synthetic terms to list.")] = 100_000,
    messages: Annotated[int, typer.Option(min=1, help="Messages matched per stage.")] = 20_000,
    screen_messages: Annotated[
        int, typer.Option(min=0, help="Of those, messages sent through Engine.screen.")
    ] = 2_000,
    hit_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of messages carrying a listed term.")
    ] = 0.01,
    seed: Annotated[int, typer.Option(help="Seed of the terms and the message mix.")] = 0,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Text matching speed (all forms) with N terms, vs one plain ahocorasick-rs automaton."""
    from fairgate.bench.text import run as run_text_bench

    report = run_text_bench(
        terms=terms,
        messages=messages,
        screen_messages=screen_messages,
        hit_share=hit_share,
        seed=seed,
    )
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("propagation")
def bench_propagation(
    workers: Annotated[int, typer.Option(min=2, max=16, help="fairgate serve processes.")] = 3,
    trials: Annotated[int, typer.Option(min=1, help="Changes made through worker 0.")] = 100,
    redis: Annotated[
        str | None, typer.Option("--redis", help="redis://... [env FAIRGATE_REDIS_URL]")
    ] = None,
    baseline: Annotated[
        bool, typer.Option(help="Also measure database polling without Redis.")
    ] = True,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Time from a list change on one worker to a block on every other worker:
    Redis change feed vs database polling, p50/p99 (fresh schema or SQLite file)."""
    from fairgate.bench.propagation import run as run_propagation

    settings = settings_for(db)
    report = run_propagation(
        db=db or settings.database_url,
        redis_url=redis or settings.redis_url,
        workers=workers,
        trials=trials,
        baseline=baseline,
    )
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("service")
def bench_service(
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes.")] = 2,
    connections: Annotated[int, typer.Option(min=1, max=1000, help="wrk connections.")] = 32,
    duration: Annotated[int, typer.Option(min=1, max=3600, help="Seconds per scenario.")] = 15,
    image_entries: Annotated[
        int,
        typer.Option(
            min=0, max=10_000_000, help="PDQ hashes in the image list besides the listed image."
        ),
    ] = 100_000,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """HTTP load with wrk against fairgate serve: text, pre-hashed and small
    images, vs /healthz, req/s and p50/p99 (SQLite unless --db is PostgreSQL)."""
    from fairgate.bench.service import run as run_service

    try:
        report = run_service(
            db=db,
            workers=workers,
            connections=connections,
            duration=duration,
            image_entries=image_entries,
        )
    except FileNotFoundError as exc:
        raise InvalidInput(str(exc)) from None
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))


@bench_app.command("soak")
def bench_soak(
    minutes: Annotated[float, typer.Option(min=0.1, max=1440, help="How long.")] = 5.0,
    rate: Annotated[float, typer.Option(min=1, max=10_000, help="Requests per second.")] = 100.0,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes.")] = 2,
    window: Annotated[float, typer.Option(min=5, help="Seconds per reported window.")] = 30.0,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Mixed traffic at a fixed rate for minutes with the change feed busy:
    errors, p99 drift and server memory growth per window."""
    from fairgate.bench.soak import run as run_soak

    report = run_soak(db=db, minutes=minutes, rate=rate, workers=workers, window_s=window)
    emit(report.to_dict(), as_json, lambda: wide.print(report.render()))
    if report.errors:
        raise typer.Exit(1)


def main() -> None:
    """Entry point: map fairgate's errors to exit codes with a one-line reason.

    Typer runs in standalone mode, so usage errors already exit 2 with its
    message; fairgate's own exceptions are mapped here."""
    try:
        app()
    except InvalidInput as exc:
        err.print(f"fairgate: {exc}", markup=False, highlight=False)
        sys.exit(2)
    except FairgateError as exc:
        err.print(f"fairgate: error: {exc}", markup=False, highlight=False)
        sys.exit(1)
