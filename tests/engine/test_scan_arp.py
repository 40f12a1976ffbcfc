"""ARP frame parsing (engine/arp.py): requests in, everything else out, never raises."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.arp import (
    ARP_FRAME_LEN,
    ArpRequest,
    build_arp_request,
    ip_to_int,
    parse_arp_frame,
)

from .test_scan_support import T0

MAC = "14:11:5d:00:00:77"


def _frame(
    sender_ip: str = "192.168.1.50", target_ip: str = "192.168.1.7", mac: str = MAC
) -> bytes:
    return build_arp_request(mac, sender_ip, target_ip)


def test_request_is_parsed() -> None:
    req = parse_arp_frame(_frame(), T0)
    assert req == ArpRequest(MAC, "192.168.1.50", "192.168.1.7", T0)
    assert not req.is_probe


def test_bytearray_and_memoryview_are_accepted() -> None:
    frame = _frame()
    assert parse_arp_frame(bytearray(frame), T0) == parse_arp_frame(frame, T0)
    assert parse_arp_frame(memoryview(frame), T0) == parse_arp_frame(frame, T0)
    assert parse_arp_frame(frame[:ARP_FRAME_LEN], T0) is not None  # unpadded


def test_probe_from_zero_address_is_kept() -> None:
    req = parse_arp_frame(_frame(sender_ip="0.0.0.0", target_ip="192.168.1.77"), T0)
    assert req is not None
    assert req.is_probe
    assert req.sender_ip == "0.0.0.0"


def test_gratuitous_arp_is_ignored() -> None:
    assert parse_arp_frame(_frame(sender_ip="192.168.1.50", target_ip="192.168.1.50"), T0) is None


@pytest.mark.parametrize(
    "target", ["0.0.0.0", "224.0.0.251", "239.255.255.250", "255.255.255.255", "127.0.0.1"]
)
def test_nonsense_targets_are_ignored(target: str) -> None:
    assert parse_arp_frame(_frame(target_ip=target), T0) is None


def test_reply_and_other_protocols_are_ignored() -> None:
    frame = bytearray(_frame())
    frame[21] = 2  # reply
    assert parse_arp_frame(bytes(frame), T0) is None
    frame = bytearray(_frame())
    frame[12:14] = b"\x08\x00"  # IPv4
    assert parse_arp_frame(bytes(frame), T0) is None
    frame = bytearray(_frame())
    frame[16:18] = b"\x86\xdd"  # protocol type IPv6
    assert parse_arp_frame(bytes(frame), T0) is None


def test_zero_sender_hardware_address_falls_back_to_ethernet_source() -> None:
    frame = bytearray(_frame())
    frame[22:28] = b"\x00" * 6
    req = parse_arp_frame(bytes(frame), T0)
    assert req is not None
    assert req.sender_mac == MAC


def test_multicast_sender_mac_is_ignored() -> None:
    assert parse_arp_frame(_frame(mac="01:00:5e:00:00:01"), T0) is None
    assert parse_arp_frame(_frame(mac="ff:ff:ff:ff:ff:ff"), T0) is None


def test_vlan_tagged_request() -> None:
    frame = _frame()
    tagged = frame[:12] + b"\x81\x00\x00\x0a" + frame[12:]
    req = parse_arp_frame(tagged, T0)
    assert req is not None
    assert req.target_ip == "192.168.1.7"
    assert parse_arp_frame(tagged[:45], T0) is None


@pytest.mark.parametrize("length", range(ARP_FRAME_LEN))
def test_every_truncation_is_ignored(length: int) -> None:
    assert parse_arp_frame(_frame()[:length], T0) is None


@pytest.mark.parametrize("value", [None, "", "x" * 60, 42, 3.5, [1, 2], object()])
def test_non_bytes_are_ignored(value: object) -> None:
    assert parse_arp_frame(value, T0) is None


def test_build_rejects_bad_addresses() -> None:
    with pytest.raises(ValueError):
        build_arp_request("nope", "1.2.3.4", "1.2.3.5")
    with pytest.raises(ValueError):
        build_arp_request(MAC, "1.2.3", "1.2.3.5")


def test_ip_to_int() -> None:
    assert ip_to_int("192.168.1.7") == 0xC0A80107
    for bad in ("", "1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "1.2.3.4 ", None, 7):
        assert ip_to_int(bad) is None  # type: ignore[arg-type]


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=128))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    parse_arp_frame(data, T0)


@settings(max_examples=500, deadline=None)
@given(
    st.binary(min_size=6, max_size=6),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.binary(max_size=18),
)
def test_parsed_fields_match_the_frame(sha: bytes, spa: int, tpa: int, trailer: bytes) -> None:
    frame = (
        b"\xff" * 6
        + b"\x02\x00\x00\x00\x00\x01"
        + struct.pack("!HHHBBH", 0x0806, 1, 0x0800, 6, 4, 1)
        + sha
        + spa.to_bytes(4)
        + b"\x00" * 6
        + tpa.to_bytes(4)
        + trailer
    )
    req = parse_arp_frame(frame, T0)
    if req is None:
        return
    assert ip_to_int(req.target_ip) == tpa
    assert ip_to_int(req.sender_ip) == spa
    assert spa != tpa
    assert not int(req.sender_mac[:2], 16) & 1
    rebuilt = parse_arp_frame(build_arp_request(req.sender_mac, req.sender_ip, req.target_ip), T0)
    assert rebuilt == req
