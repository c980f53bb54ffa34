"""fairgate serve delivers webhooks from its own dispatcher thread."""

from __future__ import annotations

from tests.service.conftest import Api
from tests.webhooks.receiver import Receiver

from fairgate.store import open_store
from fairgate.webhooks.endpoints import Endpoints
from fairgate.webhooks.signing import verify_signature


def test_a_decision_made_through_the_api_is_delivered_signed(api: Api, spam_list: None) -> None:
    receiver = Receiver()
    receiver.start()
    try:
        state = api.app.state.fairgate
        with open_store(state.settings.database_url) as store:
            endpoint = Endpoints(store).register(receiver.url("/hook"), "decision.made")
        decision = api.post("/v1/screen", json={"sender": "u1", "text": "cheap pills"}).json()
        assert receiver.wait_for(1, timeout=30)
        got = receiver.at("/hook")[0]
        assert got.document["type"] == "decision.made"
        assert got.document["data"]["decision_id"] == decision["decision_id"]
        assert verify_signature(
            endpoint.secret, got.headers["Fairgate-Signature"], got.body, tolerance_s=300
        )
    finally:
        receiver.close()
