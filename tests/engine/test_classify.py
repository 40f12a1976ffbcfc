"""Hostname and OUI evidence of the classifier (ported from the former hostname-only classifier).

Only what the router knows about a client is given here: its DHCP host name and its MAC.
"""

from __future__ import annotations

import pytest

from custom_components.snoop_guard.engine.classify import Classification, DeviceKind
from custom_components.snoop_guard.engine.discovery import DhcpRecord, classify
from tests.engine.hostile import HOSTILE

PLAIN_MAC = "00:11:22:33:44:55"  # globally administered, not in the table


def _by_hostname(hostname: str | None, mac: str) -> Classification:
    return classify([DhcpRecord(mac=mac, hostname=hostname)], mac)


# host name, expected kind, expected vendor ("-": none)
HOSTNAME_CASES = """
Sonos-Kitchen     speaker   Sonos
HomePod-Living    speaker   Apple
Google-Home-Mini  speaker   Google
Nest-Audio        speaker   Google
soundbar          speaker   -
Echo-Dot          speaker   Amazon
Chromecast-Ultra  streamer  Google
AppleTV           streamer  Apple
Fire-TV-Stick     streamer  Amazon
amazon-AFTMM      streamer  Amazon
SHIELD            streamer  NVIDIA
Roku-Ultra        streamer  Roku
Skyworth-TV       tv        Skyworth
BRAVIA-4K-GB      tv        Sony
Samsung           tv        Samsung
LGwebOSTV         tv        LG
LG-TV             tv        LG
SmartTV           tv        -
Hisense           tv        Hisense
living-room-tv    tv        -
MiTV              tv        -
"""


@pytest.mark.parametrize("case", HOSTNAME_CASES.split("\n")[1:-1])
def test_hostname_keywords(case: str) -> None:
    hostname, kind, vendor = case.split()
    result = _by_hostname(hostname, PLAIN_MAC)
    assert (result.kind, result.vendor) == (DeviceKind(kind), None if vendor == "-" else vendor)
    assert f"DHCP hostname '{hostname}'" in result.evidence


@pytest.mark.parametrize(
    "hostname", [None, "", "laptop", "iPhone", "tvheadend-server-x", "aftermath", "techo-pc"]
)
def test_no_keyword(hostname: str | None) -> None:
    result = _by_hostname(hostname, PLAIN_MAC)
    assert result.kind is DeviceKind.OTHER
    assert result.vendor is None


def test_oui_alone_names_a_speaker_maker() -> None:
    result = classify([], "00:0e:58:aa:bb:cc")
    assert (result.kind, result.vendor) == (DeviceKind.SPEAKER, "Sonos")
    assert result.evidence == ("OUI 00:0e:58 = Sonos",)


@pytest.mark.parametrize(
    ("mac", "kind", "vendor"),
    [
        ("B8-E9-37-01-02-03", DeviceKind.SPEAKER, "Sonos"),
        ("cc6da0010203", DeviceKind.STREAMER, "Roku"),
        ("c4:1c:ff:01:02:03", DeviceKind.TV, "Vizio"),
        ("a0:89:e4:01:02:03", DeviceKind.TV, "Skyworth"),
        ("5c:36:b8:01:02:03", DeviceKind.TV, "TCL"),
    ],
)
def test_oui_media_vendors(mac: str, kind: DeviceKind, vendor: str) -> None:
    result = _by_hostname("android-1234", mac)
    assert (result.kind, result.vendor) == (kind, vendor)


def test_oui_mixed_vendor_needs_hostname() -> None:
    only_oui = _by_hostname("android-1234", "38:2d:e8:01:02:03")
    assert (only_oui.kind, only_oui.vendor) == (DeviceKind.OTHER, "Samsung")
    with_host = _by_hostname("Samsung-Q80", "38:2d:e8:01:02:03")
    assert (with_host.kind, with_host.vendor) == (DeviceKind.TV, "Samsung")
    assert "OUI 38:2d:e8 = Samsung" in with_host.evidence


def test_hostname_gives_vendor_when_oui_unknown() -> None:
    assert _by_hostname("BRAVIA-TV", PLAIN_MAC).vendor == "Sony"


def test_locally_administered_mac_has_no_oui_vendor() -> None:
    result = _by_hostname("Sonos-Kitchen", "02:0e:58:aa:bb:cc")
    assert result.kind is DeviceKind.SPEAKER
    assert any("locally administered" in e for e in result.evidence)
    assert not any(e.startswith("OUI ") for e in result.evidence)
    bare = _by_hostname(None, "da:a1:19:00:11:22")
    assert (bare.kind, bare.vendor) == (DeviceKind.OTHER, None)
    assert any("randomised" in e for e in bare.evidence)


def test_invalid_mac() -> None:
    result = classify([DhcpRecord(hostname="Roku")], "not-a-mac")
    assert (result.kind, result.vendor) == (DeviceKind.STREAMER, "Roku")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_hostnames(hostile: str) -> None:
    result = classify([DhcpRecord(mac=hostile, hostname=hostile)], hostile)
    assert isinstance(result.kind, DeviceKind)
    assert len(result.reason) <= 200
    assert "\n" not in result.reason
    assert all("\n" not in e for e in result.evidence)
