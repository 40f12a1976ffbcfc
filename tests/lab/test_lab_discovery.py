"""Lab devices announce themselves like real ones; the root namespace hears and classifies them.

Needs root and `ip netns`; skipped otherwise (but fails when CI=true). Every packet is sent
by a subprocess (lab/announce.py), from the root namespace's lab interface: the test
process itself opens no sockets.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from custom_components.snoop_guard.engine.classify import DeviceKind  # noqa: E402
from custom_components.snoop_guard.engine.discovery import (  # noqa: E402
    DeviceInventory,
    DhcpRecord,
    MdnsRecord,
    SsdpRecord,
)
from custom_components.snoop_guard.engine.routerdata import parse_dnsmasq_leases  # noqa: E402
from lab.netlab import ANNOUNCE, Lab  # noqa: E402
from lab.upnp_description import parse_device_description, with_description  # noqa: E402
from tests.lab.test_lab_selfcheck import UNAVAILABLE  # noqa: E402

pytestmark = pytest.mark.lab

INTERVAL = 1.0
MDNS_TYPES = (
    "_googlecast._tcp",
    "_androidtvremote2._tcp",
    "_sonos._tcp",
    "_airplay._tcp",
    "_spotify-connect._tcp",
)


def _require() -> None:
    if UNAVAILABLE:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {UNAVAILABLE}")
        pytest.skip(UNAVAILABLE)


@pytest.fixture(autouse=True)
def _require_lab_environment() -> None:
    _require()


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    _require()
    the_lab = Lab()
    the_lab.up(announce=True, announce_interval=INTERVAL)
    try:
        yield the_lab
    finally:
        the_lab.down()


def _tool(lab: Lab, *args: str, timeout: float = 20) -> Any:
    """Run lab/announce.py in the root namespace; JSON output."""
    cp = lab.run_in("host", [sys.executable, "-I", "-S", str(ANNOUNCE), *args], timeout=timeout)
    assert cp.returncode == 0, cp.stderr
    return json.loads(cp.stdout)


def _fetch(lab: Lab, url: str) -> str:
    cp = lab.run_in("host", [sys.executable, "-I", "-S", str(ANNOUNCE), "fetch", url])
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


def _mdns_query(lab: Lab, *types: str) -> list[dict[str, Any]]:
    info = lab.info
    answers: list[dict[str, Any]] = _tool(
        lab, "mdns-query", "--bind-ip", info.host_ip, "--timeout", "2", *types
    )
    return answers


def _ssdp_search(lab: Lab, st: str = "ssdp:all") -> list[dict[str, Any]]:
    info = lab.info
    found: list[dict[str, Any]] = _tool(
        lab, "ssdp-search", "--bind-ip", info.host_ip, "--timeout", "2", "--st", st
    )
    return found


def test_lab_info_has_new_devices(lab: Lab) -> None:
    info = lab.info
    assert info.announce
    streamer = info.device("streamer")
    assert streamer.mac.startswith("f4:f5:d8:")  # Google, Inc.
    assert streamer.hostname == "Chromecast"
    phone = info.device("phone")
    assert int(phone.mac[:2], 16) & 0x02, "the phone uses a randomised MAC"
    assert info.device("tv").hostname == "Skyworth-TV"
    assert info.device("speaker").hostname == "Sonos-Kitchen"
    assert lab.http_get("tv", info.device("speaker").ip)  # the speaker's port-80 server


def test_mdns_query_from_root_namespace(lab: Lab) -> None:
    answers = _mdns_query(lab, *MDNS_TYPES)
    by_src: dict[str, set[str]] = {}
    for answer in answers:
        by_src.setdefault(answer["src"], set()).add(answer["type"])
    info = lab.info
    assert "_androidtvremote2._tcp.local" in by_src[info.device("tv").ip]
    assert "_googlecast._tcp.local" in by_src[info.device("streamer").ip]
    assert {"_sonos._tcp.local", "_airplay._tcp.local", "_spotify-connect._tcp.local"} <= by_src[
        info.device("speaker").ip
    ]
    assert info.device("phone").ip not in by_src
    cast = next(a for a in answers if a["type"] == "_googlecast._tcp.local")
    assert cast["properties"]["md"] == "Chromecast"
    assert cast["port"] == 8009
    assert cast["addresses"] == [info.device("streamer").ip]


def test_unsolicited_announcements_reach_the_host_interface(lab: Lab) -> None:
    info = lab.info
    heard = _tool(
        lab,
        "mdns-listen",
        "--bind-ip",
        info.host_ip,
        "--iface",
        info.host_iface,
        "--timeout",
        str(INTERVAL * 2.5),
    )
    sources = {a["src"] for a in heard}
    assert {info.device(n).ip for n in ("tv", "speaker", "streamer")} <= sources
    notifies = _tool(
        lab,
        "ssdp-listen",
        "--bind-ip",
        info.host_ip,
        "--iface",
        info.host_iface,
        "--timeout",
        str(INTERVAL * 2.5),
    )
    kinds = {(n["src"], n["headers"]["NT"]) for n in notifies}
    assert (info.device("tv").ip, "urn:schemas-upnp-org:device:MediaRenderer:1") in kinds
    assert (info.device("speaker").ip, "urn:schemas-upnp-org:device:ZonePlayer:1") in kinds
    assert (info.device("streamer").ip, "urn:dial-multiscreen-org:service:dial:1") in kinds
    assert all(n["headers"]["NTS"] == "ssdp:alive" for n in notifies)


EXPECTED_DESCRIPTIONS = {
    "tv": ("Skyworth", "Q20300", "urn:schemas-upnp-org:device:MediaRenderer:1"),
    "speaker": ("Sonos, Inc.", "Sonos One", "urn:schemas-upnp-org:device:ZonePlayer:1"),
    "streamer": ("Google Inc.", "Eureka Dongle", "urn:dial-multiscreen-org:device:dial:1"),
}


def test_ssdp_msearch_and_device_descriptions(lab: Lab) -> None:
    info = lab.info
    responses = _ssdp_search(lab, "upnp:rootdevice")
    locations = {r["src"]: r["headers"]["LOCATION"] for r in responses}
    for name, (manufacturer, model, device_type) in EXPECTED_DESCRIPTIONS.items():
        ip = info.device(name).ip
        assert locations[ip].startswith(f"http://{ip}:")
        description, reason = parse_device_description(_fetch(lab, locations[ip]))
        assert reason is None
        assert description is not None
        assert (description.manufacturer, description.model_name) == (manufacturer, model)
        assert description.device_type == device_type
    dial = _ssdp_search(lab, "urn:dial-multiscreen-org:service:dial:1")
    assert {r["src"] for r in dial} == {info.device("tv").ip, info.device("streamer").ip}


def _hear_everything(lab: Lab) -> DeviceInventory:
    """What Home Assistant would feed the engine: mDNS, SSDP (+ descriptions), leases."""
    info = lab.info
    inventory = DeviceInventory()
    for answer in _mdns_query(lab, *MDNS_TYPES):
        inventory.add(
            MdnsRecord(
                service_type=answer["type"],
                name=answer["name"],
                hostname=answer["hostname"],
                addresses=tuple(answer["addresses"]) or (answer["src"],),
                properties=answer["properties"],
                port=answer["port"],
            )
        )
    for response in _ssdp_search(lab):
        headers = response["headers"]
        record = SsdpRecord(
            st=headers.get("ST", ""),
            usn=headers.get("USN", ""),
            server=headers.get("SERVER", ""),
            location=headers.get("LOCATION", ""),
        )
        if headers.get("ST") == "upnp:rootdevice":
            description, _ = parse_device_description(_fetch(lab, record.location))
            record = with_description(record, description)
        inventory.add(record)
    leases = parse_dnsmasq_leases(Path(info.dhcp_leases).read_text())
    for lease in leases:
        inventory.add(DhcpRecord(mac=lease.mac, ip=lease.ip, hostname=lease.hostname))
    return inventory


def test_inventory_classifies_what_was_heard(lab: Lab) -> None:
    info = lab.info
    inventory = _hear_everything(lab)
    assert inventory.pending_count() == 0
    expected = {
        "tv": (DeviceKind.TV, "Skyworth"),
        "streamer": (DeviceKind.STREAMER, "Google"),
        "speaker": (DeviceKind.SPEAKER, "Sonos"),
        "phone": (DeviceKind.OTHER, None),
    }
    for name, (kind, vendor) in expected.items():
        device = inventory.get(info.device(name).mac)
        assert device is not None, name
        assert (device.kind, device.vendor) == (kind, vendor), (name, device.evidence)
        assert device.ips[0] == info.device(name).ip
    tv = inventory.get(info.device("tv").mac)
    assert tv is not None
    assert "SSDP urn:schemas-upnp-org:device:MediaRenderer:1" in tv.evidence
    assert "DHCP hostname 'Skyworth-TV'" in tv.evidence
    streamer = inventory.get(info.device("streamer").mac)
    assert streamer is not None
    assert "mDNS _googlecast._tcp md=Chromecast" in streamer.evidence
    assert streamer.model == "Chromecast"
    assert "Living Room TV" in streamer.names
    speaker = inventory.get(info.device("speaker").mac)
    assert speaker is not None
    assert f"OUI {info.device('speaker').mac[:8]} = Sonos" in speaker.evidence
    phone = inventory.get(info.device("phone").mac)
    assert phone is not None
    assert phone.randomised_mac


def test_renew_ip_moves_the_streamer_and_its_announcements(lab: Lab) -> None:
    info = lab.info
    inventory = _hear_everything(lab)
    old = info.device("streamer").ip
    mac = info.device("streamer").mac
    renewed = lab.renew_ip("streamer")
    assert renewed.ip != old
    assert info.device("streamer").ip == renewed.ip
    saved = json.loads(Path(info.state_dir, "lab.json").read_text())
    assert next(d for d in saved["devices"] if d["name"] == "streamer")["ip"] == renewed.ip
    leases = {
        lease.mac: lease for lease in parse_dnsmasq_leases(Path(info.dhcp_leases).read_text())
    }
    assert leases[mac].ip == renewed.ip
    assert leases[mac].hostname == "Chromecast"
    # the announcer restarted on the new address
    cast = [a for a in _mdns_query(lab, "_googlecast._tcp") if a["src"] == renewed.ip]
    assert cast
    assert cast[0]["addresses"] == [renewed.ip]
    # the engine follows: new lease -> new IP first, still the same streamer
    inventory.add(DhcpRecord(mac=mac, ip=renewed.ip, hostname="Chromecast"))
    for answer in cast:
        assert (
            inventory.add(
                MdnsRecord(
                    answer["type"],
                    name=answer["name"],
                    addresses=(renewed.ip,),
                    properties=answer["properties"],
                )
            )
            == mac
        )
    device = inventory.get(mac)
    assert device is not None
    assert device.ips[0] == renewed.ip
    assert device.kind is DeviceKind.STREAMER
    assert old not in leases or leases[mac].ip != old
