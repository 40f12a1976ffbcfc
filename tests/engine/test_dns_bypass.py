"""DNS bypass detection (engine/dns_bypass.py): plain DNS elsewhere, DoT, DoH."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.dns_bypass import (
    BypassDetector,
    is_doh_bootstrap,
)

from .hostile import HOSTILE

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
TV = "14:11:5d:00:00:77"
ROUTER = "198.18.250.1"


def _detector() -> BypassDetector:
    return BypassDetector((ROUTER,), now=lambda: T0)


def test_plain_dns_to_an_outside_resolver() -> None:
    detector = _detector()
    (event,) = detector.feed_flow(TV, "8.8.8.8", 53, T0)
    assert event.bypassing
    assert event.methods == ("plain_dns",)
    assert event.evidence == {"method": "plain_dns", "resolver": "8.8.8.8", "port": 53}
    assert detector.feed_flow(TV, "8.8.4.4", 53, T0) == []  # one report per episode
    state = detector.state(TV.upper())
    assert state.bypassing
    assert state.resolvers == ("8.8.8.8", "8.8.4.4")


def test_the_home_resolver_and_lan_resolvers_are_not_a_bypass() -> None:
    detector = _detector()
    assert detector.feed_flow(TV, ROUTER, 53, T0) == []
    assert detector.feed_flow(TV, "198.18.250.53", 53, T0) == []  # a Pi-hole on the LAN
    assert detector.feed_flow(TV, "fe80::1", 53, T0) == []
    assert not detector.state(TV).bypassing


def test_dns_over_tls_and_quic() -> None:
    detector = _detector()
    (event,) = detector.feed_flow(TV, "203.0.113.53", 853, T0)
    assert event.methods == ("dot",)


def test_doh_to_known_resolver_addresses_only() -> None:
    detector = _detector()
    assert detector.feed_flow(TV, "203.0.113.10", 443, T0) == []  # ordinary HTTPS
    (event,) = detector.feed_flow(TV, "1.1.1.1", 443, T0)
    assert event.methods == ("doh",)
    v6 = _detector()
    assert v6.feed_flow(TV, "2606:4700:4700::1111", 443, T0)


def test_doh_to_a_resolver_the_device_bootstrapped() -> None:
    detector = _detector()
    (lookup,) = detector.feed_lookup(TV, "DNS.Google.", T0)
    assert lookup.methods == ("doh_bootstrap",)
    detector.feed_answer("dns.google", "203.0.113.60")
    other = "14:11:5d:00:00:78"
    (flow,) = detector.feed_flow(other, "203.0.113.60", 443, T0)
    assert flow.evidence["bootstrap_name"] == "dns.google"
    assert detector.state(other).methods == ("doh",)


def test_canary_and_ordinary_lookups_are_not_counted() -> None:
    detector = _detector()
    for name in ("use-application-dns.net", "www.google.com", "google.com", "dns.google.evil"):
        assert detector.feed_lookup(TV, name, T0) == []
    detector.feed_answer("www.google.com", "203.0.113.61")
    assert detector.feed_flow(TV, "203.0.113.61", 443, T0) == []
    assert is_doh_bootstrap("abc123.dns.nextdns.io")


def test_quiet_period_ends_the_bypass() -> None:
    detector = _detector()
    detector.feed_flow(TV, "9.9.9.9", 853, T0)
    assert detector.tick(T0 + timedelta(minutes=30)) == []
    (done,) = detector.tick(T0 + timedelta(minutes=61))
    assert not done.bypassing
    assert not detector.state(TV, T0 + timedelta(minutes=61)).bypassing
    assert detector.state(TV, T0 + timedelta(minutes=61)).last_seen == T0
    (again,) = detector.feed_flow(TV, "9.9.9.9", 853, T0 + timedelta(hours=2))
    assert again.bypassing


def test_bounded_devices_and_resolvers() -> None:
    detector = BypassDetector((ROUTER,), max_devices=10, max_resolvers=5, now=lambda: T0)
    for i in range(1000):
        detector.feed_flow(f"02:00:00:00:{i >> 8:02x}:{i & 0xFF:02x}", "8.8.8.8", 53, T0)
        detector.feed_answer("dns.google", f"203.0.113.{i % 250}")
    assert len(detector._devices) == 10
    assert len(detector._learnt) == 5


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_ignored(text: str) -> None:
    detector = _detector()
    assert detector.feed_lookup(text, text, T0) == []
    detector.feed_answer(text, text)
    assert detector.feed_flow(text, text, 53, T0) == []
    assert detector.feed_flow(TV, text, 53, T0) == []
    assert not detector.state(text).bypassing
    assert detector.errors == 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80), st.integers(-5, 70000))
def test_never_raises(mac: str, value: str, port: int) -> None:
    detector = _detector()
    detector.feed_lookup(mac, value, T0)
    detector.feed_answer(value, value)
    detector.feed_flow(mac, value, port, T0)
    detector.tick(T0)
    assert detector.errors == 0
