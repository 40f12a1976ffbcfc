"""Enumeration rules for discovery queries (engine/scan_discovery.py) in front of the detector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.snoop_guard.engine.discovery_frame import (
    DiscoveryProtocol,
    DiscoveryQuery,
    parse_discovery_frame,
)
from custom_components.snoop_guard.engine.mdns_query import Question
from custom_components.snoop_guard.engine.netbios import NB, NBSTAT, NetbiosQuery
from custom_components.snoop_guard.engine.scan import ScanDetector, ScanEvent, ScanEventKind
from custom_components.snoop_guard.engine.scan_discovery import (
    DiscoveryThresholds,
    DiscoveryWatch,
)
from tests.discovery_frames import neighbor_solicitation

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
MAC = "14:11:5d:00:00:77"
ROUTER = "198.18.250.1"

# 25 service types, like the enumerator of the issue
TYPES = [
    f"_{name}._tcp.local"
    for name in [
        "googlecast",
        "airplay",
        "raop",
        "spotify-connect",
        "http",
        "https",
        "printer",
        "ipp",
        "ipps",
        "scanner",
        "uscan",
        "smb",
        "afpovertcp",
        "ssh",
        "sftp-ssh",
        "workstation",
        "device-info",
        "homekit",
        "hap",
        "companion-link",
        "sleep-proxy",
        "rdlink",
        "daap",
        "sonos",
    ]
]
# An iPhone's routine Bonjour browse (about a dozen types)
APPLE = [
    f"_{name}._tcp.local"
    for name in [
        "airplay",
        "raop",
        "companion-link",
        "homekit",
        "hap",
        "sleep-proxy",
        "apple-mobdev2",
        "rdlink",
        "remotepairing",
        "touch-able",
        "mediaremotetv",
        "airport",
    ]
]
PACING = (0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0)  # RFC 6762 5.2: 1 s, then doubling


def _watch(**limits: object) -> DiscoveryWatch:
    detector = ScanDetector(allow=[ROUTER], now=lambda: T0)
    return DiscoveryWatch(detector, DiscoveryThresholds(**limits))  # type: ignore[arg-type]


def _mdns(names: list[str], at: float, qtype: int = 12, mac: str = MAC) -> DiscoveryQuery:
    return DiscoveryQuery(
        DiscoveryProtocol.MDNS,
        mac,
        "198.18.250.77",
        "224.0.0.251",
        True,
        T0 + timedelta(seconds=at),
        questions=tuple(Question(n, qtype) for n in names),
    )


def _ssdp(st: str, at: float, dst: str = "239.255.255.250") -> DiscoveryQuery:
    return DiscoveryQuery(
        DiscoveryProtocol.SSDP,
        MAC,
        "198.18.250.77",
        dst,
        dst.startswith("239."),
        T0 + timedelta(seconds=at),
        search_target=st,
    )


def _run(watch: DiscoveryWatch, queries: list[DiscoveryQuery]) -> list[ScanEvent]:
    events: list[ScanEvent] = []
    for query in queries:
        events += watch.feed(query)
    return events


def _lan(events: list[ScanEvent]) -> list[ScanEvent]:
    return [e for e in events if e.kind is ScanEventKind.LAN_SCAN]


def test_mdns_only_enumerator_is_caught() -> None:
    watch = _watch()
    queries = [_mdns(["_services._dns-sd._udp.local"], 0)]
    queries += [_mdns([t], 0.1 + i * 0.05) for i, t in enumerate(TYPES)]
    queries += [_mdns([f"dev{i}.{t}" for i in range(2)], 2.0, 33) for t in TYPES[:5]]
    events = _lan(_run(watch, queries))
    assert len(events) == 1
    event = events[0]
    assert event.mac == MAC
    assert event.methods == ("mdns",)
    assert "service type enumeration" in str(event.evidence["rule"])
    # caught at the 8th type after the meta query, not at the end of the walk
    assert event.when <= T0 + timedelta(seconds=0.1 + 8 * 0.05)
    assert watch.detector.state(MAC).lan_scanning


def test_many_types_without_the_meta_query_are_caught() -> None:
    watch = _watch()
    events = _lan(_run(watch, [_mdns([t], i * 0.2) for i, t in enumerate(TYPES)]))
    assert len(events) == 1
    assert "20 service types" in str(events[0].evidence["rule"])


@pytest.mark.parametrize(
    ("names", "repeats"),
    [
        (["_googlecast._tcp.local"], PACING),  # a phone's cast menu, open a minute
        (APPLE, PACING),  # an Apple device's routine Bonjour
        (["_sonos._tcp.local", "_spotify-connect._tcp.local"], PACING),  # a Sonos app
    ],
)
def test_ordinary_mdns_browsing_stays_quiet(names: list[str], repeats: tuple[float, ...]) -> None:
    watch = _watch()
    queries = [_mdns(names, at) for at in repeats]
    # ... and it resolves five devices it found (SRV + TXT, then the host's address)
    queries += [_mdns([f"speaker {i}.{names[0]}"], 2.0, 33) for i in range(5)]
    queries += [_mdns([f"speaker-{i}.local"], 2.5, 1) for i in range(5)]
    assert _run(watch, queries) == []
    assert not watch.detector.state(MAC).lan_scanning


def test_ssdp_only_enumerator_is_caught_and_control_points_are_not() -> None:
    enumerator = _watch()
    rounds = [
        _ssdp(st, r * 2.0 + i * 0.1)
        for r in range(3)
        for i, st in enumerate(("ssdp:all", "upnp:rootdevice"))
    ]
    events = _lan(_run(enumerator, rounds))
    assert len(events) == 1
    assert "M-SEARCH for all devices" in str(events[0].evidence["rule"])
    assert events[0].methods == ("ssdp",)

    ordinary = _watch()
    sonos = [_ssdp("urn:schemas-upnp-org:device:zoneplayer:1", t) for t in (0, 1, 2)]
    cast = [_ssdp("urn:dial-multiscreen-org:service:dial:1", t) for t in (0.5, 1.5, 2.5)]
    windows = [_ssdp("ssdp:all", t) for t in (10, 11, 12)]  # a wide search, sent 3 times
    assert _run(ordinary, sonos + cast + windows) == []


def test_many_search_targets_are_caught() -> None:
    watch = _watch()
    targets = [f"urn:schemas-upnp-org:device:type{i}:1" for i in range(8)]
    events = _lan(_run(watch, [_ssdp(st, i * 0.5) for i, st in enumerate(targets)]))
    assert len(events) == 1
    assert "8 distinct search targets" in str(events[0].evidence["rule"])


def test_unicast_netbios_node_status_sweep_uses_the_detector_targets() -> None:
    watch = _watch()
    queries = [
        DiscoveryQuery(
            DiscoveryProtocol.NETBIOS,
            MAC,
            "198.18.250.77",
            f"198.18.250.{10 + i}",
            False,
            T0 + timedelta(seconds=i * 0.1),
            netbios=NetbiosQuery("*", NBSTAT),
        )
        for i in range(6)
    ]
    events = _lan(_run(watch, queries))
    assert len(events) == 1
    assert events[0].methods == ("netbios",)
    assert events[0].evidence["hosts_probed"] >= 5


def test_windows_name_lookups_stay_quiet() -> None:
    watch = _watch()
    queries = [
        DiscoveryQuery(
            DiscoveryProtocol.NETBIOS,
            MAC,
            "198.18.250.77",
            "198.18.250.255",
            True,
            T0 + timedelta(seconds=i),
            netbios=NetbiosQuery(name, NB),
        )
        for i, name in enumerate(["wpad", "nas", "nas", "printer", "nas"])
    ]
    assert _run(watch, queries) == []


def test_ndp_sweep_is_caught_and_dad_is_not() -> None:
    watch = _watch()
    dad = [
        parse_discovery_frame(neighbor_solicitation(f"fd00::{i}", src_ip="::"), T0)
        for i in range(1, 10)
    ]
    assert _run(watch, [q for q in dad if q is not None]) == []
    sweep = [
        parse_discovery_frame(
            neighbor_solicitation(f"fd00::{i:x}"), T0 + timedelta(seconds=i * 0.01)
        )
        for i in range(1, 10)
    ]
    events = _lan(_run(watch, [q for q in sweep if q is not None]))
    assert len(events) == 1
    assert events[0].methods == ("ndp_sweep",)


def test_allow_listed_senders_and_probes_are_ignored() -> None:
    watch = _watch()
    router = [
        DiscoveryQuery(
            DiscoveryProtocol.MDNS,
            "02:00:00:00:00:01",
            ROUTER,
            "224.0.0.251",
            True,
            T0,
            questions=tuple(Question(t, 12) for t in TYPES),
        )
    ]
    assert _run(watch, router) == []
    watch.allow_mac("02:00:00:00:00:02")
    same = [_mdns(TYPES, 0, mac="02:00:00:00:00:02")]
    assert _run(watch, same) == []
    probe = DiscoveryQuery(
        DiscoveryProtocol.MDNS,
        MAC,
        "198.18.250.77",
        "224.0.0.251",
        True,
        T0,
        probe=True,
        questions=tuple(Question(t, 255) for t in TYPES),
    )
    assert _run(watch, [probe]) == []
    assert watch.stats.ignored == 3


def test_memory_is_bounded_under_forged_sources() -> None:
    watch = _watch(max_sources=50)
    for i in range(2000):
        mac = f"02:00:00:00:{i >> 8:02x}:{i & 0xFF:02x}"
        watch.feed(_mdns(TYPES[:3], i * 0.001, mac=mac))
    assert len(watch._sources) == 50
    for source in watch._sources.values():
        assert len(source.names.keys) <= watch.thresholds.max_keys


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="positive"):
        DiscoveryThresholds(window=timedelta(0))
    with pytest.raises(ValueError, match="at least 2"):
        DiscoveryThresholds(mdns_types=1)
    with pytest.raises(ValueError, match="max_keys"):
        DiscoveryThresholds(mdns_names=100)


def test_verdict_reaches_the_detector_once_per_scan() -> None:
    detector = ScanDetector(now=lambda: T0)
    events = detector.feed_discovery_query(MAC, "mdns", T0, verdict="mdns: test rule")
    assert len(events) == 1
    assert events[0].evidence["rule"] == "mdns: test rule"
    again = detector.feed_discovery_query(
        MAC, "mdns", T0 + timedelta(seconds=1), verdict="mdns: test rule"
    )
    assert again == []
