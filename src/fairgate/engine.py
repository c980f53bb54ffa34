"""The engine: one object that wires the store, the live indexes and the policy.

from fairgate import Engine, Message
engine = Engine.open("sqlite:///x.db")
decision = engine.screen(Message(sender="u1", text="hello"))
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import Connection

from fairgate.enforcement import penalties
from fairgate.enforcement.accounts import Accounts, Clock
from fairgate.enforcement.appeals import Appeals
from fairgate.enforcement.notices import Catalog
from fairgate.enforcement.retro import RetroScanner
from fairgate.enforcement.review import Review
from fairgate.errors import InvalidInput
from fairgate.index.live import LiveIndexes
from fairgate.lists.service import ListManager
from fairgate.media.frames import Frames, decode_frames
from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.ocr.engine import OcrEngine
from fairgate.policy import Policy, evaluate, load_policy
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.signals.frames import compute_on, name_frames, skipped_note
from fairgate.signals.ocr import OcrText, RecognisedLine, row_order
from fairgate.signals.registry import builtin_signal_types
from fairgate.store import SqlStore, held_media, open_store
from fairgate.types import (
    MESSAGE_KINDS,
    Decision,
    Match,
    Message,
    Note,
    Signal,
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
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.store = store
        self.refresh_on_screen = True
        """Check the change log before every screen call (the library default).
        The service turns it off: its change feed applies changes as they come."""
        self.clock: Clock = clock or _utc_now
        """The time every decision, strike and restriction is stamped with
        (tests pass their own to move time)."""
        self.notices = _catalog(settings, policy)
        self.signal_types = dict(signal_types or builtin_signal_types(settings))
        self.limits = MediaLimits.from_settings(settings)
        self.lists = ListManager(store, self.signal_types, settings)
        self.indexes = LiveIndexes(store, self.signal_types, settings=settings)
        self.ocr = OcrText(settings, ocr_engine)
        """Text in images; its OCR engine is built on the first message that needs it."""
        self._media_slots = threading.BoundedSemaphore(settings.media_concurrency)
        """Calls of this process decoding images at once (each holds up to
        ``max_image_pixels`` decoded): memory stays bounded however many
        threads screen text and pre-hashed images."""
        self.accounts = Accounts(store, self.clock)
        self.retro = RetroScanner(store, self.signal_types, policy, settings, self.clock)
        self.lists.on_added.append(self.retro.scan)
        self.appeals = Appeals(self)
        self.review = Review(self)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        settings: Settings | None = None,
        policy: Policy | None = None,
        ocr_engine: OcrEngine | None = None,
        clock: Clock | None = None,
    ) -> Engine:
        """Open (and migrate) the database at ``url`` and load its lists."""
        settings = settings or Settings()
        if url is not None:
            settings = settings.model_copy(update={"database_url": url})
        if policy is None:
            policy = load_policy(settings.policy_path) if settings.policy_path else Policy()
        return cls(
            open_store(settings.database_url, write_batch_max=settings.write_batch_max),
            settings=settings,
            policy=policy,
            ocr_engine=ocr_engine,
            clock=clock,
        )

    def use_policy(self, policy: Policy) -> None:
        """Switch to another policy between two screen calls (nothing is
        dropped: calls in flight finish under the policy they started with)."""
        notices = _catalog(self.settings, policy)
        self.retro.policy = policy
        self.notices, self.policy = notices, policy

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
        """Screen one message: signals -> matches -> policy -> the sender's
        standing and penalty -> stored Decision (with its audit events)."""
        return self.store.group.run(self.prepare(message))

    def prepares_at_once(self, message: Message) -> bool:
        """Whether ``prepare(message)`` can run on an event loop: nothing to decode
        and no index change being applied (which matching would wait for)."""
        return not message.carries_media and self.indexes.loaded and not self.indexes.applying

    def prepare(self, message: Message) -> Callable[[Connection], Decision]:
        """``screen`` up to its write: the signals, matches and verdict of the
        message, and the work that settles and stores its Decision in a write
        transaction (run it with ``store.group.run`` or ``run_async``). Reads
        only the in-memory indexes: with no attachment bytes to decode it costs
        well under a millisecond and blocks on nothing."""
        self._validate(message)
        message, text_notes = _valid_unicode(message)
        now = self.clock()
        if self.refresh_on_screen or not self.indexes.loaded:
            self.indexes.refresh()
        decodes = message.carries_media
        with self._media_slots if decodes else contextlib.nullcontext():
            signals, verified, matches, notes = self._examine(message)
        notes = text_notes + notes
        verdict = evaluate(matches, self.indexes.lists, self.policy, message.kind)
        decision_id = uuid.uuid4().hex
        ran = [n for n, t in self.signal_types.items() if decodes and not deferral(t)]
        ran += sorted({s.signal_type for s in verified} - set(ran))

        def build(outcome: penalties.Outcome) -> Decision:
            return Decision(
                decision_id=decision_id,
                created_at=now,
                message_id=message.message_id,
                sender=message.sender,
                conversation=message.conversation,
                kind=message.kind,
                action=outcome.verdict.action,
                reasons=outcome.verdict.reasons,
                notice=outcome.notice,
                account=outcome.account,
                signals=tuple(signals),
                notes=tuple(notes),
                extra={"signals_ran": ran},
            )

        return penalties.Settlement(
            self.store,
            verdict,
            sender=message.sender,
            policy=self.policy,
            catalog=self.notices,
            locale=self.notices.resolve(message.locale, self.settings.notice_locale),
            kind=message.kind,
            decision_id=decision_id,
            now=now,
            build=build,
            also=self._keep_matched(message) if decodes else None,
        )

    def _keep_matched(self, message: Message) -> Callable[[Connection, Decision], None]:
        """Keep the bytes of a matched message's images for the reviewers' console,
        in the decision's transaction."""
        max_bytes = self.settings.console_media_max_bytes

        def keep(conn: Connection, decision: Decision) -> None:
            held_media.add(
                conn, held_media.rows_for(message.attachments, decision, max_bytes=max_bytes)
            )

        return keep

    # -- the stages ----------------------------------------------------------
    def _examine(
        self, message: Message
    ) -> tuple[list[Signal], list[Signal], list[Match], list[Note]]:
        """Signals, matches and notes of the message's text and attachments; the
        decoded images are dropped when it returns (before the decision is written)."""
        started = time.perf_counter()
        media, signals, notes = self._signals(message)
        matches = self._matches(message, signals)
        verified: list[Signal] = []
        if media:
            verified, verified_matches, verify_notes = self._verify(media, matches, started)
            signals += verified
            matches += verified_matches
            notes += verify_notes
        if media and self.policy.wants_image_text(message.kind):
            image_matches, ocr_notes = self._image_text(media)
            matches += image_matches
            notes += [n for n in ocr_notes if n not in notes]
        matches = name_frames(matches, [i for i, frames in media.items() if frames.animated])
        return signals, verified, matches, notes

    def _validate(self, message: Message) -> None:
        if not message.sender:
            raise InvalidInput("sender is required")
        for name in ("sender", "conversation", "message_id", "locale"):
            value = getattr(message, name)
            if value is not None and (_SURROGATES.search(value) or "\x00" in value):
                raise InvalidInput(f"{name} is not valid text (a NUL or a lone surrogate)")
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

    def _signals(self, message: Message) -> tuple[dict[int, Frames], list[Signal], list[Note]]:
        """Every attachment's frames and signals (of each screened frame of an
        animation), and notes on what cannot be matched or was not screened."""
        sources: dict[int, Frames] = {}
        signals: list[Signal] = []
        notes: list[Note] = []
        cheap = [t for t in self.signal_types.values() if not deferral(t)]
        for i, attachment in enumerate(message.attachments):
            if attachment.hashes and not attachment.data:
                signals.extend(self._given_signals(i, attachment.hashes))
                continue
            media = MediaSource(
                attachment.data, name=attachment.filename or f"attachment {i}", limits=self.limits
            )
            signals.extend(compute_on(cheap, i, media))  # frame 0; deferred types: _verify
            frames = decode_frames(
                media,
                max_frames=self.settings.media_max_frames,
                pixel_budget=self.settings.media_max_frame_pixels,
            )
            sources[i] = frames
            for frame in frames.sources[1:]:
                signals.extend(compute_on(cheap, i, frame))
            skipped = skipped_note(frames, i)
            if skipped is not None:
                notes.append(skipped)
        for signal in signals:
            note = self.signal_types[signal.signal_type].check(signal)
            if note is not None and note not in notes:
                notes.append(note)
        return sources, signals, notes

    def _given_signals(self, attachment: int, hashes: Mapping[str, str]) -> list[Signal]:
        """Pre-computed signals of an attachment sent as hashes only (validated)."""
        out = []
        for name, value in hashes.items():
            signal_type = self.signal_types.get(name)
            if signal_type is None:
                known = ", ".join(sorted(self.signal_types))
                raise InvalidInput(
                    f"attachment {attachment}: unknown signal type {name!r} (known: {known})"
                )
            out.append(Signal(name, signal_type.validate(value), attachment))
        return out

    def _verify(
        self, media: Mapping[int, Frames], matches: list[Match], started: float
    ) -> tuple[list[Signal], list[Match], list[Note]]:
        """Deferred (expensive) signal types, tier by tier (``deferred`` 1, then 2,
        ...: thumbnails, then local features): each tier only for the attachments
        nothing before it matched (each screened frame of an animation, in order),
        while the per-image budget lasts."""
        tiers: dict[int, list[SignalType]] = {}
        for signal_type in self.signal_types.values():
            tier = deferral(signal_type)
            if tier:
                tiers.setdefault(tier, []).append(signal_type)
        matched = {m.source for m in matches}
        signals: list[Signal] = []
        found: list[Match] = []
        notes: list[Note] = []
        budget = self.settings.visual_budget_ms / 1000
        order = sorted(tiers)
        spent: set[int] = set()
        """Attachments whose budget ran out: later tiers skip them too."""
        for k, tier in enumerate(order):
            computed: list[Signal] = []
            for i, frames in media.items():
                if f"attachment:{i}" in matched or i in spent:
                    continue
                for source in frames.sources:
                    if time.perf_counter() - started > budget * (i + 1):
                        skipped = [t.name for later in order[k:] for t in tiers[later]]
                        which = f" on frames {source.frame} and later" if source.frame else ""
                        notes.append(
                            Note(
                                "visual_budget_exhausted",
                                f"{', '.join(skipped)} did not run{which}: the image budget "
                                f"of {self.settings.visual_budget_ms:g} ms was spent on "
                                "cheaper signals",
                                source=f"attachment:{i}",
                            )
                        )
                        spent.add(i)
                        break
                    computed.extend(compute_on(tiers[tier], i, source))
            tier_matches = self.indexes.match_signals(computed)
            signals += computed
            found += tier_matches
            matched |= {m.source for m in tier_matches}
        return signals, found, notes

    def _matches(self, message: Message, signals: list[Signal]) -> list[Match]:
        matchable = [s for s in signals if self.signal_types[s.signal_type].check(s) is None]
        return self.indexes.match_signals(matchable) + self.indexes.match_text(message.text)

    def _image_text(self, media: Mapping[int, Frames]) -> tuple[list[Match], list[Note]]:
        """Text recognised in the images, matched like message text: the lines of
        one image joined in reading order (so a term broken over two lines is
        still found); each match's evidence carries the box around the lines it
        lies in and their text. The first frames of all attachments are read
        before any later frame of an animation (one OCR budget for them all);
        the lines of two frames are never joined."""
        order = sorted(
            ((source.frame, i, source) for i, frames in media.items() for source in frames.sources),
            key=lambda item: item[:2],
        )
        read = self.ocr.read([s for _, _, s in order], attachments=[i for _, i, _ in order])
        by_source: dict[tuple[str, int], list[RecognisedLine]] = {}
        for line in read.lines:
            by_source.setdefault((line.source, line.frame), []).append(line)
        animated = {f"attachment:{i}:ocr" for i, frames in media.items() if frames.animated}
        matches: list[Match] = []
        for (source, frame), found in by_source.items():
            seen: set[int | None] = set()
            for lines in _orders(found):
                text = " ".join(line.text for line in lines)
                starts = list(
                    itertools.accumulate((len(line.text) + 1 for line in lines), initial=0)
                )
                for match in self.indexes.match_text(text, source=source):
                    if lines is not found and match.entry_id in seen:
                        continue  # already found in the engine's order
                    seen.add(match.entry_id)
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
                        frame=frame if source in animated else None,
                    )
                    matches.append(dataclasses.replace(match, evidence=evidence))
        return matches, list(read.notes)


