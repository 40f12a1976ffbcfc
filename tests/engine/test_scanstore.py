"""The scan detector's memory across restarts (engine/scan/store.py, to_dict and restore)."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.scan import ScanConfig, ScanDetector, ScanEventKind
from custom_components.snoop_guard.engine.scan.store import (
    MAX_STORED_SITES,
    STATE_VERSION,
    StoredDevice,
    dump_state,
    parse_state,
)

from .test_scan_support import GOZEN, HA_IP, HA_MAC, ROUTER_IP, ROUTER_MAC, at, dns, sweep

PHONE = "3c:22:fb:00:00:10"
SAVED = at(100).timestamp()


def detector(now: float = 0.0, **config: object) -> ScanDetector:
    return ScanDetector(
        ScanConfig(**config),  # type: ignore[arg-type]
        allow={ROUTER_MAC, ROUTER_IP, HA_MAC, HA_IP},
        now=lambda: at(now),
    )


def through_json(data: dict[str, Any]) -> Any:
    """What a store file gives back (and proof that the data is plain JSON)."""
    return json.loads(json.dumps(data, allow_nan=False))


def learnt_then_scanned() -> ScanDetector:
    """Two hours of ordinary lookups (the baseline is complete), then an ARP sweep."""
    det = detector()
    for t in range(0, 7200, 300):
        dns(det, GOZEN, t, "www.netflix.com")
        dns(det, PHONE, t, "api.example.org")
    assert [str(e.kind) for e in sweep(det, GOZEN, 7200)] == ["lan_scan"]
    return det


def _ints(value: object) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [i for v in value.values() for i in _ints(v)]
    if isinstance(value, list):
        return [i for v in value for i in _ints(v)]
    return []


# -- round trip -------------------------------------------------------------------------


def test_round_trip_keeps_what_the_entities_show() -> None:
    det = learnt_then_scanned()
    data = det.to_dict()
    assert data["version"] == STATE_VERSION
    assert list(data["devices"]) == [GOZEN, PHONE]  # most recently active first
    # HA stores with orjson: no integer beyond 64 bits (bitmaps are hex strings)
    assert all(abs(i) < 2**63 for i in _ints(data))
    restored = detector(7300)
    assert restored.restore(through_json(data)) == 2
    for mac in (GOZEN, PHONE):
        assert restored.state(mac, at(7300)) == det.state(mac, at(7300))
    assert restored.state(GOZEN, at(7300)).lan_scanning
    assert restored.to_dict() == through_json(data)
    assert restored.errors == 0
    assert restored.ignored == 0


def test_upload_after_a_restart_is_still_correlated() -> None:
    det = learnt_then_scanned()
    data = through_json(det.to_dict())
    restarted = detector(7300)
    restarted.restore(data)
    assert dns(restarted, GOZEN, 7310, "cdn.netflix.com") == []  # a known site
    events = dns(restarted, GOZEN, 7320, "collector.example-inventory.cn")
    assert [str(e.kind) for e in events] == ["upload_suspected"]
    evidence = events[0].evidence
    assert evidence["reason"] == "new_domain"
    assert evidence["scans"] == ["lan_scan"]
    assert evidence["chain"][0]["signal"] == "arp_sweep"
    assert evidence["chain"][-1]["domain"] == "collector.example-inventory.cn"


def test_without_the_memory_the_same_upload_goes_unnoticed() -> None:
    """The issue: after a restart the baseline starts again and the scan is forgotten."""
    fresh = detector(7300)
    assert dns(fresh, GOZEN, 7320, "collector.example-inventory.cn") == []


def test_names_as_asked_survive_the_round_trip() -> None:
    """dnsmasq logs names in the case they were asked in (DNS 0x20): kept as evidence."""
    det = learnt_then_scanned()
    events = dns(det, GOZEN, 7210, "CoLLector.Example-Inventory.CN", tracker=True)
    assert [str(e.kind) for e in events] == ["upload_suspected"]
    restarted = detector(7300)
    assert restarted.restore(through_json(det.to_dict())) == 2
    state = restarted.state(GOZEN, at(7300))
    assert state.last_upload_domain == "CoLLector.Example-Inventory.CN"
    assert restarted.to_dict() == through_json(det.to_dict())


def test_restart_does_not_repeat_an_alarm_within_the_event_interval() -> None:
    det = learnt_then_scanned()
    restarted = detector(7300)
    restarted.restore(through_json(det.to_dict()))
    # a new sweep 200 s later is counted, but its alarm waits for the event interval
    assert sweep(restarted, GOZEN, 7400) == []
    assert restarted.state(GOZEN, at(7400)).scans_detected == 2


def test_restored_scanning_state_decays_on_tick() -> None:
    det = learnt_then_scanned()
    restarted = detector(7300)
    restarted.restore(through_json(det.to_dict()))
    assert restarted.tick(at(7300)) == ()
    assert restarted.tick(at(7200 + 16 * 60)) == (GOZEN,)


def test_live_and_allow_listed_devices_keep_their_state() -> None:
    det = learnt_then_scanned()
    data = through_json(det.to_dict())
    live = detector(7300)
    dns(live, PHONE, 7250, "live.example.net")
    live.set_allow({ROUTER_MAC, GOZEN})
    assert live.restore(data) == 0
    assert live.state(GOZEN, at(7300)).scans_detected == 0
    assert list(live.to_dict()["devices"][PHONE]["sites"]) == ["example.net"]


def test_revision_moves_only_when_the_memory_changes() -> None:
    det = detector()
    dns(det, PHONE, 0, "www.example.com")
    first = det.revision
    dns(det, PHONE, 10, "cdn.example.com")  # the same site
    dns(det, PHONE, 20, "printer.local")
    assert det.revision == first
    dns(det, PHONE, 30, "www.example.org")
    assert det.revision > first


def test_caps_on_writing() -> None:
    det = detector(max_domains=256)
    for i in range(300):
        dns(det, PHONE, i, f"www.site{i}.example")
    sites = det.to_dict()["devices"][PHONE]["sites"]
    assert len(sites) == 256
    assert sites[-1] == "site299.example"  # the newest are kept
    sites = tuple(f"s{j}.example.com" for j in range(256))
    many = [(f"02:00:00:00:00:{i:02x}", StoredDevice(clock=SAVED, sites=sites)) for i in range(100)]
    dumped = dump_state(many)
    assert sum(len(d["sites"]) for d in dumped["devices"].values()) == MAX_STORED_SITES
    assert len(dumped["devices"]["02:00:00:00:00:00"]["sites"]) == 256  # the first keep all


# -- untrusted data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "x",
        5,
        {},
        {"version": 2, "devices": {}},
        {"version": "1"},
        {"version": 1},
        {"version": 1, "devices": []},
        {"version": True, "devices": {}},
    ],
)
def test_garbage_restores_nothing(data: object) -> None:
    det = detector(7300)
    assert det.restore(data) == 0
    assert det.errors == 0
    assert det.to_dict()["devices"] == {}


def _valid() -> dict[str, Any]:
    return through_json(learnt_then_scanned().to_dict())


BAD_FIELDS: list[tuple[str, object]] = [
    ("clock", "soon"),
    ("clock", math.nan),
    ("clock", math.inf),
    ("clock", True),
    ("clock", -5),
    ("clock", at(10 * 86_400).timestamp()),  # from the future
    ("ip", "not an ip"),
    ("ip", 12),
    ("dns_since", [1]),
    ("sites", "www.example.com"),
    ("sites", ["ok.example.com", "<script>.example.com"]),
    ("sites", ["UPPER.example.com"]),
    ("sites", [None]),
    ("methods", {"teleport": 1.0}),
    ("methods", []),
    ("scans", -1),
    ("scans", 1.5),
    ("scans", 10**30),
    ("wifi_scans", None),
    ("contacts", [[SAVED, "x.example.com", "because"]]),
    ("contacts", [[SAVED, "x.example.com"]]),
    ("contacts", [[SAVED, "x.example.com", "tracker"]] * 17),
    ("last_upload_domain", 12),
    ("last_upload_domain", "x" * 254),
    ("last_event", {"lan_scan": "yesterday"}),
    ("last_event", {"made_up": SAVED}),
    ("lan", "episode"),
    ("lan", {"start": SAVED}),
]
BAD_EPISODE_FIELDS: list[tuple[str, object]] = [
    ("start", at(7250).timestamp()),  # after "last"
    ("closed", "no"),
    ("rule", "x" * 10_000),
    ("prefixes", {"12": "zz"}),
    ("prefixes", {"99999999": "1"}),
    ("prefixes", {"1": "f" * 65}),
    ("prefixes", {str(i): "1" for i in range(65)}),
    ("others", ["a"] * 257),
    ("uploads", [7]),
    ("chain", [{"when": "t"}] * 9),
    ("chain", [{"no_when": 1}]),
    ("chain", [{"when": "t", "detail": {"nested": 1}}]),
    ("chain", [{"when": "t", "x": math.nan}]),
]


@pytest.mark.parametrize(("key", "value"), BAD_FIELDS)
def test_a_bad_field_drops_only_that_device(key: str, value: object) -> None:
    data = _valid()
    data["devices"][GOZEN][key] = value
    det = detector(7300)
    assert det.restore(data) == 1  # the phone
    assert det.state(GOZEN, at(7300)).scans_detected == 0
    assert det.ignored == 1
    assert det.errors == 0


@pytest.mark.parametrize(("key", "value"), BAD_EPISODE_FIELDS)
def test_a_bad_episode_drops_the_device(key: str, value: object) -> None:
    data = _valid()
    data["devices"][GOZEN]["lan"][key] = value
    det = detector(7300)
    assert det.restore(data) == 1
    assert det.ignored == 1
    assert det.errors == 0


@pytest.mark.parametrize("mac", ["14:11:5D:00:00:77", "14-11-5d-00-00-77", "nonsense", ""])
def test_macs_must_be_normalised(mac: str) -> None:
    data = _valid()
    data["devices"][mac] = data["devices"].pop(GOZEN)
    det = detector(7300)
    assert det.restore(data) == 1
    assert det.ignored == 1


def test_collections_are_capped_on_reading() -> None:
    record = _valid()["devices"][PHONE]
    record["sites"] = [f"s{i}.example.com" for i in range(5000)]
    devices = {f"02:00:00:01:{i // 256:02x}:{i % 256:02x}": record for i in range(2000)}
    det = detector(7300, max_devices=100, max_domains=64)
    assert det.restore({"version": 1, "devices": devices}) == 100
    assert det.ignored == 1900
    stored = det.to_dict()["devices"]
    assert len(stored) == 100
    assert all(len(d["sites"]) <= 64 for d in stored.values())
    assert next(iter(stored.values()))["sites"][-1] == "s4999.example.com"


def test_parse_state_reports_and_never_raises_on_deep_nesting() -> None:
    deep: Any = []
    for _ in range(10_000):
        deep = [deep]
    data = _valid()
    data["devices"][GOZEN]["lan"]["chain"] = deep
    found, dropped = parse_state(
        data,
        now=at(7300).timestamp(),
        methods=frozenset({"arp_sweep"}),
        kinds=frozenset(ScanEventKind),
        max_devices=10,
        max_sites=10,
    )
    assert set(found) == {PHONE}
    assert dropped == 1


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)


@given(JSON)
@settings(max_examples=300, deadline=None)
def test_any_json_is_harmless(data: object) -> None:
    det = detector(7300)
    det.restore(data)
    det.restore({"version": 1, "devices": data})
    det.restore({"version": 1, "devices": {GOZEN: data}})
    assert det.errors == 0
    json.dumps(det.to_dict(), allow_nan=False)


@given(
    st.sampled_from(
        ["clock", "dns_since", "sites", "methods", "lan", "contacts", "last_event", "scans"]
    ),
    JSON,
)
@settings(max_examples=300, deadline=None)
def test_any_field_value_is_harmless(key: str, value: object) -> None:
    data = _valid()
    data["devices"][GOZEN][key] = copy.deepcopy(value)
    det = detector(7300)
    det.restore(data)
    assert det.errors == 0
    dns(det, GOZEN, 7310, "collector.example-inventory.cn")
    det.tick(at(7400))
    json.dumps(det.to_dict(), allow_nan=False)
    assert det.state(GOZEN, at(7400)).scans_detected >= 0


def test_timestamps_from_the_future_are_refused_beyond_clock_skew() -> None:
    data = _valid()  # saved at about 7201 s
    skewed = detector(7200 - 60)
    assert skewed.restore(data) == 2
    assert dns(skewed, GOZEN, 7150, "www.netflix.com") == []  # time stays monotonic
    assert skewed.errors == 0
    earlier = detector(3600)
    assert earlier.restore(data) == 0
    assert earlier.ignored == 2
