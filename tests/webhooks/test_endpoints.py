"""Registering endpoints: URLs and event types are checked with clear reasons."""

from __future__ import annotations

import pytest

from fairgate.errors import InvalidInput, NotFound
from fairgate.webhooks import EVENT_TYPES, Endpoints, parse_event_types, validate_url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("example.org/hook", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("http://", "no host"),
        ("https://exa mple.org/", "whitespace"),
        ("https://user@example.org/", "credentials"),
        ("https://example.org:0x50/", "invalid port"),
        ("https://example.org/#frag", "fragment"),
        ("https://example.org/" + "a" * 2_000, "longer than"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        validate_url(url)


def test_good_urls_pass_trimmed() -> None:
    assert validate_url(" https://hooks.example.org:8443/fairgate?x=1 ") == (
        "https://hooks.example.org:8443/fairgate?x=1"
    )
    assert validate_url("HTTP://127.0.0.1/h") == "HTTP://127.0.0.1/h"


def test_event_types_are_validated_and_put_in_order() -> None:
    assert parse_event_types("list.changed, decision.made,decision.made") == (
        "decision.made",
        "list.changed",
    )
    with pytest.raises(InvalidInput, match=r"unknown event type\(s\) decision, list\.add"):
        parse_event_types("decision,list.add")
    with pytest.raises(InvalidInput, match="no event types"):
        parse_event_types(" , ")
    assert parse_event_types(list(EVENT_TYPES)) == EVENT_TYPES


def test_register_refuses_bad_input_and_stores_nothing(endpoints: Endpoints) -> None:
    with pytest.raises(InvalidInput, match="http:// or https://"):
        endpoints.register("ftp://example.org/", "decision.made")
    with pytest.raises(InvalidInput, match="unknown event type"):
        endpoints.register("https://example.org/", "decision.made,appeal.filed")
    assert endpoints.list(include_disabled=True) == []
    with pytest.raises(NotFound):
        endpoints.disable(7)


def test_each_endpoint_gets_its_own_secret(endpoints: Endpoints) -> None:
    a = endpoints.register("https://a.example.org/", "decision.made")
    b = endpoints.register("https://b.example.org/", "decision.made")
    assert a.secret != b.secret
    assert endpoints.get(a.id).secret == a.secret  # kept to sign; never printed by list
    assert "secret" not in a.to_dict()
    assert a.to_dict(with_secret=True)["secret"] == a.secret


def test_the_allow_list_limits_where_webhooks_may_point() -> None:
    from fairgate.webhooks.endpoints import host_allowed, validate_url

    allowed = ("hooks.example.com", ".partner.org")
    assert validate_url("https://hooks.example.com/x", allowed)
    assert validate_url("https://a.b.partner.org/x", allowed)
    assert host_allowed("partner.org", allowed)
    for bad in (
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:9000/",
        "https://evil-partner.org/",
    ):
        with pytest.raises(InvalidInput, match="webhook_allowed_hosts"):
            validate_url(bad, allowed)
    assert host_allowed("anything.internal", ())
