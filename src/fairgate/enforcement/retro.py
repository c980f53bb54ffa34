"""Retroactive matching: when entries are added to an image list, earlier
messages whose stored hashes match them are queued for a person.

Only hashes are kept (never the content), for ``media_retention_days``; older
ones are purged. The scan builds a small index of the new entries with each
signal type's own index class and streams the stored hashes through it, so a
plug-in signal type gets retro-scans for free. Nobody is penalised by a scan
unless the policy says ``enforcement.retro: penalize``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fairgate.enforcement import audit_events
from fairgate.enforcement.accounts import Clock
from fairgate.enforcement.penalties import penalise_under_rule
from fairgate.policy import Policy
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.store import SqlStore, media_hashes
from fairgate.store import review as review_rows
from fairgate.store.records import ListRecord
from fairgate.types import ListType


@dataclass(frozen=True, slots=True)
class RetroHit:
    decision_id: str
    account_id: str
    entry_id: int
    distance: int
    item_id: int | None
    """The review item opened (None if one already existed for that pair)."""


class RetroScanner:
    def __init__(
        self,
        store: SqlStore,
        signal_types: Mapping[str, SignalType],
        policy: Policy,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._store = store
        self._types = signal_types
        self.policy = policy
        self._settings = settings
        self._clock = clock

    def scan(self, lst: ListRecord, entries: Sequence[tuple[int, str, str]]) -> list[RetroHit]:
        """Queue earlier messages matching the new ``(entry_id, signal_type, value)``
        entries of an image list; returns the hits."""
        if lst.list_type is not ListType.IMAGE or not entries:
            return []
        now = self._clock()
        since = now - timedelta(days=self._settings.media_retention_days)
        found: dict[str, RetroHit] = {}
        """The closest new entry per earlier message: one review item each, however
        many of the new entries (exact, PDQ, trimmed, tiles) it matches."""
        budget = self._settings.retro_scan_max_hits
        by_type: dict[str, list[tuple[int, str]]] = {}
        for entry_id, signal_type, value in entries:
            if signal_type in self._types:
                by_type.setdefault(signal_type, []).append((entry_id, value))
        for signal_type, new in by_type.items():
            index = self._types[signal_type].make_index()
            index.add(new)
            for page in media_hashes.stored_since(self._store.engine, signal_type, since):
                results = index.query([value for _, _, _, value in page])
                for (_, decision_id, sender, _), hits in zip(page, results, strict=True):
                    for hit in hits:
                        best = found.get(decision_id)
                        if best is None or hit.distance < best.distance:
                            found[decision_id] = RetroHit(
                                decision_id, sender, hit.entry_id, hit.distance, None
                            )
                if len(found) >= budget:
                    break
        ordered = sorted(found.values(), key=lambda h: (h.decision_id, h.entry_id))[:budget]
        return self._queue(lst, ordered, now)

    def _queue(self, lst: ListRecord, hits: list[RetroHit], now: datetime) -> list[RetroHit]:
        rule = self.policy.rule_for(lst.name)
        rule_id = rule.id if rule is not None else f"list:{lst.name}"
        out: list[RetroHit] = []
        with self._store.transaction() as conn:
            for hit in hits:
                if review_rows.open_retro_exists(conn, decision_id=hit.decision_id, list_id=lst.id):
                    out.append(hit)
                    continue
                item = review_rows.open_item(
                    conn,
                    kind="retro",
                    decision_id=hit.decision_id,
                    account_id=hit.account_id,
                    at=now,
                    list_id=lst.id,
                    entry_id=hit.entry_id,
                    rule=rule_id,
                )
                audit_events.review_opened(conn, item, actor="retro-scan")
                if self.policy.enforcement.retro == "penalize" and rule is not None:
                    penalise_under_rule(
                        conn,
                        self.policy,
                        rule,
                        account=hit.account_id,
                        decision_id=hit.decision_id,
                        now=now,
                        actor="retro-scan",
                    )
                out.append(
                    RetroHit(hit.decision_id, hit.account_id, hit.entry_id, hit.distance, item.id)
                )
        return out

    def purge(self) -> int:
        """Delete stored hashes older than the retention period (audited)."""
        now = self._clock()
        cutoff = now - timedelta(days=self._settings.media_retention_days)
        with self._store.transaction() as conn:
            count = media_hashes.purge_before(conn, cutoff)
            if count:
                audit_events.retention_purged(
                    conn, subject="media_hashes", deleted=count, before=cutoff, at=now
                )
        return count
