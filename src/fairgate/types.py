"""The frozen values that stages pass to each other.

Every stage of the flow (media -> signals -> text -> index -> policy ->
enforcement) exchanges these dataclasses, never loose dicts. They are plain
data: no I/O, no behaviour beyond small derived properties and ``to_dict``
for the JSON shape of the integrator's contract (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

MessageKind = Literal["chat", "search"]
MESSAGE_KINDS: tuple[MessageKind, ...] = ("chat", "search")

Capability = Literal["send", "search", "read", "pay", "export", "appeal"]
CAPABILITIES: tuple[Capability, ...] = ("send", "search", "read", "pay", "export", "appeal")
"""What an account may do. A restriction takes some away (``send``, ``search``,
``pay``); ``read``, ``export`` and ``appeal`` are never taken away."""


class Action(StrEnum):
    """What happens to the message."""

    DELIVER = "deliver"
    HOLD = "hold"
    BLOCK = "block"


class ListAction(StrEnum):
    """What a list asks for when one of its entries matches.

    ``flag`` delivers the message but records the match for review.
    """

    BLOCK = "block"
    HOLD = "hold"
    FLAG = "flag"

    def to_action(self) -> Action:
        return Action.DELIVER if self is ListAction.FLAG else Action(self.value)


class ListType(StrEnum):
    IMAGE = "image"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Attachment:
    """One file sent with a message: its raw bytes and what the sender said it is."""

    data: bytes = field(repr=False)
    filename: str | None = None
    content_type: str | None = None
    hashes: Mapping[str, str] = field(default_factory=dict)
    """Signals the platform computed itself (e.g. ``{"pdq": ..., "sha256": ...}``),
    for an attachment sent without its bytes (``data`` empty): only these are
    matched; nothing is decoded, no OCR runs."""


@dataclass(frozen=True, slots=True)
class Message:
    """One message (or search query) a platform asks fairgate to screen."""

    sender: str
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    conversation: str | None = None
    kind: MessageKind = "chat"
    message_id: str | None = None
    locale: str | None = None
    """The sender's language for the notice (e.g. ``en``, ``zh-Hans``); default:
    the ``notice_locale`` setting."""

    @property
    def carries_media(self) -> bool:
        """Attachment bytes to decode (not only pre-computed hashes)."""
        return any(a.data for a in self.attachments)


@dataclass(frozen=True, slots=True)
class Signal:
    """One value computed from one attachment, e.g. its sha256 or a PDQ hash.

    ``variant`` names the dihedral transform a PDQ hash was computed under
    (``original`` for the image as sent); ``quality`` is PDQ's 0..100 score.
    """

    signal_type: str
    value: str
    attachment: int
    quality: int | None = None
    variant: str = "original"

    def to_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies and costs several times more,
        # and every screen call renders its signals twice (stored, answered)
        return {
            "signal_type": self.signal_type,
            "value": self.value,
            "attachment": self.attachment,
            "quality": self.quality,
            "variant": self.variant,
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a match is a match, in terms a reviewer can check.

    Hash matches carry ``distance`` (0 for exact hashes) and the ``variant``
    of the sent image that matched; text matches carry the ``span`` of the
    original text, the ``matched`` original characters, the ``term`` of the
    list, and the normalised ``form`` that matched.
    """

    distance: int | None = None
    variant: str | None = None
    quality: int | None = None
    value: str | None = None
    span: tuple[int, int] | None = None
    matched: str | None = None
    term: str | None = None
    form: str | None = None
    box: tuple[tuple[int, int], ...] | None = None
    """Text recognised in an image: the line's box (corners clockwise from top-left,
    in pixels of the attachment as displayed, EXIF orientation applied)."""
    ocr_text: str | None = None
    """Text recognised in an image: the whole recognised line ``span`` refers to."""
    frame: int | None = None
    """An animated attachment: the frame the match is in (0 = the first); None for a
    still image. Hash variants of frame k >= 1 also say it: ``frame:k:<variant>``."""

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in _shallow(self).items() if v is not None}
        if self.span is not None:
            out["span"] = list(self.span)
        if self.box is not None:
            out["box"] = [list(point) for point in self.box]
        return out


@dataclass(frozen=True, slots=True)
class Match:
    """One list entry matched by one signal of the message."""

    list_id: int
    list_name: str
    entry_id: int
    signal_type: str
    source: str
    """``text``, ``attachment:N`` (hashes) or ``attachment:N:ocr`` (text recognised in it)."""
    evidence: Evidence


ACCOUNT_SIGNAL = "account"
"""The ``signal`` of a reason that comes from the sender's restriction, not the content."""


