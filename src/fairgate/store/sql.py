"""``SqlStore``: the ``ListStore`` and ``DecisionStore`` protocols on SQLite or PostgreSQL.

Every method runs in its own short transaction. Writers that append to the
change log (``add_entries``, ``disable_entry``) are serialised (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: an advisory transaction lock), so change
``seq`` values become visible in commit order and a reader polling
``changes_since`` can never skip a change that commits late.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, RowMapping, func, insert, select, text, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError

from fairgate.audit import EventKind
from fairgate.errors import Conflict, InvalidInput, NotFound, StoreError
from fairgate.store import accounts as account_rows
from fairgate.store import audit_log, bulk, deferred_rows, migrate, validation
from fairgate.store import tables as t
from fairgate.store.engine import (
    WRITE_OPTIONS,
    is_memory_sqlite,
    make_engine,
    normalize_url,
    safe_url,
)
from fairgate.store.file_lock import WriterFileLock
from fairgate.store.group_commit import GroupCommit
from fairgate.store.records import Change, EntryRecord, ListRecord, NewEntry
from fairgate.types import MESSAGE_KINDS, Decision, ListAction, ListType, MessageKind

CHANGELOG_LOCK_KEY = 0x66_61_69_72_67_02
"""PostgreSQL advisory lock key held by transactions that append to ``list_changes``."""

_IDS_PER_QUERY = 500
"""Ids per ``IN (...)`` list (SQLite's default bound-parameter limit is far above)."""

OP_ADD = "add"
OP_DISABLE = "disable"


def open_store(url: str, *, upgrade: bool = True, write_batch_max: int = 64) -> SqlStore:
    """Open the database at ``url`` and bring its schema to head.

    ``InvalidInput`` for a malformed or unsupported URL; ``StoreError`` when the
    database cannot be reached or migrated. With ``upgrade=False`` the schema is
    only checked (``StoreError`` if it is not at head). ``write_batch_max``:
    at most this many concurrent callers share one commit (:attr:`SqlStore.group`).
    """
    parsed = normalize_url(url)
    engine = make_engine(parsed)
    try:
        with _translate(f"cannot open database {safe_url(parsed)}"):
            if upgrade:
                migrate.upgrade(engine)
            else:
                _check_at_head(engine)
    except CommandError as exc:
        engine.dispose()
        raise StoreError(f"cannot migrate database {safe_url(parsed)}: {exc}") from None
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine, write_batch_max=write_batch_max)


def _check_at_head(engine: Engine) -> None:
    with engine.connect() as conn:
        current = migrate.current_revision(conn)
    head = migrate.head_revision()
    if current != head:
        raise StoreError(
            f"database schema is at revision {current or 'none'}, expected {head}: "
            "run 'fairgate db upgrade'"
        )


