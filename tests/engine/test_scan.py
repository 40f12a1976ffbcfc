"""The scan detector (engine/scan/): each signal, correlation, allow-list, rate limits, decay."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import pairwise

import pytest

from custom_components.snoop_guard.engine.scan import (
    GEOLOCATION_SERVICES,
    ScanConfig,
    ScanDetector,
    ScanEventKind,
    ScanMethod,
    geolocation_provider,
    ptr_target,
    site_of,
)

from .test_scan_support import (
    GOZEN,
    HA_IP,
    HA_MAC,
    ROUTER_IP,
    ROUTER_MAC,
    arp,
    at,
    dns,
    ptr,
    sweep,
)

PHONE = "3c:22:fb:00:00:10"


def detector(**config: object) -> ScanDetector:
    return ScanDetector(
        ScanConfig(**config),  # type: ignore[arg-type]
        allow={ROUTER_MAC, ROUTER_IP, HA_MAC, HA_IP},
        now=lambda: at(0),
    )


def kinds(events: list) -> list[str]:  # type: ignore[type-arg]
    return [str(e.kind) for e in events]


# -- ARP sweeps -------------------------------------------------------------------------


def test_gozen_sweep_is_detected_at_the_fifth_target() -> None:
    det = detector()
    events = []
    for i, host in enumerate(range(1, 255)):
        new = det.feed_arp(arp(GOZEN, f"192.168.1.{host}", i / 200))
        if new:
            assert i == 4  # the fifth distinct address
        events += new
    assert kinds(events) == ["lan_scan"]
    event = events[0]
    assert event.mac == GOZEN
    assert event.methods == (ScanMethod.ARP,)
    assert event.when == at(4 / 200)
    assert "5 distinct targets within 30 s" in event.evidence["rule"]
    assert event.evidence["sample_targets"][0] == "192.168.1.1"
    json.dumps(event.as_event_data())
    state = det.state(GOZEN, at(10))
    assert state.lan_scanning
    assert not state.wifi_scanning
    assert state.methods == ("arp_sweep",)
    assert state.hosts_probed_last_scan == 253  # not its own address
    assert state.scans_detected == 1
    assert state.last_scan == at(0)
    json.dumps(state.as_dict())


def test_four_targets_are_not_a_sweep() -> None:
    det = detector()
    for minute in range(60):
        for host in (1, 3, 7, 9):
            assert det.feed_arp(arp(PHONE, f"192.168.1.{host}", minute * 60 + host)) == []
    assert not det.state(PHONE, at(3600)).lan_scanning


def test_slow_sweep_trips_the_zeek_rule() -> None:
    det = detector()
    events = []
    for n in range(40):  # one new address every 10 s: never 5 in 30 s
        events += det.feed_arp(arp(GOZEN, f"192.168.1.{n + 1}", n * 10.0))
        if events:
            break
    assert kinds(events) == ["lan_scan"]
    assert n == 24  # the 25th distinct address within 5 minutes
    assert "25 distinct targets within 300 s" in events[0].evidence["rule"]


def test_refreshing_known_hosts_after_a_sweep_is_not_a_new_scan() -> None:
    det = detector()
    assert kinds(sweep(det, GOZEN, 0)) == ["lan_scan"]
    for t in range(120, 3600, 30):  # the gateway and two peers, every 30 s
        for host in (1, 7, 9):
            assert det.feed_arp(arp(GOZEN, f"192.168.1.{host}", t)) == []
    assert det.state(GOZEN, at(3600)).scans_detected == 1


def test_each_periodic_sweep_is_a_detection_and_events_are_rate_limited() -> None:
    det = detector()
    events = []
    for k in range(12):  # every 5 minutes for an hour
        events += sweep(det, GOZEN, k * 300.0)
    assert det.state(GOZEN, at(3600)).scans_detected == 12
    lan = [e for e in events if e.kind is ScanEventKind.LAN_SCAN]
    assert len(lan) == 6  # at most one per 10 minutes
    assert all(b.when - a.when >= timedelta(minutes=10) for a, b in pairwise(lan))
    assert lan[1].evidence["suppressed_since_last_event"] == 1


def test_continuous_sweeping_is_one_long_scan() -> None:
    det = detector()
    events = []
    for k in range(30):  # a sweep every 3 s for 90 s
        events += sweep(det, GOZEN, k * 3.0)
    assert kinds(events) == ["lan_scan"]
    assert det.state(GOZEN, at(100)).lan_scanning


def test_dad_probes_are_fine_but_a_probe_sweep_is_a_sweep() -> None:
    det = detector()
    for i in range(3):
        assert det.feed_arp(arp(PHONE, "192.168.1.77", i * 0.2, sender="0.0.0.0")) == []
    assert not det.state(PHONE, at(1)).lan_scanning
    events = sweep(det, GOZEN, 10, range(100, 130), sender="0.0.0.0")
    assert kinds(events) == ["lan_scan"]
    assert events[0].evidence["sender_ip"] is None


def test_joining_phone_checking_a_few_hosts_is_not_a_sweep() -> None:
    det = detector()
    events = []
    for i in range(3):  # RFC 5227 probes for the address it was offered
        events += det.feed_arp(arp(PHONE, "192.168.1.77", i * 0.2, sender="0.0.0.0"))
    for i, target in enumerate([ROUTER_IP, "192.168.1.20", "192.168.1.21", "192.168.1.22"]):
        events += det.feed_arp(arp(PHONE, target, 1 + i * 0.1, sender="192.168.1.77"))
    assert events == []


def test_allow_listed_sources_are_never_reported() -> None:
    det = detector()
    assert sweep(det, ROUTER_MAC, 0) == []
    assert sweep(det, "02:aa:00:00:00:01", 100, sender=ROUTER_IP) == []  # router's IP
    assert sweep(det, HA_MAC, 200, sender=HA_IP) == []
    assert det.stats.sources == 0
    # a user-marked legitimate scanner, added later: its state is dropped
    assert kinds(sweep(det, PHONE, 300)) == ["lan_scan"]
    det.set_allow({ROUTER_MAC, ROUTER_IP, HA_MAC, HA_IP, PHONE.upper().replace(":", "-")})
    assert PHONE in det.allow
    assert not det.state(PHONE, at(310)).lan_scanning
    assert sweep(det, PHONE, 2000) == []


# -- PTR sweeps -------------------------------------------------------------------------


def test_ptr_sweep_of_private_addresses() -> None:
    det = detector()
    events = []
    for host in range(3, 20):
        events += dns(det, GOZEN, host * 0.01, ptr(f"192.168.1.{host}"), qtype="PTR")
    assert kinds(events) == ["lan_scan"]
    assert events[0].methods == (ScanMethod.PTR,)
    assert det.state(GOZEN, at(1)).hosts_probed_last_scan == 17


def test_ptr_lookups_that_are_not_a_sweep() -> None:
    det = detector()
    events = []
    for i, ip in enumerate(
        ["8.8.8.8", "1.1.1.1", "9.9.9.9", "208.67.222.222", "4.4.4.4", "8.8.4.4"]
    ):
        events += dns(det, PHONE, i, ptr(ip), qtype="PTR")  # public: not the LAN
    for i in range(20):
        events += dns(det, PHONE, 10 + i, ptr(ROUTER_IP), qtype="PTR")  # nslookup's lookup
    for i, name in enumerate(["1.168.192.in-addr.arpa", "x.1.168.192.in-addr.arpa", "a.b"]):
        events += dns(det, PHONE, 40 + i, name, qtype="PTR")
    for i in range(6):  # A lookups of in-addr names are not PTR lookups
        events += dns(det, PHONE, 50 + i, ptr(f"192.168.1.{i + 3}"))
    assert events == []


def test_ptr_target_and_site_helpers() -> None:
    assert ptr_target("7.1.168.192.in-addr.arpa") == 0xC0A80107
    for bad in ("1.168.192.in-addr.arpa", "256.1.168.192.in-addr.arpa", "-1.1.1.1.in-addr.arpa"):
        assert ptr_target(bad) is None
    assert site_of("a.b.example.com") == "example.com"
    assert site_of("x.example.co.uk") == "example.co.uk"
    assert site_of("Example.COM.") == "example.com"
    for local in ("printer.local", "nas.lan", "router", "1.2.3.4", "7.1.168.192.in-addr.arpa"):
        assert site_of(local) is None


# -- discovery protocols ----------------------------------------------------------------


def test_mdns_query_burst() -> None:
    det = detector()
    events = []
    for i in range(39):
        events += det.feed_discovery_query(PHONE, "mdns", at(i * 0.5))
    assert events == []
    events = det.feed_discovery_query(PHONE, 5353, at(19.6))
    assert kinds(events) == ["lan_scan"]
    assert events[0].methods == (ScanMethod.MDNS,)


def test_rfc6762_backoff_querier_is_normal() -> None:
    det = detector()
    t, interval = 0.0, 1.0
    while t < 86_400:
        assert det.feed_discovery_query(PHONE, "mdns", at(t)) == []
        t += interval
        interval = min(interval * 2, 3600)
        if interval >= 3600:
            interval = 1.0  # a new question every hour, with a new back-off
            t += 60
    assert not det.state(PHONE, at(t)).lan_scanning


def test_netbios_unicast_enumeration_and_ssdp() -> None:
    det = detector()
    events = []
    for host in range(10, 16):
        events += det.feed_discovery_query(GOZEN, "netbios", at(host), target=f"192.168.1.{host}")
    assert kinds(events) == ["lan_scan"]
    assert events[0].methods == (ScanMethod.NETBIOS,)
    events = det.feed_discovery_query(GOZEN, "ssdp", at(20))
    assert events == []
    assert det.feed_discovery_query(GOZEN, "gopher", at(21)) == []
    assert det.feed_discovery_query(GOZEN, 80, at(21)) == []
    assert det.stats.ignored == 2


def test_methods_add_up_in_one_scan() -> None:
    det = detector()
    sweep(det, GOZEN, 0)
    for host in range(3, 10):
        dns(det, GOZEN, 2 + host * 0.01, ptr(f"192.168.1.{host}"), qtype="PTR")
    state = det.state(GOZEN, at(5))
    assert state.methods == ("arp_sweep", "ptr_sweep")
    assert state.scans_detected == 1


# -- Wi-Fi ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gs-loc.apple.com", "Apple"),
        ("GS-LOC.apple.com.", "Apple"),
        ("gs-loc-cn.apple.com", "Apple (China)"),
        ("abroad.apilocate.amap.com", "AMap (Gaode) positioning"),
        ("api.beacondb.net", "BeaconDB"),
        ("location.services.mozilla.com", "Mozilla Location Service (retired 2024)"),
        ("positioning.hereapi.com", "HERE Network Positioning"),
        ("us1.unwiredlabs.com", "Unwired Labs"),
        ("global.skyhookwireless.com", "Skyhook"),
        ("www.googleapis.com", None),  # geolocation shares the host with every Google API
        ("api.map.baidu.com", None),  # maps, geocoding, weather... too
        ("restapi.amap.com", None),
        ("apple.com", None),
        ("notgs-loc.apple.com", None),
        ("unwiredlabs.com", None),
        ("x" * 300, None),
    ],
)
def test_geolocation_services(name: str, expected: str | None) -> None:
    assert geolocation_provider(name) == expected


def test_every_geolocation_service_is_a_plain_host_name() -> None:
    for name in GEOLOCATION_SERVICES:
        assert name == name.lower()
        assert site_of(name) is not None


def test_geolocation_lookup_is_a_wifi_scan() -> None:
    det = detector()
    events = dns(det, GOZEN, 0, "gs-loc.apple.com")
    assert kinds(events) == ["wifi_scan"]
    assert events[0].evidence["provider"] == "Apple"
    assert dns(det, GOZEN, 1, "gs-loc.apple.com", qtype="AAAA") == []
    state = det.state(GOZEN, at(2))
    assert state.wifi_scanning
    assert not state.lan_scanning
    assert state.wifi_scans_detected == 1


def test_probe_request_bursts() -> None:
    det = detector()
    minute = timedelta(seconds=60)
    assert det.probe_requests(PHONE, 29, minute, when=at(0)) == []
    assert det.probe_requests(PHONE, 100, timedelta(minutes=5), when=at(0)) == []
    events = det.probe_requests(PHONE, 40, timedelta(seconds=5), when=at(1))
    assert kinds(events) == ["wifi_scan"]
    assert events[0].methods == (ScanMethod.PROBE_REQUESTS,)
    assert kinds(det.probe_requests(GOZEN, 200, timedelta(minutes=5), when=at(2))) == ["wifi_scan"]
    for bad in (-1, True, 10**9):
        det.probe_requests(PHONE, bad, minute, when=at(3))  # no crash
    assert det.probe_requests(PHONE, 100, timedelta(0), when=at(3)) == []
    assert det.errors == 0


# -- upload correlation -----------------------------------------------------------------


def test_scan_then_tracker_contact_is_an_upload() -> None:
    det = detector()
    sweep(det, GOZEN, 0)
    dns(det, GOZEN, 2, "gs-loc.apple.com")
    events = dns(det, GOZEN, 3, "api.gz-data.com", tracker=True)
    assert kinds(events) == ["upload_suspected"]
    evidence = events[0].evidence
    assert evidence["domain"] == "api.gz-data.com"
    assert evidence["reason"] == "tracker"
    assert evidence["scans"] == ["lan_scan", "wifi_scan"]
    assert [step["signal"] for step in evidence["chain"]] == [
        "arp_sweep",
        "wifi_geolocation",
        "tracker",
    ]
    assert evidence["seconds_after_scan_start"] == pytest.approx(3.0)
    assert set(events[0].methods) == {"arp_sweep", "wifi_geolocation"}
    state = det.state(GOZEN, at(4))
    assert state.last_upload_suspected == at(3)
    assert state.last_upload_domain == "api.gz-data.com"
    # the same destination again is not a second upload of this scan
    assert dns(det, GOZEN, 5, "gz-data.com", tracker=True) == []
    json.dumps(events[0].as_event_data())


def test_contact_after_the_window_is_not_an_upload() -> None:
    det = detector()
    sweep(det, GOZEN, 0)
    assert dns(det, GOZEN, 2 + 11 * 60, "gz-data.com", tracker=True) == []


def test_contact_without_a_scan_is_not_an_upload() -> None:
    det = detector()
    for t in range(0, 86_400, 60):
        assert dns(det, GOZEN, t, "gz-data.com", tracker=True) == []


def test_new_domain_after_the_baseline_is_an_upload() -> None:
    det = detector(baseline=timedelta(hours=1))
    for t in range(0, 7200, 300):
        dns(det, GOZEN, t, "www.netflix.com")
    sweep(det, GOZEN, 7200)
    assert dns(det, GOZEN, 7205, "cdn.netflix.com") == []  # known site
    events = dns(det, GOZEN, 7210, "collector.example-inventory.cn")
    assert kinds(events) == ["upload_suspected"]
    assert events[0].evidence["reason"] == "new_domain"
    assert dns(det, GOZEN, 7220, "printer.local") == []


def test_new_domain_during_the_baseline_is_learnt_not_reported() -> None:
    det = detector(baseline=timedelta(hours=1))
    dns(det, GOZEN, 0, "www.netflix.com")
    sweep(det, GOZEN, 10)
    assert dns(det, GOZEN, 20, "brand-new.example") == []


def test_contact_between_sweep_start_and_detection_counts() -> None:
    det = detector()
    # the log line of the tracker lookup is processed before the ARP sweep is detected
    dns(det, GOZEN, 0.001, "gz-data.com", tracker=True)
    events = sweep(det, GOZEN, 0)
    assert kinds(events) == ["lan_scan", "upload_suspected"]


def test_contact_before_the_sweep_does_not_count() -> None:
    det = detector()
    dns(det, GOZEN, -5, "gz-data.com", tracker=True)
    assert kinds(sweep(det, GOZEN, 0)) == ["lan_scan"]


# -- decay, tick, limits ----------------------------------------------------------------


def test_state_decays_after_the_quiet_period_and_tick_reports_it() -> None:
    det = detector(quiet_period=timedelta(minutes=15))
    sweep(det, GOZEN, 0)
    dns(det, GOZEN, 600, "gs-loc.apple.com")
    assert det.tick(at(60)) == ()
    assert det.state(GOZEN, at(14 * 60)).lan_scanning
    assert det.tick(at(16 * 60)) == (GOZEN,)  # the LAN scan ended, Wi-Fi still on
    state = det.state(GOZEN, at(16 * 60))
    assert not state.lan_scanning
    assert state.wifi_scanning
    assert state.methods == ("wifi_geolocation",)
    assert det.tick(at(26 * 60)) == (GOZEN,)
    assert det.tick(at(27 * 60)) == ()
    state = det.state(GOZEN, at(27 * 60))
    assert not state.wifi_scanning
    assert state.hosts_probed_last_scan == 253  # history stays
    assert GOZEN in det.states(at(27 * 60))


def test_unknown_device_state_is_blank() -> None:
    det = detector()
    state = det.state("AA-BB-CC-00-00-01")
    assert state.mac == "aa:bb:cc:00:00:01"
    assert not state.lan_scanning
    assert state.last_scan is None


def test_global_event_cap_under_spoofed_sweeps() -> None:
    det = detector(max_events_per_minute=30)
    events = []
    for n in range(200):
        mac = f"02:5c:00:00:{n >> 8:02x}:{n & 255:02x}"
        events += sweep(det, mac, n * 0.1, range(1, 7))
    assert len(events) == 30
    assert det.suppressed == 170


def test_naive_and_out_of_order_times() -> None:
    det = detector()
    naive = at(0).replace(tzinfo=None)
    det.feed_arp(
        arp(GOZEN, "192.168.1.9", 0).__class__(GOZEN, "192.168.1.50", "192.168.1.9", naive)
    )
    for host in range(10, 30):
        det.feed_arp(arp(GOZEN, f"192.168.1.{host}", 100 - host))  # time runs backwards
    assert det.errors == 0
    assert det.state(GOZEN, at(100)).lan_scanning


@pytest.mark.parametrize(
    "bad",
    [
        {"sweep_window": timedelta(0)},
        {"sweep_min_targets": 1},
        {"max_sources": 0},
        {"max_targets": 3},
        {"upload_window": timedelta(seconds=-1)},
        {"lan_networks": ("10.0.0.0/33",)},
        {"lan_networks": ("nope",)},
    ],
)
def test_config_validation(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ScanConfig(**bad)  # type: ignore[arg-type]


def test_extra_lan_networks_count_for_ptr() -> None:
    det = detector(lan_networks=("100.64.0.0/10",))
    events = []
    for host in range(1, 8):
        events += dns(det, GOZEN, host, ptr(f"100.64.0.{host}"), qtype="PTR")
    assert kinds(events) == ["lan_scan"]


def test_known_devices_survive_a_source_flood() -> None:
    det = detector(max_sources=64)
    det.set_known_devices([GOZEN, "not a mac"])
    det.feed_arp(arp(GOZEN, "192.168.1.1", 0))
    det.feed_arp(arp(GOZEN, "192.168.1.2", 1))
    for n in range(5000):
        det.feed_arp(arp(f"02:00:00:01:{n >> 8:02x}:{n & 255:02x}", "192.168.1.9", 2 + n / 1000))
    assert det.stats.sources == 64
    events = []
    for host in range(3, 6):
        events += det.feed_arp(arp(GOZEN, f"192.168.1.{host}", 8))
    assert kinds(events) == ["lan_scan"]  # its first two requests were not forgotten
