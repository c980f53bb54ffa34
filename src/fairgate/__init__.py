"""fairgate: an open, accountable engine that screens chat messages in real time.

from fairgate import Engine, Message
with Engine.open("sqlite:///x.db") as engine:
    decision = engine.screen(Message(sender="u1", text="hello"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fairgate.types import Action, Attachment, Decision, Message

if TYPE_CHECKING:
    from fairgate.engine import Engine

__all__ = ["Action", "Attachment", "Decision", "Engine", "Message"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The engine pulls in FAISS, OpenCV and SQLAlchemy; import it on first use
    # so that ``fairgate.types`` and the CLI's help stay light.
    if name == "Engine":
        from fairgate.engine import Engine

        return Engine
    raise AttributeError(f"module 'fairgate' has no attribute {name!r}")