_SURROGATES = re.compile("[\ud800-\udfff]")


def deferral(signal_type: SignalType) -> int:
    """A signal type's tier: 0 (or no ``deferred`` attribute) is computed with the
    hashes; 1, 2, ... only, in that order, for attachments no lower tier matched."""
    return int(getattr(signal_type, "deferred", 0))


def _valid_unicode(message: Message) -> tuple[Message, list[Note]]:
    """Text with lone surrogates (broken UTF-16, or undecodable bytes a CLI
    received) is still screened: each becomes U+FFFD, one for one, so spans
    stay true, and the Decision says so."""
    count = len(_SURROGATES.findall(message.text))
    if not count:
        return message, []
    cleaned = dataclasses.replace(message, text=_SURROGATES.sub("\ufffd", message.text))
    note = Note(
        "text_invalid_unicode",
        f"{count} lone surrogate(s) in the text were replaced by U+FFFD before screening",
        source="text",
    )
    return cleaned, [note]


def _catalog(settings: Settings, policy: Policy) -> Catalog:
    return Catalog.load(
        settings.notice_catalog_dir, {policy.notices.locale: policy.notices.overrides()}
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _orders(lines: list[RecognisedLine]) -> list[list[RecognisedLine]]:
    """The lines of one image in the OCR engine's order and, when it differs, in
    visual rows (``signals.ocr.row_order``: tilted text cut in two)."""
    rows = row_order(lines)
    return [lines] if rows == lines else [lines, rows]


def _enclosing(lines: Sequence[RecognisedLine]) -> tuple[tuple[int, int], ...] | None:
    """The upright rectangle around the boxes of several lines (corners clockwise)."""
    xs = [x for line in lines for x, _ in line.box]
    ys = [y for line in lines for _, y in line.box]
    if not xs:
        return None
    return ((min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys)))
