"""Request bodies to Messages: JSON with base64 attachments, or multipart."""

from __future__ import annotations

import base64
import binascii

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from fairgate.errors import InvalidInput
from fairgate.service.schemas import AttachmentIn, ScreenIn
from fairgate.types import Attachment, Message

MESSAGE_FIELDS = ("sender", "text", "kind", "conversation", "message_id", "locale")


def decode_attachment(i: int, item: AttachmentIn, max_bytes: int) -> Attachment:
    # base64 is 4/3 of the data: refuse a too-long string before decoding it.
    if len(item.content_base64) > (max_bytes * 4) // 3 + 4:
        raise InvalidInput(f"attachment {i} is larger than the limit of {max_bytes} bytes")
    if not item.content_base64:
        if not item.hashes:
            raise InvalidInput(f"attachment {i}: give content_base64 or hashes")
        return Attachment(b"", item.filename, item.content_type, hashes=dict(item.hashes))
    try:
        data = base64.b64decode(item.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"attachment {i}: content_base64 is not valid base64") from None
    return Attachment(data, item.filename, item.content_type)


def from_json(body: ScreenIn, *, max_bytes: int, max_attachments: int) -> Message:
    if len(body.attachments) > max_attachments:
        raise InvalidInput(f"{len(body.attachments)} attachments; the limit is {max_attachments}")
    return _message(
        body, [decode_attachment(i, a, max_bytes) for i, a in enumerate(body.attachments)]
    )


def _message(body: ScreenIn, attachments: list[Attachment]) -> Message:
    return Message(
        sender=body.sender,
        text=body.text,
        kind=body.kind,
        conversation=body.conversation,
        message_id=body.message_id,
        locale=body.locale,
        attachments=tuple(attachments),
    )


async def from_form(form: FormData, *, max_bytes: int, max_attachments: int) -> Message:
    fields: dict[str, str] = {}
    files: list[UploadFile] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            if key not in MESSAGE_FIELDS:
                raise InvalidInput(f"unknown form field {key!r}")
            fields[key] = value
        elif key in ("attachment", "attachments", "file", "files"):
            files.append(value)
        else:
            raise InvalidInput(f"unknown file field {key!r}: send files as 'attachments'")
    if len(files) > max_attachments:
        raise InvalidInput(f"{len(files)} attachments; the limit is {max_attachments}")
    attachments = []
    for i, upload in enumerate(files):
        data = await upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InvalidInput(f"attachment {i} is larger than the limit of {max_bytes} bytes")
        attachments.append(Attachment(data, upload.filename, upload.content_type))
    return _message(validated(fields), attachments)


def validated(data: object) -> ScreenIn:
    """A ScreenIn from JSON-like data; ``InvalidInput`` naming the first bad field."""
    try:
        return ScreenIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return f"{where}: {first['msg']}"