@dataclass(frozen=True, slots=True)
class Reason:
    """A match as the policy judged it: the rule that applied and what it asks for."""

    rule: str
    rule_text: str
    action: ListAction
    severity: int
    match: Match | None
    """The list entry that matched; ``None`` for a reason that is not about the
    content (the sender's account is restricted: ``signal`` is ``account``)."""
    restriction: Mapping[str, Any] | None = None
    """For an account reason: the restriction in force (level, end, cause)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "rule_text": self.rule_text,
            "action": self.action.value,
            "severity": self.severity,
        }
        if self.match is None:
            out.update(
                {
                    "list": None,
                    "list_id": None,
                    "signal": ACCOUNT_SIGNAL,
                    "entry_id": None,
                    "source": ACCOUNT_SIGNAL,
                    "evidence": {"restriction": dict(self.restriction or {})},
                }
            )
            return out
        out.update(
            {
                "list": self.match.list_name,
                "list_id": self.match.list_id,
                "signal": self.match.signal_type,
                "entry_id": self.match.entry_id,
                "source": self.match.source,
                "evidence": self.match.evidence.to_dict(),
            }
        )
        return out


@dataclass(frozen=True, slots=True)
class Note:
    """Something the engine could not check, said out loud instead of hidden.

    For example a PDQ hash whose quality is under the floor is not matched,
    and the Decision says so with ``code="pdq_low_quality"``.
    """

    code: str
    detail: str
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _shallow(self)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The pure policy's answer for one message (no I/O, no ids)."""

    action: Action
    reasons: tuple[Reason, ...]
    rule: str | None
    severity: int
    strike_points: int
    notice_text: str
    jump_to: str | None = None
    """A ladder level the rule sends the sender to at once (e.g. known abuse)."""


@dataclass(frozen=True, slots=True)
class AccountState:
    """The sender's standing at a moment: computed from stored strikes and
    restrictions and the clock (fairgate.enforcement.standing), never stored."""

    account_id: str
    strikes: int = 0
    """Strikes that still count (not expired, not removed on appeal)."""
    strike_points: int = 0
    restriction: str | None = None
    """The level of the restriction in force that ends last (None: not restricted)."""
    restricted_until: datetime | None = None
    """When that restriction ends (None if there is none, or it is permanent)."""
    restriction_permanent: bool = False
    capabilities: tuple[str, ...] = CAPABILITIES
    """What the account may do now."""
    restrictions: tuple[Mapping[str, Any], ...] = ()
    """Every restriction in force, with start, end and cause."""

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "strikes": self.strikes,
            "strike_points": self.strike_points,
            "restriction": self.restriction,
            "restricted_until": (
                self.restricted_until.isoformat() if self.restricted_until else None
            ),
            "restriction_permanent": self.restriction_permanent,
            "capabilities": list(self.capabilities),
            "restrictions": [dict(r) for r in self.restrictions],
        }


@dataclass(frozen=True, slots=True)
class Notice:
    """What the sender is told: what happened, under which rule, and how to appeal."""

    text: str
    """The whole notice, ready to show: what happened, why, the penalty, how to appeal."""
    rule: str | None
    automated: bool
    """True when no person looked at the content before the decision."""
    penalty: str | None
    """The penalty in words (a warning, a restriction and its end), or None."""
    appeal: str | None
    """How to appeal, naming the decision id (None when there is nothing to appeal)."""
    what: str = ""
    """What was blocked or held, e.g. "image 1 of your message" (never the listed
    content itself for image lists)."""
    rule_text: str = ""
    penalty_until: datetime | None = None
    penalty_permanent: bool = False
    decision_id: str | None = None
    locale: str = "en"

    def to_dict(self) -> dict[str, Any]:
        out = _shallow(self)
        out["penalty_until"] = self.penalty_until.isoformat() if self.penalty_until else None
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer for one message, returned to the caller and stored."""

    decision_id: str
    created_at: datetime
    message_id: str | None
    sender: str
    conversation: str | None
    kind: MessageKind
    action: Action
    reasons: tuple[Reason, ...]
    notice: Notice | None
    account: AccountState
    signals: tuple[Signal, ...] = ()
    notes: tuple[Note, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "created_at": self.created_at.isoformat(),
            "message_id": self.message_id,
            "sender": self.sender,
            "conversation": self.conversation,
            "kind": self.kind,
            "action": self.action.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "notice": self.notice.to_dict() if self.notice else None,
            "account": self.account.to_dict(),
            "signals": [s.to_dict() for s in self.signals],
            "notes": [n.to_dict() for n in self.notes],
        }


def _shallow(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, values as they are. By hand, not
    ``dataclasses.asdict``, which deep-copies every value and costs several times
    more: every screen call renders its decision twice (stored, answered), and
    for these classes (flat values and tuples, rendered as JSON) the result is
    the same."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}
