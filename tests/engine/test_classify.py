"""Tests for client classification."""

from __future__ import annotations

import pytest

from custom_components.snoop_guard.engine.classify import (
    Classification,
    DeviceKind,
    classify_client,
    is_media_device,
)
from tests.engine.hostile import HOSTILE

PLAIN_MAC = "00:11:22:33:44:55"  # globally administered, not in the table


@pytest.mark.parametrize(
    ("hostname", "kind", "keyword"),
    [
        ("Sonos-Kitchen", DeviceKind.SPEAKER, "sonos"),
        ("HomePod-Living", DeviceKind.SPEAKER, "homepod"),
        ("Google-Home-Mini", DeviceKind.SPEAKER, "google-home"),
        ("Nest-Audio", DeviceKind.SPEAKER, "nest-audio"),
        ("soundbar", DeviceKind.SPEAKER, "soundbar"),
        ("Echo-Dot", DeviceKind.SPEAKER, "echo"),
        ("Chromecast-Ultra", DeviceKind.STREAMER, "chromecast"),
        ("AppleTV", DeviceKind.STREAMER, "appletv"),
        ("Fire-TV-Stick", DeviceKind.STREAMER, "fire-tv"),
        ("amazon-AFTMM", DeviceKind.STREAMER, "aftmm"),
        ("SHIELD", DeviceKind.STREAMER, "shield"),
        ("Roku-Ultra", DeviceKind.STREAMER, "roku"),
        ("Skyworth-TV", DeviceKind.TV, "skyworth"),
        ("BRAVIA-4K-GB", DeviceKind.TV, "bravia"),
        ("Samsung", DeviceKind.TV, "samsung"),
        ("LGwebOSTV", DeviceKind.TV, "lgwebos"),
        ("LG-TV", DeviceKind.TV, "lg-tv"),
        ("SmartTV", DeviceKind.TV, "smarttv"),
        ("Hisense", DeviceKind.TV, "hisense"),
        ("living-room-tv", DeviceKind.TV, "tv"),
        ("MiTV", DeviceKind.TV, "mitv"),
    ],
)
def test_hostname_keywords(hostname: str, kind: DeviceKind, keyword: str) -> None:
    result = classify_client(hostname, PLAIN_MAC)
    assert result.kind is kind
    assert keyword in result.reason
    assert "hostname" in result.reason
    assert is_media_device(result)


@pytest.mark.parametrize(
    "hostname", [None, "", "laptop", "iPhone", "tvheadend-server-x", "aftermath", "techo-pc"]
)
def test_no_keyword(hostname: str | None) -> None:
    result = classify_client(hostname, PLAIN_MAC)
    assert result == Classification(DeviceKind.OTHER, None, "no hostname or OUI rule matched")
    assert not is_media_device(result)


def test_oui_sonos() -> None:
    result = classify_client(None, "00:0e:58:aa:bb:cc")
    assert result.kind is DeviceKind.SPEAKER
    assert result.vendor == "Sonos"
    assert result.reason == "OUI 00:0e:58 = Sonos"


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
    result = classify_client("android-1234", mac)
    assert (result.kind, result.vendor) == (kind, vendor)


def test_oui_mixed_vendor_needs_hostname() -> None:
    only_oui = classify_client("android-1234", "38:2d:e8:01:02:03")
    assert only_oui.kind is DeviceKind.OTHER
    assert only_oui.vendor == "Samsung"
    assert "non-media" in only_oui.reason
    with_host = classify_client("Samsung-Q80", "38:2d:e8:01:02:03")
    assert with_host.kind is DeviceKind.TV
    assert with_host.vendor == "Samsung"
    assert "OUI 38:2d:e8 = Samsung" in with_host.reason


def test_hostname_gives_vendor_when_oui_unknown() -> None:
    result = classify_client("BRAVIA-TV", PLAIN_MAC)
    assert result.vendor == "Sony"


def test_locally_administered_mac_has_no_vendor() -> None:
    result = classify_client("Sonos-Kitchen", "02:0e:58:aa:bb:cc")
    assert result.kind is DeviceKind.SPEAKER
    assert result.vendor is None
    assert "locally administered" in result.reason
    bare = classify_client(None, "da:a1:19:00:11:22")
    assert bare.kind is DeviceKind.OTHER
    assert bare.vendor is None
    assert "randomised" in bare.reason


def test_invalid_mac() -> None:
    result = classify_client("Roku", "not-a-mac")
    assert result.kind is DeviceKind.STREAMER
    assert "not valid" in result.reason


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_hostnames(hostile: str) -> None:
    result = classify_client(hostile, hostile)
    assert isinstance(result.kind, DeviceKind)
    assert len(result.reason) < 200
    assert "\n" not in result.reason
