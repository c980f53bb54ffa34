"""What a value cached on a connection (``conn.info``) is valid for: the
transaction and savepoint it was read or written in, compared by identity.

The audit log remembers its head for the transaction that appended to it, and
the standing read ahead for a group commit's batch holds for that batch's
transaction only; both ask here whether they are still in it.
"""

from __future__ import annotations

from sqlalchemy import Connection

Scope = tuple[object, object]


def current(conn: Connection) -> Scope:
    """The transaction and savepoint running on ``conn`` now."""
    return (conn.get_transaction(), conn.get_nested_transaction())


def still_in(conn: Connection, scope: Scope) -> bool:
    """Whether ``conn`` is still in the transaction (and savepoint) of ``scope``."""
    return scope[0] is not None and scope == current(conn)
