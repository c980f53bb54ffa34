"""With webhook_allowed_hosts set, fairgate sends nothing anywhere else, even to
an endpoint registered before the list was set."""

from __future__ import annotations

from sqlalchemy import select
from tests.webhooks.conftest import DispatcherFactory, make_lists
from tests.webhooks.receiver import Receiver

from fairgate.engine import Engine
from fairgate.store import tables as t
from fairgate.types import Message
from fairgate.webhooks import Endpoints


def test_a_host_off_the_allow_list_is_never_fetched(
    engine: Engine, endpoints: Endpoints, dispatchers: DispatcherFactory, receiver: Receiver
) -> None:
    endpoints.register(receiver.url("/hook"), "decision.made")
    make_lists(engine)
    engine.screen(Message(sender="u1", text="cheap pills"))
    dispatchers(webhook_allowed_hosts=["hooks.example.com"]).run_once()
    assert receiver.requests == []
    with engine.store.engine.connect() as conn:
        rows = conn.execute(
            select(t.webhook_deliveries.c.status, t.webhook_deliveries.c.last_error)
        ).all()
    assert rows
    assert {r.status for r in rows} == {"failed"}
    assert all("webhook_allowed_hosts" in (r.last_error or "") for r in rows)
