"""Read a report's numbers from the store: SQL Core queries, aggregated in the database.

Every fact is counted by its own timestamp in ``[since, until)``: decisions by
``created_at``, appeals filed by ``filed_at`` and decided by ``decided_at``,
restrictions by ``starts_at``, review items queued by ``created_at`` and decided
by ``decided_at``. Anything "at the end of the period" is judged as of
``until``, so re-running a report for a past period gives the same numbers.
All queries run in one read transaction (a snapshot on both backends).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Select,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from fairgate.errors import StoreError
from fairgate.report.methods import METHODS, NO_MATCH, detection_method
from fairgate.report.model import (
    ACTIONS,
    NO_RULE,
    ActionRow,
    AppealStats,
    Count,
    DecisionStats,
    Report,
    RestrictionRow,
    ReviewRow,
)
from fairgate.report.period import Period
from fairgate.store import tables as t

REVIEW_OUTCOMES: dict[str, tuple[str, ...]] = {
    "hold": ("deliver", "block"),
    "retro": ("dismiss", "confirm"),
    "appeal": ("uphold", "overturn"),
}
"""Review kinds and their outcomes, always listed (zero when none); outcomes the
database holds beyond these are listed too."""

_STREAM_ROWS = 1_000


def collect(
    engine: Engine,
    period: Period,
    *,
    generated_at: datetime,
    rules: Sequence[str] = (),
    levels: Sequence[str] = (),
) -> Report:
    """The report for ``period``. ``rules`` and ``levels`` (e.g. from the policy) are
    listed with zero counts when nothing happened under them; restriction levels
    ever stored are listed as well. ``StoreError`` if the database fails."""
    with _snapshot(engine) as conn:
        return Report(
            period=period,
            generated_at=generated_at,
            decisions=_decisions(conn, period, rules),
            appeals=_appeals(conn, period),
            restrictions=_restrictions(conn, period, levels),
            reviews=_reviews(conn, period),
        )


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot read the report's data: {exc.__class__.__name__}: {exc}"
        ) from None


def _counts(conn: Connection, query: Select[Any]) -> dict[Any, int]:
    """A ``SELECT key, COUNT(*) ... GROUP BY key`` as a dict."""
    return {key: int(n) for key, n in conn.execute(query)}


def _within(column: ColumnElement[datetime], period: Period) -> ColumnElement[bool]:
    return and_(column >= period.since, column < period.until)


def _open_at(
    created: ColumnElement[datetime], decided: ColumnElement[datetime | None], moment: datetime
) -> ColumnElement[bool]:
    return and_(created < moment, or_(decided.is_(None), decided >= moment))


# -- decisions -------------------------------------------------------------------


def _top_reason_field(conn: Connection, key: str) -> ColumnElement[str | None]:
    payload = t.decisions.c.payload
    doc = cast(payload, JSON) if conn.dialect.name == "postgresql" else type_coerce(payload, JSON)
    field: ColumnElement[str | None] = doc[("reasons", 0, key)].as_string()
    return field


def _decisions(conn: Connection, period: Period, rules: Sequence[str]) -> DecisionStats:
    c = t.decisions.c
    tops = (
        select(
            c.action.label("action"),
            _top_reason_field(conn, "rule").label("rule"),
            _top_reason_field(conn, "signal").label("signal"),
            _top_reason_field(conn, "source").label("source"),
        )
        .where(_within(c.created_at, period))
        .subquery()
    )
    grouped = select(
        tops.c.action, tops.c.rule, tops.c.signal, tops.c.source, func.count().label("n")
    ).group_by(tops.c.action, tops.c.rule, tops.c.signal, tops.c.source)

    by_action: dict[str, int] = dict.fromkeys(ACTIONS, 0)
    by_rule: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIONS, 0))
    by_method: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIONS, 0))
    for action, rule, signal, source, n in conn.execute(grouped):
        if action not in by_action:
            raise StoreError(f"a stored decision has an unknown action {action!r}")
        by_action[action] += n
        by_rule[rule if rule is not None else NO_RULE][action] += n
        by_method[detection_method(signal, source)][action] += n

    rule_rows = _action_rows(by_rule, known=rules)
    rule_rows = [r for r in rule_rows if r.label != NO_RULE] + [
        _action_row(NO_RULE, by_rule.get(NO_RULE))
    ]
    method_rows = [_action_row(m, by_method.get(m)) for m in METHODS if m != NO_MATCH]
    method_rows += _action_rows({k: v for k, v in by_method.items() if k not in METHODS}, ())
    method_rows.append(_action_row(NO_MATCH, by_method.get(NO_MATCH)))
    return DecisionStats(
        total=sum(by_action.values()),
        by_action=tuple(Count(a, by_action[a]) for a in ACTIONS),
        by_method=tuple(method_rows),
        by_rule=tuple(rule_rows),
    )


def _action_row(label: str, counts: dict[str, int] | None) -> ActionRow:
    counts = counts or {}
    return ActionRow(label, counts.get("deliver", 0), counts.get("hold", 0), counts.get("block", 0))


def _action_rows(counts: dict[str, dict[str, int]], known: Sequence[str]) -> list[ActionRow]:
    """Rows for every label counted or ``known``: most decisions first, then by name."""
    labels = set(counts) | set(known)
    rows = [_action_row(label, counts.get(label)) for label in labels]
    return sorted(rows, key=lambda r: (-r.total, r.label))


# -- appeals ---------------------------------------------------------------------


def _appeals(conn: Connection, period: Period) -> AppealStats:
    a = t.appeals.c
    decided_by_end = and_(a.decided_at.is_not(None), a.decided_at < period.until)
    filed = (
        select(case((decided_by_end, a.status), else_="pending").label("status"))
        .where(_within(a.filed_at, period))
        .subquery()
    )
    filed_counts: dict[str, int] = _counts(
        conn, select(filed.c.status, func.count()).group_by(filed.c.status)
    )
    decided_counts: dict[str, int] = _counts(
        conn,
        select(a.status, func.count()).where(_within(a.decided_at, period)).group_by(a.status),
    )
    seconds = [
        (decided - filed_at).total_seconds()
        for filed_at, decided in conn.execute(
            select(a.filed_at, a.decided_at)
            .where(_within(a.decided_at, period))
            .execution_options(yield_per=_STREAM_ROWS)
        )
    ]
    open_at_end = conn.execute(
        select(func.count())
        .select_from(t.appeals)
        .where(_open_at(a.filed_at, a.decided_at, period.until))
    ).scalar_one()
    return AppealStats(
        filed=sum(filed_counts.values()),
        filed_upheld=filed_counts.get("upheld", 0),
        filed_overturned=filed_counts.get("overturned", 0),
        filed_open=filed_counts.get("pending", 0),
        decided_upheld=decided_counts.get("upheld", 0),
        decided_overturned=decided_counts.get("overturned", 0),
        median_seconds_to_decision=statistics.median(seconds) if seconds else None,
        open_at_end=int(open_at_end),
    )


# -- restrictions ----------------------------------------------------------------


def _restrictions(
    conn: Connection, period: Period, levels: Sequence[str]
) -> tuple[RestrictionRow, ...]:
    r = t.restrictions.c
    lifted = and_(r.lifted_at.is_not(None), r.lifted_at < period.until)
    query = (
        select(
            r.level,
            func.count(),
            func.sum(case((r.ends_at.is_(None), 1), else_=0)),
            func.sum(case((lifted, 1), else_=0)),
        )
        .where(_within(r.starts_at, period))
        .group_by(r.level)
    )
    counted = {
        level: RestrictionRow(level, int(n), int(permanent or 0), int(lifted_n or 0))
        for level, n, permanent, lifted_n in conn.execute(query)
    }
    stored = conn.execute(select(r.level).distinct()).scalars().all()
    order = list(dict.fromkeys([*levels, *sorted(stored)]))
    order += sorted(set(counted) - set(order))
    return tuple(counted.get(level, RestrictionRow(level, 0, 0, 0)) for level in order)


# -- human review ----------------------------------------------------------------


def _reviews(conn: Connection, period: Period) -> tuple[ReviewRow, ...]:
    v = t.review_items.c
    created: dict[str, int] = _counts(
        conn, select(v.kind, func.count()).where(_within(v.created_at, period)).group_by(v.kind)
    )
    decided: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, outcome, n in conn.execute(
        select(v.kind, v.outcome, func.count())
        .where(_within(v.decided_at, period))
        .group_by(v.kind, v.outcome)
    ):
        decided[kind][outcome if outcome is not None else "(none recorded)"] = n
    open_at_end: dict[str, int] = _counts(
        conn,
        select(v.kind, func.count())
        .where(_open_at(v.created_at, v.decided_at, period.until))
        .group_by(v.kind),
    )
    kinds = list(REVIEW_OUTCOMES) + sorted(
        (set(created) | set(decided) | set(open_at_end)) - set(REVIEW_OUTCOMES)
    )
    rows = []
    for kind in kinds:
        counts = decided.get(kind, {})
        outcomes = list(REVIEW_OUTCOMES.get(kind, ())) + sorted(
            set(counts) - set(REVIEW_OUTCOMES.get(kind, ()))
        )
        rows.append(
            ReviewRow(
                kind=kind,
                created=created.get(kind, 0),
                outcomes=tuple(Count(o, counts.get(o, 0)) for o in outcomes),
                open_at_end=open_at_end.get(kind, 0),
            )
        )
    return tuple(rows)
