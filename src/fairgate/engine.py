"""The engine: one object that wires the store, the live indexes and the policy.

from fairgate import Engine, Message
engine = Engine.open("sqlite:///x.db")
decision = engine.screen(Message(sender="u1", text="hello"))
"""

from __future__ import annotations

import dataclasses
import itertools
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType

from fairgate.errors import InvalidInput
from fairgate.index.live import LiveIndexes
from fairgate.lists.service import ListManager
from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.ocr.engine import OcrEngine
from fairgate.policy import Policy, evaluate, load_policy
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.signals.ocr import OcrText, RecognisedLine
from fairgate.signals.registry import builtin_signal_types
from fairgate.store import SqlStore, open_store
from fairgate.types import (
    MESSAGE_KINDS,
    AccountState,
    Action,
    Decision,
    Match,
    Message,
    Note,
    Notice,
    Signal,
    Verdict,
)


class Engine:
    def __init__(
        self,
        store: SqlStore,
        *,
        settings: Settings,
        policy: Policy,
        signal_types: Mapping[str, SignalType] | None = None,
        ocr_engine: OcrEngine | None = None,
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.store = store
        self.signal_types = dict(signal_types or builtin_signal_types(settings))
        self.limits = MediaLimits.from_settings(settings)
        self.lists = ListManager(store, self.signal_types, settings)
        self.indexes = LiveIndexes(store, self.signal_types, settings=settings)
        self.ocr = OcrText(settings, ocr_engine)
        """Text in images; its OCR engine is built on the first message that needs it."""

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        settings: Settings | None = None,
        policy: Policy | None = None,
        ocr_engine: OcrEngine | None = None,
    ) -> Engine:
        """Open (and migrate) the database at ``url`` and load its lists."""
        settings = settings or Settings()
        if url is not None:
            settings = settings.model_copy(update={"database_url": url})
        if policy is None:
            policy = load_policy(settings.policy_path) if settings.policy_path else Policy()
        return cls(
            open_store(settings.database_url),
            settings=settings,
            policy=policy,
            ocr_engine=ocr_engine,
        )

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the flow ----------------------------------------------------------
    def screen(self, message: Message) -> Decision:
        """Screen one message: signals -> matches -> policy -> stored Decision."""
        self._validate(message)
        self.indexes.refresh()
        started = time.perf_counter()
        media, signals, notes = self._signals(message)
        matches = self._matches(message, signals)
        verified: list[Signal] = []
        if media:
            verified, verify_notes = self._verify(media, matches, started)
            signals += verified
            matches += self.indexes.match_signals(verified)
            notes += verify_notes
        if media and self.policy.wants_image_text(message.kind):
            image_matches, ocr_notes = self._image_text(media)
            matches += image_matches
            notes += [n for n in ocr_notes if n not in notes]
        verdict = evaluate(matches, self.indexes.lists, self.policy, message.kind)
        decision = self._decision(message, verdict, signals, notes)
        ran = [n for n, t in self.signal_types.items() if media and not getattr(t, "deferred", 0)]
        ran += sorted({s.signal_type for s in verified} - set(ran))
        decision = dataclasses.replace(decision, extra={**decision.extra, "signals_ran": ran})
        self.store.save_decision(decision)
        return decision

    # -- the stages ----------------------------------------------------------
    def _validate(self, message: Message) -> None:
        if not message.sender:
            raise InvalidInput("sender is required")
        if message.kind not in MESSAGE_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(MESSAGE_KINDS)}")
        if len(message.text) > self.settings.max_text_chars:
            raise InvalidInput(
                f"text has {len(message.text)} characters; the limit is "
                f"{self.settings.max_text_chars}"
            )
        if len(message.attachments) > self.settings.max_attachments:
            raise InvalidInput(
                f"{len(message.attachments)} attachments; the limit is "
                f"{self.settings.max_attachments}"
            )

    def _signals(self, message: Message) -> tuple[list[MediaSource], list[Signal], list[Note]]:
        """Every attachment's media and signals, and notes on signals that cannot be matched."""
        sources: list[MediaSource] = []
        signals: list[Signal] = []
        notes: list[Note] = []
        for i, attachment in enumerate(message.attachments):
            media = MediaSource(
                attachment.data, name=attachment.filename or f"attachment {i}", limits=self.limits
            )
            sources.append(media)
            for signal_type in self.signal_types.values():
                if getattr(signal_type, "deferred", False):
                    continue  # expensive: see _verify
                signals.extend(signal_type.compute(i, media, reference=False))
        for signal in signals:
            note = self.signal_types[signal.signal_type].check(signal)
            if note is not None and note not in notes:
                notes.append(note)
        return sources, signals, notes

    def _verify(
        self, media: Sequence[MediaSource], matches: list[Match], started: float
    ) -> tuple[list[Signal], list[Note]]:
        """Deferred (expensive) signal types, e.g. local-feature verification: only for
        attachments no cheap signal matched, while the per-image budget lasts."""
        deferred = [t for t in self.signal_types.values() if getattr(t, "deferred", False)]
        matched = {m.source for m in matches}
        signals: list[Signal] = []
        notes: list[Note] = []
        budget = self.settings.visual_budget_ms / 1000
        for i, source in enumerate(media):
            if not deferred or f"attachment:{i}" in matched:
                continue
            if time.perf_counter() - started > budget * (i + 1):
                notes.append(
                    Note(
                        "visual_budget_exhausted",
                        f"{', '.join(t.name for t in deferred)} did not run: the image budget of "
                        f"{self.settings.visual_budget_ms:g} ms was spent on cheaper signals",
                        source=f"attachment:{i}",
                    )
                )
                continue
            for signal_type in deferred:
                signals.extend(signal_type.compute(i, source, reference=False))
        return signals, notes

    def _matches(self, message: Message, signals: list[Signal]) -> list[Match]:
        matchable = [s for s in signals if self.signal_types[s.signal_type].check(s) is None]
        return self.indexes.match_signals(matchable) + self.indexes.match_text(message.text)

    def _image_text(self, media: Sequence[MediaSource]) -> tuple[list[Match], list[Note]]:
        """Text recognised in the images, matched like message text: the lines of
        one image joined in reading order (so a term broken over two lines is
        still found); each match's evidence carries the box around the lines it
        lies in and their text."""
        read = self.ocr.read(media)
        by_source: dict[str, list[RecognisedLine]] = {}
        for line in read.lines:
            by_source.setdefault(line.source, []).append(line)
        matches: list[Match] = []
        for source, lines in by_source.items():
            text = " ".join(line.text for line in lines)
            starts = list(itertools.accumulate((len(line.text) + 1 for line in lines), initial=0))
            for match in self.indexes.match_text(text, source=source):
                a, b = match.evidence.span or (0, len(text))
                hit = [
                    ln
                    for ln, s in zip(lines, starts, strict=False)
                    if s < b and a < s + len(ln.text)
                ]
                evidence = dataclasses.replace(
                    match.evidence,
                    box=_enclosing(hit) if len(hit) != 1 else hit[0].box,
                    ocr_text=" ".join(line.text for line in hit),
                )
                matches.append(dataclasses.replace(match, evidence=evidence))
        return matches, list(read.notes)

    def _decision(
        self, message: Message, verdict: Verdict, signals: list[Signal], notes: list[Note]
    ) -> Decision:
        decision_id = uuid.uuid4().hex
        notice = None
        if verdict.action is not Action.DELIVER:
            notice = Notice(
                text=verdict.notice_text,
                rule=verdict.rule,
                automated=True,
                penalty=None,
                appeal=self.policy.notices.appeal.format(decision_id=decision_id),
            )
        return Decision(
            decision_id=decision_id,
            created_at=datetime.now(UTC),
            message_id=message.message_id,
            sender=message.sender,
            conversation=message.conversation,
            kind=message.kind,
            action=verdict.action,
            reasons=verdict.reasons,
            notice=notice,
            account=AccountState(account_id=message.sender),
            signals=tuple(signals),
            notes=tuple(notes),
        )


def _enclosing(lines: Sequence[RecognisedLine]) -> tuple[tuple[int, int], ...] | None:
    """The upright rectangle around the boxes of several lines (corners clockwise)."""
    xs = [x for line in lines for x, _ in line.box]
    ys = [y for line in lines for _, y in line.box]
    if not xs:
        return None
    return ((min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys)))
