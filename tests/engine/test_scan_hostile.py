"""Hostile input for the scan detector: floods of spoofed MACs, garbage, and properties."""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.arp import ArpRequest, parse_arp_frame
from custom_components.snoop_guard.engine.dnslog import DnsEvent, DnsEventKind
from custom_components.snoop_guard.engine.scan import ScanConfig, ScanDetector, ScanEventKind

from .hostile import HOSTILE
from .test_scan_support import GOZEN, T0, arp, at, dns, query, sweep

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _flood(detector: ScanDetector, count: int, seed: int, start: float = 0.0) -> float:
    """``count`` ARP requests from random MACs at 10 000/s; return the seconds it took."""
    rng = random.Random(seed)
    began = time.perf_counter()
    feed = detector.feed_arp
    for n in range(count):
        mac = rng.getrandbits(48) & ~(1 << 40)  # unicast
        text = mac.to_bytes(6).hex(":")
        target = f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        feed(ArpRequest(text, "192.168.1.200", target, T0 + timedelta(seconds=start + n / 10_000)))
    return time.perf_counter() - began


def test_a_million_spoofed_sources_keep_memory_bounded() -> None:
    config = ScanConfig()
    detector = ScanDetector(config, now=lambda: at(0))
    elapsed = _flood(detector, 1_000_000, seed=1)
    stats = detector.stats
    assert stats.sources <= config.max_sources
    assert stats.devices <= config.max_devices
    assert stats.window_keys <= 2 * (config.max_sources + config.max_devices) * 2
    assert detector.errors == 0
    assert elapsed < 60  # ~ a few microseconds per request


def test_flood_memory_plateaus() -> None:
    detector = ScanDetector(ScanConfig(max_sources=512), now=lambda: at(0))
    _flood(detector, 20_000, seed=2)  # warm up to the caps
    gc.collect()
    tracemalloc.start()
    try:
        _flood(detector, 50_000, seed=3, start=10)
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        _flood(detector, 50_000, seed=4, start=20)
        gc.collect()
        second, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert second - first < 256 * 1024  # no growth beyond noise once the caps are reached
    assert peak < 8 * 1024 * 1024


def test_a_sweep_is_caught_in_the_middle_of_a_flood() -> None:
    detector = ScanDetector(ScanConfig(max_sources=256), now=lambda: at(0))
    detector.set_known_devices([GOZEN])
    rng = random.Random(5)
    events = []
    for n in range(20_000):
        t = n / 10_000
        if n % 100 == 0:  # the TV's sweep, one request every 10 ms, interleaved
            target = f"192.168.1.{n // 100 + 1}"
            events += detector.feed_arp(arp(GOZEN, target, t, sender="192.168.1.240"))
        mac = (rng.getrandbits(48) & ~(1 << 40)).to_bytes(6).hex(":")
        events += detector.feed_arp(arp(mac, "192.168.1.250", t, sender="192.168.1.201"))
    assert [(e.kind, e.mac) for e in events] == [(ScanEventKind.LAN_SCAN, GOZEN)]
    assert detector.state(GOZEN, at(2)).hosts_probed_last_scan == 200


def test_spoofed_sweepers_are_capped() -> None:
    config = ScanConfig(max_devices=128, max_sources=128, max_events_per_minute=20)
    detector = ScanDetector(config, now=lambda: at(0))
    events = []
    for n in range(5000):  # 5000 forged MACs, each "sweeping" 6 addresses
        mac = f"02:66:00:00:{n >> 8:02x}:{n & 255:02x}"
        events += sweep(detector, mac, n * 0.05, range(1, 7))
    assert detector.stats.devices <= 128
    assert detector.stats.sources <= 128
    assert len(events) <= 20 * (5000 * 0.05 / 60 + 1)


def test_malformed_frames_through_the_parser_never_raise() -> None:
    rng = random.Random(9)
    detector = ScanDetector(now=lambda: at(0))
    for _ in range(20_000):
        frame = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 70)))
        if rng.random() < 0.5 and len(frame) >= 22:  # make many of them look like ARP
            frame = frame[:12] + b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01" + frame[22:]
        request = parse_arp_frame(frame, at(0))
        if request is not None:
            detector.feed_arp(request)
    assert detector.errors == 0