class SqlStore:
    """Lists, entries, the change log and decisions in one SQL database."""

    entries_page_size: int = 5_000
    """Rows fetched per query while streaming ``entries()``."""

    def __init__(self, engine: Engine, *, write_batch_max: int = 64) -> None:
        self._engine = engine
        self._sqlite_writer: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
        """SQLite has one writer at a time: writers queue here (threads of this
        process and, for a database file, fairgate's other processes: a kernel
        file lock, :mod:`fairgate.store.file_lock`) instead of in SQLite's busy
        handler, which sleeps in steps of up to 100 ms (the tail latency of a
        busy service)."""
        if engine.dialect.name == "sqlite":
            self._sqlite_writer = (
                threading.RLock()
                if is_memory_sqlite(engine.url)
                else WriterFileLock(Path(str(engine.url.database)).resolve())
            )
        self.group = GroupCommit(
            self.transaction,
            shared=self._grouped,
            prepare=_read_ahead,
            max_batch=write_batch_max,
        )
        """Write transactions of concurrent screen calls, committed together."""
        self.on_changes: list[Callable[[], object]] = []
        """Called after every committed transaction that appended to the change
        log (the service publishes on its change feed here)."""

    # -- lifecycle ---------------------------------------------------------

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def url(self) -> str:
        """The database URL with any password masked."""
        return safe_url(self._engine.url)

    def ping(self) -> None:
        """Round-trip to the database; ``StoreError`` if it is unavailable."""
        with self._read() as conn:
            conn.execute(select(1))

    def close(self) -> None:
        self.group.close()
        self._engine.dispose()
        if isinstance(self._sqlite_writer, WriterFileLock):
            self._sqlite_writer.close()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlStore({self.url!r})"

    # -- lists -------------------------------------------------------------

    def create_list(
        self,
        name: str,
        list_type: ListType,
        *,
        action: ListAction = ListAction.BLOCK,
        severity: int = 1,
        kinds: Sequence[MessageKind] = ("chat", "search"),
        description: str = "",
        created_by: str = "cli",
    ) -> ListRecord:
        """Create a list; ``Conflict`` if the name is taken, ``InvalidInput`` if bad."""
        if not isinstance(description, str):
            raise InvalidInput("list description must be text")
        row = {
            "name": validation.list_name(name),
            "list_type": validation.enum_value(ListType, list_type, "list type").value,
            "action": validation.enum_value(ListAction, action, "list action").value,
            "severity": validation.severity(severity),
            "kinds": ",".join(validation.kinds(kinds)),
            "description": description,
            "created_at": _now(),
            "created_by": validation.actor(created_by, "creator"),
        }
        with self._write(audit=True) as conn:
            if conn.execute(select(t.lists.c.id).where(t.lists.c.name == name)).first():
                raise Conflict(f"a list named {name!r} already exists")
            try:
                list_id = conn.execute(insert(t.lists).returning(t.lists.c.id), row).scalar_one()
            except IntegrityError:
                raise Conflict(f"a list named {name!r} already exists") from None
            record = _list_record(self._list_row(conn, list_id))
            audit_log.append(
                conn,
                kind=EventKind.LIST_CREATE,
                subject=f"list:{record.name}",
                actor=record.created_by,
                payload={
                    "list_id": record.id,
                    "name": record.name,
                    "type": record.list_type.value,
                    "action": record.action.value,
                    "severity": record.severity,
                    "kinds": list(record.kinds),
                },
                at=record.created_at,
            )
            return record

    def get_list(self, name: str) -> ListRecord:
        """The list called ``name``; ``NotFound`` if there is none."""
        with self._read() as conn:
            row = conn.execute(select(t.lists).where(t.lists.c.name == name)).mappings().first()
        if row is None:
            raise NotFound(f"no list named {name!r}")
        return _list_record(row)

    def get_list_by_id(self, list_id: int) -> ListRecord:
        with self._read() as conn:
            return _list_record(self._list_row(conn, list_id))

    def all_lists(self) -> list[ListRecord]:
        with self._read() as conn:
            rows = conn.execute(select(t.lists).order_by(t.lists.c.id)).mappings().all()
        return [_list_record(r) for r in rows]

    # -- entries -----------------------------------------------------------

    def add_entries(self, list_id: int, entries: Sequence[NewEntry], *, added_by: str) -> list[int]:
        """Add entries in one transaction (all or nothing); returns their ids in order.
        Writes one ``add`` change per entry."""
        added_by = validation.actor(added_by, "added_by")
        lst = self.get_list_by_id(list_id)
        validation.new_entries(lst.list_type, entries)
        if not entries:
            return []
        now = _now()
        rows = [
            {
                "list_id": list_id,
                "signal_type": e.signal_type,
                "value": e.value,
                "value_sha256": t.value_sha256(e.value),
                "note": e.note,
                "source": e.source,
                "added_by": added_by,
                "added_at": now,
            }
            for e in entries
        ]
        with self._write(changelog=True, audit=True) as conn:
            ids = bulk.insert_entries(conn, rows)
            if len(ids) != len(rows):  # pragma: no cover - a driver bug, never expected
                raise StoreError(f"inserted {len(rows)} entries but got {len(ids)} ids back")
            bulk.insert_changes(
                conn, [{"op": OP_ADD, "list_id": list_id, "entry_id": i, "at": now} for i in ids]
            )
            audit_log.append(
                conn,
                kind=EventKind.LIST_ADD,
                subject=f"list:{lst.name}",
                actor=added_by,
                payload=_added_payload(lst, entries, ids),
                at=now,
            )
        return ids

    def disable_entry(
        self, list_id: int, entry_id: int, *, by: str, reason: str = ""
    ) -> EntryRecord:
        """Disable (never delete) an entry; ``NotFound`` if it is not in that list.
        Writes one ``disable`` change. Disabling twice is a no-op returning the record."""
        with self._write(changelog=True, audit=True) as conn:
            return self.disable_entry_in(conn, list_id, entry_id, by=by, reason=reason)

    def disable_entry_in(
        self, conn: Connection, list_id: int, entry_id: int, *, by: str, reason: str = ""
    ) -> EntryRecord:
        """:meth:`disable_entry` inside the caller's transaction (which must hold
        the change-log and audit locks: ``transaction(changelog=True)``)."""
        by = validation.actor(by, "disabled_by")
        if not isinstance(reason, str):
            raise InvalidInput("the reason for disabling an entry must be text")
        row = self._entry_row(conn, entry_id)
        if row is None or row["list_id"] != list_id:
            raise NotFound(f"no entry {entry_id} in list {list_id}")
        if row["disabled_at"] is not None:
            return _entry_record(row)
        now = _now()
        conn.execute(
            update(t.entries)
            .where(t.entries.c.id == entry_id)
            .values(disabled_at=now, disabled_by=by, disabled_reason=reason)
        )
        conn.execute(
            insert(t.list_changes),
            {"op": OP_DISABLE, "list_id": list_id, "entry_id": entry_id, "at": now},
        )
        audit_log.append(
            conn,
            kind=EventKind.LIST_DISABLE,
            subject=f"list:{self._list_row(conn, list_id)['name']}",
            actor=by,
            payload={
                "list_id": list_id,
                "entry_id": entry_id,
                "signal_type": row["signal_type"],
                "value_sha256": row["value_sha256"],
                "reason": reason,
            },
            at=now,
        )
        updated = self._entry_row(conn, entry_id)
        if updated is None:  # pragma: no cover - the row was just updated in this transaction
            raise StoreError(f"entry {entry_id} vanished while being disabled")
        return _entry_record(updated)

    def get_entry(self, entry_id: int) -> EntryRecord:
        with self._read() as conn:
            row = self._entry_row(conn, entry_id)
        if row is None:
            raise NotFound(f"no entry {entry_id}")
        return _entry_record(row)

    def get_entries(self, entry_ids: Sequence[int]) -> dict[int, EntryRecord]:
        found: dict[int, EntryRecord] = {}
        ids = sorted(set(entry_ids))
        with self._read() as conn:
            for start in range(0, len(ids), _IDS_PER_QUERY):
                chunk = ids[start : start + _IDS_PER_QUERY]
                rows = conn.execute(select(t.entries).where(t.entries.c.id.in_(chunk)))
                for row in rows.mappings():
                    found[int(row["id"])] = _entry_record(row)
        return found

    def entries(
        self,
        list_id: int | None = None,
        *,
        active_only: bool = True,
        signal_type: str | None = None,
    ) -> Iterator[EntryRecord]:
        """Entries ordered by id, streamed (lists can hold millions).

        Pages are fetched by id (keyset), each in its own short read, so no
        transaction or cursor stays open while the caller iterates. ``NotFound``
        is raised at once (not on first iteration) for an unknown ``list_id``.
        """
        if list_id is not None:
            self.get_list_by_id(list_id)
        return self._iter_entries(list_id, active_only, signal_type)

    def count_entries(self, list_id: int) -> int:
        """Active entries of one list (``NotFound`` for an unknown list)."""
        self.get_list_by_id(list_id)
        stmt = (
            select(func.count())
            .select_from(t.entries)
            .where(t.entries.c.list_id == list_id)
            .where(t.entries.c.disabled_at.is_(None))
        )
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def listed_with_in(self, conn: Connection, entry_id: int) -> list[int]:
        """Active entries listed together with ``entry_id`` from the same file: same list,
        source, adder and time (an image's ``pdq``, ``orb`` and hash entries), itself
        included if active; by id. Inside the caller's transaction."""
        row = self._entry_row(conn, entry_id)
        if row is None:
            return []
        c = t.entries.c
        stmt = (
            select(c.id)
            .where(c.list_id == row["list_id"])
            .where(c.source == row["source"])
            .where(c.added_by == row["added_by"])
            .where(c.added_at == row["added_at"])
            .where(c.disabled_at.is_(None))
            .order_by(c.id)
        )
        return [int(i) for i in conn.execute(stmt).scalars()]

    def entry_ids_with_value(
        self, signal_type: str, value: str, *, list_id: int | None = None
    ) -> list[int]:
        """Ids of the active entries holding exactly this value (of one list, or
        of any), looked up through the digest index: values of any size."""
        c = t.entries.c
        stmt = (
            select(c.id)
            .where(c.signal_type == signal_type)
            .where(c.value_sha256 == t.value_sha256(value))
            .where(c.value == value)
            .where(c.disabled_at.is_(None))
            .order_by(c.id)
        )
        if list_id is not None:
            stmt = stmt.where(c.list_id == list_id)
        with self._read() as conn:
            return [int(i) for i in conn.execute(stmt).scalars()]

    def active_values(self, signal_type: str) -> Iterator[tuple[int, str]]:
        """(id, value) of every active entry of one signal type, by id: the lean
        stream indexes load from (no record objects; pages as in ``entries``)."""
        page = max(1, self.entries_page_size) * 4
        after = 0
        while True:
            stmt = (
                select(t.entries.c.id, t.entries.c.value)
                .where(t.entries.c.signal_type == signal_type)
                .where(t.entries.c.id > after)
                .where(t.entries.c.disabled_at.is_(None))
                .order_by(t.entries.c.id)
                .limit(page)
            )
            with self._read() as conn:
                rows = [(int(r[0]), str(r[1])) for r in conn.execute(stmt)]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1][0]

    def _iter_entries(
        self, list_id: int | None, active_only: bool, signal_type: str | None
    ) -> Iterator[EntryRecord]:
        page = max(1, self.entries_page_size)
        after = 0
        while True:
            stmt = select(t.entries).where(t.entries.c.id > after)
            if list_id is not None:
                stmt = stmt.where(t.entries.c.list_id == list_id)
            if active_only:
                stmt = stmt.where(t.entries.c.disabled_at.is_(None))
            if signal_type is not None:
                stmt = stmt.where(t.entries.c.signal_type == signal_type)
            stmt = stmt.order_by(t.entries.c.id).limit(page)
            with self._read() as conn:
                rows = conn.execute(stmt).mappings().all()
            for row in rows:
                yield _entry_record(row)
            if len(rows) < page:
                return
            after = rows[-1]["id"]

    # -- change log --------------------------------------------------------

    def changes_since(self, seq: int, limit: int = 10_000) -> list[Change]:
        """Changes with ``seq`` greater than the given one, ascending."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(f"invalid limit {limit!r}: expected a positive integer")
        c = t.list_changes.c
        stmt = select(t.list_changes).where(c.seq > seq).order_by(c.seq).limit(limit)
        with self._read() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [
            Change(
                seq=r["seq"], op=r["op"], list_id=r["list_id"], entry_id=r["entry_id"], at=r["at"]
            )
            for r in rows
        ]

    def last_change_seq(self) -> int:
        """The highest change ``seq`` (0 when none): a cheap "anything new?" probe."""
        with self._read() as conn:
            value = conn.execute(select(func.max(t.list_changes.c.seq))).scalar()
        return int(value or 0)

    # -- decisions ---------------------------------------------------------

    def save_decision(self, decision: Decision) -> None:
        """Store the decision (its JSON form), its signals for later retro-scans,
        and its audit event, in one transaction. ``Conflict`` if a decision with
        the same id is already stored."""
        with self.transaction() as conn:
            self.insert_decision(conn, decision)

    @staticmethod
    def insert_decision(conn: Connection, decision: Decision) -> None:
        """:meth:`save_decision` inside the caller's transaction (which must hold
        the audit lock: :meth:`transaction`)."""
        validation.decision(decision)
        document = decision.to_dict()
        document.pop("signals", None)  # kept in decision_signals, purged after retention
        try:
            payload = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                f"decision {decision.decision_id!r} is not JSON-able: {exc}"
            ) from None
        row = {
            "decision_id": decision.decision_id,
            "created_at": decision.created_at,
            "message_id": decision.message_id,
            "sender": decision.sender,
            "conversation": decision.conversation,
            "kind": decision.kind,
            "action": decision.action.value,
            "payload": payload,
        }
        signals = [
            {
                "decision_id": decision.decision_id,
                "attachment": s.attachment,
                "signal_type": s.signal_type,
                "value": s.value,
                "value_sha256": t.value_sha256(s.value),
                "variant": s.variant,
                "quality": s.quality,
            }
            for s in decision.signals
        ]
        try:  # in a group commit: inserted with the others' at its end
            deferred_rows.insert_rows(conn, t.decisions, [row])
        except IntegrityError:
            raise Conflict(f"decision {decision.decision_id!r} is already stored") from None
        deferred_rows.insert_rows(conn, t.decision_signals, signals)
        audit_log.append(
            conn,
            kind=EventKind.DECISION,
            subject=f"decision:{decision.decision_id}",
            actor="fairgate",
            payload=decision_event(decision, payload),
            at=decision.created_at,
        )

    def get_decision(self, decision_id: str) -> dict[str, Any]:
        """The stored JSON form; ``NotFound`` if unknown."""
        c, s = t.decisions.c, t.decision_signals.c
        with self._read() as conn:
            payload = conn.execute(select(c.payload).where(c.decision_id == decision_id)).scalar()
            rows = conn.execute(
                select(s.signal_type, s.value, s.attachment, s.quality, s.variant)
                .where(s.decision_id == decision_id)
                .order_by(s.id)
            ).mappings()
            signals = [dict(r) for r in rows]
        if payload is None:
            raise NotFound(f"no decision {decision_id!r}")
        value = json.loads(payload)
        if not isinstance(value, dict):
            raise StoreError(f"decision {decision_id!r} is stored in an unexpected shape")
        value["signals"] = signals
        return value

    # -- helpers -----------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction (errors become ``StoreError``)."""
        with self._read() as conn:
            yield conn

    @contextmanager
    def transaction(self, *, changelog: bool = False) -> Iterator[Connection]:
        """One write transaction that may append audit events (and, with
        ``changelog``, list changes): everything in it commits together or not
        at all. Locks are always taken in the same order (change log, then
        audit), so transactions never deadlock on them."""
        with self._write(changelog=changelog, audit=True) as conn:
            yield conn

    @contextmanager
    def _grouped(self) -> Iterator[Connection]:
        """The transaction of a group commit: rows nothing reads back (decisions,
        their signals, audit events) are inserted together at its end."""
        with self.transaction() as conn, deferred_rows.collecting(conn):
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _translate(), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self, *, changelog: bool = False, audit: bool = False) -> Iterator[Connection]:
        with self._sqlite_writer, _translate(), self._engine.connect() as conn:
            conn.execution_options(**WRITE_OPTIONS)
            with conn.begin():
                if changelog and conn.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGELOG_LOCK_KEY}
                    )
                if audit:
                    audit_log.lock(conn)
                yield conn
        if changelog:
            for listener in self.on_changes:
                listener()

    @staticmethod
    def _list_row(conn: Connection, list_id: int) -> RowMapping:
        stmt = select(t.lists).where(t.lists.c.id == list_id)
        row = conn.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(f"no list with id {list_id}")
        return row

    @staticmethod
    def _entry_row(conn: Connection, entry_id: int) -> RowMapping | None:
        stmt = select(t.entries).where(t.entries.c.id == entry_id)
        return conn.execute(stmt).mappings().first()


