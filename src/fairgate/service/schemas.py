"""Request bodies of the HTTP API (pydantic), apart from the handlers.

Responses are the integrator's contract shapes (``Decision.to_dict()`` and the
records' ``to_dict()``), documented with examples in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

Id = Field(min_length=1, max_length=255)


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_base64: str = Field(
        default="", description="The file, base64-encoded (or give hashes instead)."
    )
    hashes: dict[str, str] = Field(
        default_factory=dict,
        max_length=16,
        description="Signals computed by the platform, e.g. {'pdq': '<64 hex>', 'sha256': ...}, "
        "for an attachment sent without its bytes.",
    )
    filename: str | None = Field(default=None, max_length=255)
    content_type: str | None = Field(default=None, max_length=255)


class ScreenIn(BaseModel):
    """One message or search query to screen."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"sender": "user-42", "text": "CHEAP pills, fast shipping", "kind": "chat"},
                {
                    "sender": "user-42",
                    "attachments": [{"content_base64": "/9j/4AAQSkZJRg...", "filename": "a.jpg"}],
                },
            ]
        },
    )

    sender: str = Id
    text: str = ""
    kind: Literal["chat", "search"] = "chat"
    conversation: str | None = Field(default=None, max_length=255)
    message_id: str | None = Field(default=None, max_length=255)
    locale: str | None = Field(default=None, max_length=35, description="e.g. en, zh-Hans")
    attachments: list[AttachmentIn] = Field(default_factory=list)


class AppealIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"account_id": "user-42", "statement": "This is my own photo."}]
        },
    )

    statement: str = Field(min_length=1, max_length=5_000)
    account_id: str | None = Field(
        default=None, max_length=255, description="The appellant; must be the decision's sender."
    )


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "overturn", "reason": "Not the listed image.", "disable_entries": True}
            ]
        },
    )

    outcome: Literal["uphold", "overturn"]
    reason: str = Field(min_length=1, max_length=5_000)
    disable_entries: bool = False


class ReviewDecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"outcome": "deliver", "reason": "A real gift card."}]},
    )

    outcome: Literal["deliver", "block", "dismiss", "confirm", "uphold", "overturn"]
    reason: str = Field(min_length=1, max_length=5_000)
    disable_entries: bool = False


class ListIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "spam-terms", "type": "text", "action": "block"}]},
    )

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    type: Literal["image", "text"]
    action: Literal["block", "hold", "flag"] = "block"
    severity: int = Field(default=1, ge=0, le=10)
    kinds: tuple[Literal["chat", "search"], ...] = ("chat", "search")
    description: str = Field(default="", max_length=2_000)


class EntriesIn(BaseModel):
    """Entries to add: terms, allow-terms and regexes to a text list; hashes
    (``TYPE:VALUE``, e.g. ``pdq:ab12...``) or base64 files to an image list."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"terms": ["cheap pills"], "note": "spam wave 12"}]},
    )

    terms: list[str] = Field(default_factory=list, max_length=100_000)
    allow_terms: list[str] = Field(default_factory=list, max_length=100_000)
    regexes: list[str] = Field(default_factory=list, max_length=1_000)
    hashes: list[str] = Field(default_factory=list, max_length=1_000_000)
    files: list[AttachmentIn] = Field(default_factory=list, max_length=64)
    note: str = Field(default="", max_length=2_000)


class DisableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2_000)


class KeyIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "chat-backend", "role": "platform"}]},
    )

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    role: Literal["platform", "reviewer", "admin"]


RowId = Annotated[int, Path(ge=1, le=2**53, description="A row id.")]
"""An id in a path: bounded so no database is asked for a number it cannot hold."""
Name = Annotated[str, Path(min_length=1, max_length=255)]


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` inlined, for hand-written
    OpenAPI request bodies (whose ``#/$defs/...`` references would not resolve)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.rsplit("/", 1)[1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
