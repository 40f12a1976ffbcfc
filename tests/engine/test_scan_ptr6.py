"""ip6.arpa PTR sweeps of the home's IPv6 prefixes (engine/ptr6.py, ScanDetector.feed_dns)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.dnslog import DnsEvent, DnsEventKind
from custom_components.snoop_guard.engine.ptr6 import HomePrefixes, ip6_ptr_address
from custom_components.snoop_guard.engine.scan import ScanDetector, ScanEventKind

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
MAC = "14:11:5d:00:00:77"


def _ptr_name(address: str) -> str:
    nibbles = ipaddress.IPv6Address(address).exploded.replace(":", "")
    return ".".join(reversed(nibbles)) + ".ip6.arpa"


def _query(name: str, client: str = "198.18.250.77", qtype: str = "PTR") -> DnsEvent:
    return DnsEvent(DnsEventKind.QUERY, None, 1, 1, client, qtype, name, None, name)


def _sweep(detector: ScanDetector, addresses: list[str], client: str = "198.18.250.77") -> list:
    events = []
    for i, address in enumerate(addresses):
        when = T0 + timedelta(seconds=i * 0.1)
        events += detector.feed_dns(_query(_ptr_name(address), client), MAC, False, when=when)
    return [e for e in events if e.kind is ScanEventKind.LAN_SCAN]


def test_ip6_ptr_address() -> None:
    assert ip6_ptr_address(_ptr_name("fd00::1")) == ipaddress.IPv6Address("fd00::1")
    assert ip6_ptr_address(_ptr_name("fd00::1").upper() + ".") == ipaddress.IPv6Address("fd00::1")
    assert ip6_ptr_address("0.0.ip6.arpa") is None  # a zone, not an address
    assert ip6_ptr_address("1.1.168.192.in-addr.arpa") is None
    assert ip6_ptr_address("x" * 500) is None


def test_ula_sweep_is_caught() -> None:
    detector = ScanDetector(now=lambda: T0)
    events = _sweep(detector, [f"fd12:3456:789a::{i:x}" for i in range(1, 8)])
    assert len(events) == 1
    assert events[0].methods == ("ptr_sweep",)
    assert "fd12:3456:789a::1" in events[0].evidence["sample_targets"]


def test_internet_addresses_are_not_a_sweep_until_the_prefix_is_the_homes() -> None:
    detector = ScanDetector(now=lambda: T0)
    addresses = [f"2001:db8:1:2::{i:x}" for i in range(1, 8)]
    assert _sweep(detector, addresses) == []  # servers' names: nothing about the LAN
    home = ScanDetector(now=lambda: T0)
    home.home6.learn("2a02:1234:5678:9abc::42")  # a LAN device's own global address
    assert _sweep(home, [f"2a02:1234:5678:9abc::{i:x}" for i in range(1, 8)])


def test_a_lan_client_teaches_its_prefix() -> None:
    detector = ScanDetector(now=lambda: T0)
    detector.feed_dns(_query("www.example.com", "2a02:1234:5678:9abc::77", "A"), MAC, False)
    assert detector.home6.learnt == ("2a02:1234:5678:9abc::/64",)
    assert _sweep(detector, [f"2a02:1234:5678:9abc::{i:x}" for i in range(1, 8)])


def test_a_few_lookups_are_not_a_sweep() -> None:
    detector = ScanDetector(now=lambda: T0)
    assert _sweep(detector, ["fd00::1", "fd00::2", "fe80::1", "fd00::1"]) == []


def test_home_prefixes_are_bounded_and_ignore_junk() -> None:
    prefixes = HomePrefixes(max_prefixes=4)
    for i in range(100):
        prefixes.learn(f"2a02:{i:x}::1")
    for junk in ("fd00::1", "::ffff:1.2.3.4", "nonsense", 7, "1.2.3.4", "fe80::1%eth0"):
        prefixes.learn(junk)
    assert len(prefixes.learnt) == 4
    assert ipaddress.IPv6Address("2a02:63::9") in prefixes
    assert ipaddress.IPv6Address("2a02:1::9") not in prefixes
    assert "fd00::1" not in prefixes  # a string is not an address


@pytest.mark.parametrize("name", ["", ".", "ip6.arpa", "a." * 40 + "ip6.arpa", "\x00.ip6.arpa"])
def test_malformed_names(name: str) -> None:
    assert ip6_ptr_address(name) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_text_never_raises(name: str) -> None:
    ip6_ptr_address(name + ".ip6.arpa")
    HomePrefixes().learn(name)