def test_hostile_strings_everywhere() -> None:
    detector = ScanDetector(now=lambda: at(0))
    for i, text in enumerate(HOSTILE):
        detector.feed_arp(ArpRequest(text, text, text, at(i)))
        detector.feed_arp(ArpRequest(GOZEN, text, "192.168.1.9", at(i)))
        detector.feed_dns(query(text, "PTR"), GOZEN, True)
        detector.feed_dns(query(text, text), text, False)
        detector.feed_dns(query(f"{text}.in-addr.arpa", "PTR"), GOZEN, False)
        detector.feed_discovery_query(text, text, at(i), target=text)
        detector.feed_discovery_query(GOZEN, "mdns", at(i), target=text)
        detector.probe_requests(text, 100, timedelta(seconds=1), when=at(i))
        detector.state(text)
        detector.set_allow([text])
        detector.set_known_devices([text])
    detector.tick(at(10**6))
    assert detector.errors == 0


def test_wrong_types_are_counted_not_raised() -> None:
    detector = ScanDetector(now=lambda: at(0))
    bogus: object = None
    detector.feed_arp(bogus)  # type: ignore[arg-type]
    detector.feed_arp(ArpRequest(GOZEN, "192.168.1.5", "192.168.1.9", bogus))  # type: ignore[arg-type]
    detector.feed_dns(bogus, GOZEN, True)  # type: ignore[arg-type]
    detector.feed_dns(query("x.com"), bogus, True)  # type: ignore[arg-type]
    detector.feed_discovery_query(GOZEN, "mdns", bogus)  # type: ignore[arg-type]
    detector.probe_requests(GOZEN, 100, bogus)  # type: ignore[arg-type]
    assert detector.errors >= 3
    assert detector.state(GOZEN, at(1)).scans_detected == 0


@SETTINGS
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT, ANY_TEXT, st.booleans()), max_size=30))
def test_dns_feed_never_raises(items: list[tuple[str, str, str, bool]]) -> None:
    detector = ScanDetector(now=lambda: at(0))
    for i, (name, qtype, mac, tracker) in enumerate(items):
        event = DnsEvent(
            DnsEventKind.QUERY, None, None, None, "192.168.1.5", qtype, name, None, "k"
        )
        detector.feed_dns(event, mac, tracker, when=at(i))
        detector.feed_dns(event, GOZEN, tracker, when=at(i))
    assert detector.errors == 0


MACS = [f"02:00:00:00:01:{n:02x}" for n in range(4)]


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(MACS),
            st.integers(1, 40),  # target host
            st.floats(0, 40, allow_nan=False),  # seconds since the previous request
        ),
        max_size=300,
    )
)
def test_lan_scan_only_when_a_threshold_is_really_crossed(
    requests: list[tuple[str, int, float]],
) -> None:
    config = ScanConfig()
    detector = ScanDetector(config, now=lambda: T0)
    history: dict[str, list[tuple[float, int]]] = defaultdict(list)
    last_event: dict[tuple[str, str], datetime] = {}
    t = 0.0
    for mac, host, gap in requests:
        t += gap
        history[mac].append((t, host))
        for event in detector.feed_arp(arp(mac, f"192.168.1.{host}", t)):
            assert event.kind is ScanEventKind.LAN_SCAN
            seen = history[mac]
            fast = {h for s, h in seen if s > t - 30}
            slow = {h for s, h in seen if s > t - 300}
            assert len(fast) >= config.sweep_min_targets or len(slow) >= config.slow_min_targets
            key = (mac, str(event.kind))
            if key in last_event:
                assert event.when - last_event[key] >= config.event_interval
            last_event[key] = event.when
            # Float seconds round-trip through timestamps: equal to within a microsecond.
            expected = datetime.fromtimestamp(T0.timestamp() + t, UTC)
            assert abs(event.when - expected) <= timedelta(microseconds=1)
    for mac in MACS:
        state = detector.state(mac, at(t))
        assert state.hosts_probed_last_scan <= len({h for _, h in history[mac]})
    assert detector.errors == 0


@SETTINGS
@given(st.integers(5, 120), st.floats(1, 2000, allow_nan=False))
def test_any_fast_sweep_is_caught(hosts: int, rate: float) -> None:
    """A sweep of 5+ addresses faster than 5 per 30 s is always detected, once."""
    detector = ScanDetector(now=lambda: T0)
    if 4 / rate > 30:
        return
    events = sweep(detector, GOZEN, 0, range(1, hosts + 1), rate=rate)
    assert [e.kind for e in events] == [ScanEventKind.LAN_SCAN]
    assert events[0].when == at(4 / rate)


def test_dns_events_without_mac_or_kind_are_skipped() -> None:
    detector = ScanDetector(now=lambda: at(0))
    reply = DnsEvent(
        DnsEventKind.REPLY, None, 1, 1, "192.168.1.5", None, "gz-data.com", "1.2.3.4", "k"
    )
    assert detector.feed_dns(reply, GOZEN, True) == []
    assert dns(detector, "", 1, "gs-loc.apple.com") == []
    assert detector.stats.ignored == 1