def _read_ahead(conn: Connection, works: Sequence[object]) -> None:
    """A group commit's batch: the standing of all its screen calls' senders, in
    one query (the works that will read one say so: ``ReadsStanding``)."""
    account_rows.read_ahead(
        conn, [w.standing_read for w in works if isinstance(w, account_rows.ReadsStanding)]
    )


@contextmanager
def _translate(context: str = "database error") -> Iterator[None]:
    """Turn SQLAlchemy/driver errors into ``StoreError`` with a one-line reason."""
    try:
        yield
    except DataError as exc:
        # The database refused a value (e.g. a NUL character, a number out of
        # range): the caller's input, not an outage.
        raise InvalidInput(f"the database refused a value: {_reason(exc)}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"{context}: {_reason(exc)}") from exc


def _reason(exc: SQLAlchemyError) -> str:
    source: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    return lines[0] if lines else type(source).__name__


def _now() -> datetime:
    return datetime.now(UTC)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _added_payload(
    lst: ListRecord, entries: Sequence[NewEntry], ids: Sequence[int]
) -> dict[str, Any]:
    """One event per add call (an import of a million hashes is one event): the
    ids, how many of each signal type, and a digest of the values in id order, so
    the event pins exactly what was added without copying the list into the log."""
    digest = hashlib.sha256()
    by_type: dict[str, int] = {}
    for entry in entries:
        digest.update(f"{entry.signal_type}:{entry.value}\n".encode())
        by_type[entry.signal_type] = by_type.get(entry.signal_type, 0) + 1
    return {
        "list_id": lst.id,
        "count": len(ids),
        "first_entry_id": ids[0],
        "last_entry_id": ids[-1],
        "signal_types": by_type,
        "values_sha256": digest.hexdigest(),
    }


def decision_event(decision: Decision, payload_json: str) -> dict[str, Any]:
    """The audit payload of a decision: what was decided and why, and the digest
    of the stored decision document (so editing that row is detected too)."""
    return {
        "decision_id": decision.decision_id,
        "account_id": decision.sender,
        "kind": decision.kind,
        "action": decision.action.value,
        "rules": sorted({r.rule for r in decision.reasons}),
        "entries": sorted({r.match.entry_id for r in decision.reasons if r.match is not None}),
        "payload_sha256": _sha256(payload_json),
    }


def _list_record(row: RowMapping) -> ListRecord:
    stored = set(str(row["kinds"]).split(","))
    kinds: tuple[MessageKind, ...] = tuple(k for k in MESSAGE_KINDS if k in stored)
    return ListRecord(
        id=row["id"],
        name=row["name"],
        list_type=ListType(row["list_type"]),
        action=ListAction(row["action"]),
        severity=row["severity"],
        kinds=kinds,
        description=row["description"],
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def _entry_record(row: RowMapping) -> EntryRecord:
    return EntryRecord(
        id=row["id"],
        list_id=row["list_id"],
        signal_type=row["signal_type"],
        value=row["value"],
        note=row["note"],
        source=row["source"],
        added_by=row["added_by"],
        added_at=row["added_at"],
        disabled_at=row["disabled_at"],
        disabled_by=row["disabled_by"],
        disabled_reason=row["disabled_reason"],
    )
