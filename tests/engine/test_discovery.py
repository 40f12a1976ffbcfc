"""Unit and property tests of engine/discovery/ (records, classify, inventory)."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.classify import DeviceKind
from custom_components.snoop_guard.engine.discovery import (
    DeviceInventory,
    DhcpRecord,
    MdnsRecord,
    RouterRecord,
    SsdpRecord,
    canonical_vendor,
    classify,
)
from custom_components.snoop_guard.engine.discovery.inventory import MAX_DEVICES, MAX_PENDING_IPS
from custom_components.snoop_guard.engine.discovery.records import MAX_TEXT, MAX_TXT_ITEMS
from custom_components.snoop_guard.engine.oui import is_locally_administered, lookup
from tests.engine.hostile import HOSTILE

T0 = 1_700_000_000.0
SONOS_MAC = "00:0e:58:aa:bb:01"
TV_MAC = "14:11:5d:aa:bb:02"


# --------------------------------------------------------------------------- OUI


def test_oui_lookup_and_randomised_macs() -> None:
    sonos = lookup("00-0E-58-11-22-33")
    assert sonos is not None
    assert (sonos.oui, sonos.vendor, sonos.hint) == ("00:0e:58", "Sonos", "speaker")
    randomised = lookup("da:a1:19:00:11:22")
    assert randomised is not None
    assert randomised.randomised
    assert randomised.vendor is None
    assert is_locally_administered("02:00:00:00:00:01")
    assert not is_locally_administered("00:0e:58:00:00:01")
    assert lookup("not a mac") is None
    unknown = lookup("00:11:22:33:44:55")
    assert unknown is not None
    assert unknown.vendor is None
    assert not unknown.randomised


# --------------------------------------------------------------------------- records


def test_mdns_record_normalises_and_bounds() -> None:
    props = {f"k{i}": "v" * 10_000 for i in range(10_000)}
    props["MD"] = "Chromecast"
    record = MdnsRecord(
        service_type="_googlecast._tcp.local.",
        name="Chromecast-abc._googlecast._tcp.local.",
        hostname="abc.local.",
        addresses=["192.168.1.5", "fe80::1%eth0", "bogus", *(["10.0.0.1"] * 100)],
        properties=props,
        port=8009,
        seen=T0,
    )
    assert record.service_type == "_googlecast._tcp"
    assert record.name == "Chromecast-abc"
    assert record.hostname == "abc"
    assert record.addresses == ("192.168.1.5", "fe80::1", "10.0.0.1")
    assert record.ip == "192.168.1.5"
    assert len(record.properties) == MAX_TXT_ITEMS
    assert all(len(str(v)) <= MAX_TEXT for v in record.properties.values())
    hash(record)  # frozen and hashable


def test_mdns_record_accepts_bytes_txt_and_keeps_case_insensitive_keys() -> None:
    record = MdnsRecord("_airplay._tcp", properties={b"Model": b"AppleTV6,2", b"x": None})
    assert record.txt("model") == "AppleTV6,2"
    assert record.txt("x") is None


@pytest.mark.parametrize("hostile", HOSTILE)
def test_records_strip_control_characters(hostile: str) -> None:
    record = MdnsRecord(hostile, name=hostile, hostname=hostile, properties={hostile: hostile})
    for text in (record.service_type, record.name, record.hostname or "", *record.properties):
        assert all(unicodedata.category(c) not in {"Cc", "Cf", "Cs"} for c in text)
        assert len(text) <= MAX_TEXT
    dhcp = DhcpRecord(mac=hostile, ip=hostile, hostname=hostile, vendor_class=hostile)
    assert dhcp.mac is None
    assert dhcp.ip is None


def test_records_never_raise_on_wrong_types() -> None:
    junk: list[object] = [None, 3, 2.5, float("nan"), [], {}, object(), b"\xff", ("a", "b")]
    for value in junk:
        MdnsRecord(
            value,
            name=value,
            hostname=value,
            addresses=value,
            properties=value,  # type: ignore[arg-type]
            port=value,
            mac=value,
            ip=value,
            seen=value,
        )  # type: ignore[arg-type]
        SsdpRecord(st=value, usn=value, location=value, services=value, seen=value)  # type: ignore[arg-type]
        DhcpRecord(mac=value, ip=value, hostname=value, vendor_class=value)  # type: ignore[arg-type]
        RouterRecord(value, ips=value, hostname=value, interface=value)  # type: ignore[arg-type]


def test_ssdp_record_ip_from_location_and_upnp() -> None:
    record = SsdpRecord(
        st="urn:schemas-upnp-org:device:ZonePlayer:1",
        location="http://192.168.1.70:1400/xml/device_description.xml",
    ).with_upnp(
        {
            "manufacturer": "Sonos, Inc.",
            "modelName": "Sonos One",
            "serviceList": {"service": {"serviceType": "urn:x:service:A:1"}},
        }
    )
    assert record.ip == "192.168.1.70"
    assert record.manufacturer == "Sonos, Inc."
    assert record.services == ("urn:x:service:A:1",)
    assert SsdpRecord(location="http://[::1:bad").ip is None


# --------------------------------------------------------------------------- classify


def test_evidence_strings_have_the_documented_format() -> None:
    samsung = classify(
        [SsdpRecord(st="urn:samsung.com:device:RemoteControlReceiver:1", seen=T0)],
        "38:2d:e8:01:02:03",
    )
    assert samsung.kind is DeviceKind.TV
    assert "SSDP urn:samsung.com:device:RemoteControlReceiver:1" in samsung.evidence
    assert "OUI 38:2d:e8 = Samsung" in samsung.evidence
    cast = classify([MdnsRecord("_googlecast._tcp.local.", properties={"md": "Chromecast"})])
    assert "mDNS _googlecast._tcp md=Chromecast" in cast.evidence
    assert cast.kind is DeviceKind.STREAMER
    tv = classify([DhcpRecord(mac=TV_MAC, hostname="Skyworth-TV")])
    assert "DHCP hostname 'Skyworth-TV'" in tv.evidence
    assert (tv.kind, tv.vendor) == (DeviceKind.TV, "Skyworth")
    sonos = classify([], SONOS_MAC)
    assert sonos.evidence == ("OUI 00:0e:58 = Sonos",)
    assert (sonos.kind, sonos.vendor) == (DeviceKind.SPEAKER, "Sonos")


def test_randomised_mac_is_said_and_gets_no_vendor() -> None:
    result = classify([DhcpRecord(mac="da:a1:19:00:11:22", hostname="Pixel-7")])
    assert result.kind is DeviceKind.OTHER
    assert result.vendor is None
    assert any("locally administered (randomised)" in e for e in result.evidence)


def test_nothing_known_is_other_with_middling_confidence() -> None:
    result = classify([], None)
    assert result.kind is DeviceKind.OTHER
    assert result.vendor is None
    assert 0.3 <= result.confidence <= 0.7
    assert result.reason == "no discovery rule matched"


def test_macbook_airplay_is_not_a_media_device() -> None:
    result = classify(
        [MdnsRecord("_airplay._tcp", properties={"model": "MacBookPro18,3"})],
        "3c:2e:ff:00:00:01",
    )
    assert (result.kind, result.vendor) == (DeviceKind.OTHER, "Apple")


def test_apple_model_names() -> None:
    result = classify([MdnsRecord("_airplay._tcp", properties={"model": "AudioAccessory5,1"})])
    assert (result.kind, result.model) == (DeviceKind.SPEAKER, "HomePod mini")


def test_hap_category() -> None:
    tv = classify([MdnsRecord("_hap._tcp", properties={"ci": "31", "md": "X"})])
    assert tv.kind is DeviceKind.TV
    assert "mDNS _hap._tcp ci=31 (television)" in tv.evidence
    plug = classify([MdnsRecord("_hap._tcp", properties={"ci": "7"})])
    assert plug.kind is DeviceKind.OTHER


def test_canonical_vendor() -> None:
    assert canonical_vendor("Samsung Electronics") == "Samsung"
    assert canonical_vendor("LG Electronics") == "LG"
    assert canonical_vendor("Sonos, Inc.") == "Sonos"
    assert canonical_vendor("Signify") == "Signify"
    assert canonical_vendor("Philips") == "Philips"
    assert canonical_vendor("Acme\nCorp\u202e") == "Acme Corp"
    assert canonical_vendor("") is None
    assert canonical_vendor("Glgx") == "Glgx"  # "lg" only as a word


_text = st.one_of(st.none(), st.text(max_size=80), st.sampled_from(HOSTILE))
_props = st.dictionaries(
    st.text(max_size=10), st.one_of(st.text(max_size=40), st.none()), max_size=8
)
_records = st.one_of(
    st.builds(
        MdnsRecord,
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                ["_googlecast._tcp.local.", "_airplay._tcp", "_hap._tcp", "_raop._tcp"]
            ),
        ),
        name=st.text(max_size=40),
        hostname=_text,
        addresses=st.lists(st.text(max_size=20), max_size=3).map(tuple),
        properties=_props,
        seen=st.floats(allow_nan=True),
    ),
    st.builds(
        SsdpRecord,
        st=st.one_of(st.text(max_size=60), st.sampled_from(["roku:ecp", "urn:x:1"])),
        server=st.text(max_size=40),
        manufacturer=st.text(max_size=30),
        model_name=st.text(max_size=30),
        friendly_name=st.text(max_size=30),
        services=st.lists(st.text(max_size=30), max_size=3).map(tuple),
    ),
    st.builds(DhcpRecord, mac=_text, ip=_text, hostname=_text, vendor_class=_text),
    st.builds(RouterRecord, _text, hostname=_text),
    st.text(max_size=5),
    st.none(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_records, max_size=6), _text)
def test_classify_never_raises(records: list[object], mac: str | None) -> None:
    result = classify(records, mac)
    assert isinstance(result.kind, DeviceKind)
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.evidence) <= 12
    for evidence in result.evidence:
        assert len(evidence) <= 160
        assert all(unicodedata.category(c) not in {"Cc", "Cf"} for c in evidence)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_records, max_size=10))
def test_inventory_never_raises_and_round_trips(records: list[object]) -> None:
    inventory = DeviceInventory()
    for record in records:
        inventory.add(record)
    inventory.update_neighbours({"192.0.2.1": "00:0e:58:00:00:01"})
    before = inventory.devices()
    restored = DeviceInventory.from_dict(json.loads(json.dumps(inventory.to_dict())))
    assert [(d.mac, d.kind, d.vendor) for d in restored.devices()] == [
        (d.mac, d.kind, d.vendor) for d in before
    ]


# --------------------------------------------------------------------------- inventory


def test_pending_records_attributed_when_neighbours_arrive() -> None:
    inventory = DeviceInventory()
    cast = MdnsRecord(
        "_googlecast._tcp.local.",
        name="Chromecast-1",
        addresses=("192.168.1.20", "fe80::a"),
        properties={"md": "Chromecast", "fn": "Living Room TV"},
        seen=T0,
    )
    assert inventory.add(cast) is None
    assert inventory.pending_count() == 1
    assert inventory.devices() == []
    mac = "f4:f5:d8:00:00:01"
    assert inventory.update_neighbours({"192.168.1.20": mac.upper()}) == [mac]
    device = inventory.get(mac)
    assert device is not None
    assert device.kind is DeviceKind.STREAMER
    assert device.vendor == "Google"
    assert device.names == ("Living Room TV", "Chromecast-1")
    assert device.ips == ("192.168.1.20",)
    assert inventory.pending_count() == 0
    # later announcements go straight to the device, IPv6 too once mapped
    inventory.update_neighbours({"fe80::a": mac})
    assert inventory.add(MdnsRecord("_androidtvremote2._tcp", addresses=("fe80::a",))) == mac
    device = inventory.get(mac)
    assert device is not None
    assert set(device.ips) == {"192.168.1.20", "fe80::a"}
    assert device.ips[0] == "192.168.1.20"  # IPv4 first


def test_dhcp_and_router_records_map_ips() -> None:
    inventory = DeviceInventory()
    assert inventory.add(DhcpRecord(mac=TV_MAC, ip="10.0.0.5", hostname="Skyworth-TV")) == TV_MAC
    assert inventory.add(
        SsdpRecord(st="urn:dial-multiscreen-org:service:dial:1", ip="10.0.0.5")
    ) == (TV_MAC)
    router = RouterRecord(SONOS_MAC, ips=("10.0.0.6", "fd00::6"), hostname="Sonos-Kitchen")
    assert inventory.add(router) == SONOS_MAC
    assert inventory.add(MdnsRecord("_sonos._tcp", addresses=("fd00::6",))) == SONOS_MAC
    tv = inventory.get(TV_MAC)
    assert tv is not None
    assert tv.hostname == "Skyworth-TV"
    assert tv.sources == ("DHCP", "SSDP")
    assert (tv.kind, tv.vendor) == (DeviceKind.TV, "Skyworth")


def test_ip_change_and_ip_moving_to_another_device() -> None:
    inventory = DeviceInventory()
    inventory.add(DhcpRecord(mac=TV_MAC, ip="10.0.0.5", seen=T0))
    inventory.add(DhcpRecord(mac=TV_MAC, ip="10.0.0.9", seen=T0 + 10))
    tv = inventory.get(TV_MAC)
    assert tv is not None
    assert tv.ips == ("10.0.0.9", "10.0.0.5")  # newest first
    # the old address goes to another client: taken off the TV
    changed = inventory.update_neighbours({"10.0.0.5": SONOS_MAC})
    assert TV_MAC in changed
    tv = inventory.get(TV_MAC)
    assert tv is not None
    assert tv.ips == ("10.0.0.9",)
    # announcements from the old address now belong to the new owner (pending until it
    # is known as a device, then attributed)
    assert inventory.add(MdnsRecord("_sonos._tcp", addresses=("10.0.0.5",))) == SONOS_MAC


def test_claimed_mac_is_not_used_for_attribution() -> None:
    inventory = DeviceInventory()
    inventory.add(DhcpRecord(mac=TV_MAC, ip="10.0.0.5"))
    spoof = MdnsRecord(
        "_ipp._tcp", addresses=("10.0.0.99",), properties={"deviceid": TV_MAC, "ty": "Printer"}
    )
    assert inventory.add(spoof) is None
    tv = inventory.get(TV_MAC)
    assert tv is not None
    assert tv.sources == ("DHCP",)


def test_hostile_announcements_are_bounded() -> None:
    # Bounded, not timed: speed is measured by benchmarks, never by tests.
    inventory = DeviceInventory()
    for i in range(10_000):
        mac = f"00:0e:58:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"
        inventory.add(
            DhcpRecord(
                mac=mac,
                ip=f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
                hostname="\x1b[31m" + "A" * 5000,
            )
        )
        inventory.add(
            MdnsRecord(
                f"_x{i}._tcp",
                addresses=(f"172.16.{i >> 8}.{i & 255}",),
                properties={f"k{j}": "v" * 1000 for j in range(64)},
            )
        )
    assert len(inventory) == MAX_DEVICES
    assert inventory.pending_count() <= MAX_PENDING_IPS * 16
    devices = inventory.devices()
    assert len(devices) == MAX_DEVICES
    for device in devices[:50]:
        assert device.hostname is not None
        assert len(device.hostname) <= 64
        assert "\x1b" not in device.hostname
    # many records for one device are capped too
    one = DeviceInventory()
    for i in range(1000):
        one.add(MdnsRecord(f"_svc{i}._tcp", mac=TV_MAC))
    assert len(one.to_dict()["devices"][0]["records"]) == 32


def test_prune() -> None:
    inventory = DeviceInventory()
    inventory.add(DhcpRecord(mac=TV_MAC, ip="10.0.0.5", seen=T0))
    inventory.add(DhcpRecord(mac=SONOS_MAC, ip="10.0.0.6", seen=T0 + 100))
    inventory.add(MdnsRecord("_sonos._tcp", addresses=("10.0.0.6",), seen=T0 + 5))
    inventory.add(MdnsRecord("_x._tcp", addresses=("10.0.0.77",), seen=T0))
    assert inventory.prune(T0 + 50) == [TV_MAC]
    assert inventory.get(TV_MAC) is None
    sonos = inventory.get(SONOS_MAC)
    assert sonos is not None
    assert sonos.sources == ("DHCP",)  # the old mDNS record went too
    assert inventory.pending_count() == 0
    # the pruned device's IP mapping is gone: its old address is pending again
    assert inventory.add(MdnsRecord("_y._tcp", addresses=("10.0.0.5",))) is None


def test_persistence_round_trip_and_garbage() -> None:
    inventory = DeviceInventory()
    inventory.add(DhcpRecord(mac=TV_MAC, ip="10.0.0.5", hostname="Skyworth-TV", seen=T0))
    inventory.add(
        SsdpRecord(
            st="urn:schemas-upnp-org:device:MediaRenderer:1",
            ip="10.0.0.5",
            manufacturer="Skyworth",
            seen=T0,
        )
    )
    inventory.add(
        MdnsRecord(
            "_androidtvremote2._tcp", addresses=("10.0.0.5",), properties={"bt": "x"}, seen=T0
        )
    )
    data = json.loads(json.dumps(inventory.to_dict()))
    restored = DeviceInventory.from_dict(data)
    assert restored.devices() == inventory.devices()
    for garbage in (
        None,
        [],
        {"devices": "x"},
        {
            "devices": [
                1,
                {"mac": "zz"},
                {
                    "mac": TV_MAC,
                    "records": [None, {"type": "mdns"}, {"type": "?"}],
                    "ips": {"x": "y"},
                },
            ]
        },
    ):
        DeviceInventory.from_dict(garbage)
    partial = DeviceInventory.from_dict({"devices": [{"mac": TV_MAC, "records": "nope"}]})
    assert partial.get(TV_MAC) is None


def test_get_accepts_any_mac_notation_and_ignores_junk() -> None:
    inventory = DeviceInventory()
    inventory.add(DhcpRecord(mac=SONOS_MAC))
    assert inventory.get("00-0E-58-AA-BB-01") is not None
    assert inventory.get("junk") is None
    assert inventory.add("not a record") is None
    assert inventory.add(MdnsRecord("_x._tcp")) is None  # neither MAC nor IP
    assert inventory.update_neighbours({"bad": "worse", "10.0.0.1": "nope"}) == []


def test_recent_addresses_leave_out_stale_and_moved_ones() -> None:
    inventory = DeviceInventory()
    inventory.add(DhcpRecord(mac="58:b4:2d:00:00:01", ip="10.0.0.5", hostname="tv", seen=1000.0))
    inventory.add(DhcpRecord(mac="58:b4:2d:00:00:01", ip="10.0.0.6", hostname="tv", seen=5000.0))
    # The old address moved to another device later: it is that device's now.
    inventory.add(DhcpRecord(mac="58:b4:2d:00:00:02", ip="10.0.0.5", hostname="pc", seen=6000.0))
    inventory.add(DhcpRecord(mac="58:b4:2d:00:00:03", ip="10.0.0.7", hostname="old", seen=100.0))
    assert inventory.recent_addresses(since=2000.0) == {
        "10.0.0.6": "58:b4:2d:00:00:01",
        "10.0.0.5": "58:b4:2d:00:00:02",
    }
