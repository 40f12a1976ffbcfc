"""Parsers of captured discovery queries: mDNS, SSDP, NetBIOS, IPv6 NS (engine, pure)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.discovery_frame import (
    DiscoveryProtocol,
    parse_discovery_frame,
)
from custom_components.snoop_guard.engine.mdns_query import (
    MdnsAsk,
    Question,
    classify,
    parse_questions,
    reverse_address,
)
from custom_components.snoop_guard.engine.netbios import (
    NB,
    NBSTAT,
    decode_name,
    parse_netbios_query,
)
from custom_components.snoop_guard.engine.ssdp_query import parse_msearch
from tests.discovery_frames import (
    BROADCAST,
    MDNS_V6,
    SRC_MAC,
    SSDP_V4,
    dns_query,
    msearch,
    neighbor_solicitation,
    netbios_name,
    netbios_query,
    udp_frame,
)

from .hostile import HOSTILE

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- mDNS questions ---------------------------------------------------------------------


def test_questions_with_compression_and_unicast_bit() -> None:
    head = struct.pack("!HHHHHH", 0, 0, 2, 0, 0, 0)
    first = b"\x0b_googlecast\x04_tcp\x05local\x00" + struct.pack("!HH", 12, 0x8001)
    # "_airplay" + pointer to "_tcp.local" inside the first name (offset 12 + 12)
    second = b"\x08_airplay\xc0\x18" + struct.pack("!HH", 12, 1)
    parsed = parse_questions(head + first + second)
    assert parsed is not None
    assert parsed.is_query
    assert not parsed.is_probe
    assert parsed.questions == (
        Question("_googlecast._tcp.local", 12, True),
        Question("_airplay._tcp.local", 12, False),
    )


def test_pointer_loops_truncation_and_caps_end_quietly() -> None:
    loop = struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 0) + b"\xc0\x0c" + b"\x00\x0c\x00\x01"
    parsed = parse_questions(loop)
    assert parsed is not None
    assert parsed.questions == ()
    whole = dns_query(["_a._tcp.local", "_b._tcp.local"])
    truncated = parse_questions(whole[:-3])
    assert truncated is not None
    assert [q.name for q in truncated.questions] == ["_a._tcp.local"]
    many = dns_query([f"_s{i}._tcp.local" for i in range(100)])
    capped = parse_questions(many, max_questions=16)
    assert capped is not None
    assert len(capped.questions) == 16
    assert capped.qdcount == 100
    assert parse_questions(b"\x00" * 11) is None


def test_names_are_lowercased_and_escaped() -> None:
    parsed = parse_questions(dns_query(["Evil\x1b[31m._TCP.Local"]))
    assert parsed is not None
    assert parsed.questions[0].name == "evil\\027[31m._tcp.local"


def test_responses_and_probes_are_told_apart() -> None:
    response = parse_questions(dns_query(["x.local"], flags=0x8400))
    assert response is not None
    assert not response.is_query
    probe = parse_questions(dns_query(["tv.local"], 255, nscount=1))
    assert probe is not None
    assert probe.is_probe


@pytest.mark.parametrize(
    ("name", "qtype", "kind"),
    [
        ("_services._dns-sd._udp.local", 12, MdnsAsk.META),
        ("_googlecast._tcp.local", 12, MdnsAsk.BROWSE),
        ("_printer._sub._http._tcp.local", 12, MdnsAsk.BROWSE),
        ("living room._googlecast._tcp.local", 33, MdnsAsk.INSTANCE),
        ("tv.local", 1, MdnsAsk.INSTANCE),
        ("7.250.18.198.in-addr.arpa", 12, MdnsAsk.REVERSE),
        ("local", 12, MdnsAsk.OTHER),
        ("_googlecast._tcp.local", 1, MdnsAsk.INSTANCE),
    ],
)
def test_classify(name: str, qtype: int, kind: MdnsAsk) -> None:
    assert classify(Question(name, qtype)) is kind


def test_reverse_address() -> None:
    assert reverse_address("7.250.18.198.in-addr.arpa") == "198.18.250.7"
    nibbles = ".".join(reversed("fd00000000000000000000000000abcd"))
    assert reverse_address(f"{nibbles}.ip6.arpa") == "fd00::abcd"
    assert reverse_address("250.18.198.in-addr.arpa") is None  # a zone, not an address
    assert reverse_address("300.1.1.1.in-addr.arpa") is None
    assert reverse_address("1.2.ip6.arpa") is None


# -- NetBIOS and SSDP ---------------------------------------------------------------------


def test_netbios_node_status_and_name_queries() -> None:
    assert decode_name(netbios_name("*").lower()) == "*"
    assert decode_name(netbios_name("WORKGROUP", 0x1D).lower()) == "workgroup"
    assert decode_name("zz" * 16) is None
    status = parse_netbios_query(netbios_query("*"))
    assert status is not None
    assert (status.name, status.qtype) == ("*", NBSTAT)
    name = parse_netbios_query(netbios_query("NAS", NB, flags=0x0110))
    assert name is not None
    assert (name.name, name.qtype) == ("nas", NB)
    registration = netbios_query("NAS", NB, flags=0x2910)  # opcode 5
    assert parse_netbios_query(registration) is None


def test_msearch() -> None:
    assert parse_msearch(msearch("ssdp:all")) == "ssdp:all"
    assert parse_msearch(msearch("urn:schemas-upnp-org:device:ZonePlayer:1")) == (
        "urn:schemas-upnp-org:device:zoneplayer:1"
    )
    assert parse_msearch(b"NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\n\r\n") is None
    assert parse_msearch(b"M-SEARCH * HTTP/1.1\r\nMX: 1\r\n\r\n") == ""
    assert parse_msearch(b"M-SEARCH * HTTP/1.1\r\nST: a\x00\x1bb\r\n") == "a\\000\\027b"


# -- frames ---------------------------------------------------------------------------------


def test_mdns_frames_v4_and_v6() -> None:
    query = parse_discovery_frame(udp_frame(dns_query(["_googlecast._tcp.local"]), 5353), NOW)
    assert query is not None
    assert query.protocol is DiscoveryProtocol.MDNS
    assert (query.mac, query.src_ip, query.dst_ip, query.group) == (
        SRC_MAC,
        "198.18.250.77",
        "224.0.0.251",
        True,
    )
    v6 = parse_discovery_frame(
        udp_frame(dns_query(["_airplay._tcp.local"]), 5353, src_ip="fe80::1", dst=MDNS_V6), NOW
    )
    assert v6 is not None
    assert v6.questions[0].name == "_airplay._tcp.local"
    answer = udp_frame(dns_query(["x.local"], flags=0x8400), 5353)
    assert parse_discovery_frame(answer, NOW) is None


def test_ssdp_netbios_and_ns_frames() -> None:
    search = parse_discovery_frame(udp_frame(msearch("ssdp:all"), 1900, dst=SSDP_V4), NOW)
    assert search is not None
    assert search.search_target == "ssdp:all"
    assert search.group
    unicast = udp_frame(
        netbios_query("*"), 137, dst=("198.18.250.9", "02:00:00:00:00:09"), sport=40000
    )
    status = parse_discovery_frame(unicast, NOW)
    assert status is not None
    assert status.protocol is DiscoveryProtocol.NETBIOS
    assert not status.group
    assert status.dst_ip == "198.18.250.9"
    broadcast = parse_discovery_frame(udp_frame(netbios_query("NAS", NB), 137, dst=BROADCAST), NOW)
    assert broadcast is not None
    assert broadcast.group
    ns = parse_discovery_frame(neighbor_solicitation("fd00::7"), NOW)
    assert ns is not None
    assert ns.protocol is DiscoveryProtocol.NDP
    assert ns.target == "fd00::7"
    assert not ns.probe
    dad = parse_discovery_frame(neighbor_solicitation("fd00::8", src_ip="::"), NOW)
    assert dad is not None
    assert dad.probe


def test_forged_group_source_and_later_fragments_are_dropped() -> None:
    frame = bytearray(udp_frame(dns_query(["_a._tcp.local"]), 5353))
    frame[6] |= 1
    assert parse_discovery_frame(bytes(frame), NOW) is None
    fragment = bytearray(udp_frame(dns_query(["_a._tcp.local"]), 5353))
    fragment[20:22] = b"\x00\x10"
    assert parse_discovery_frame(bytes(fragment), NOW) is None


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_never_leak_control_characters(text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")[:63]
    payload = struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 0) + bytes([len(raw)]) + raw + b"\x00"
    payload += struct.pack("!HH", 12, 1)
    parsed = parse_questions(payload)
    assert parsed is not None
    for question in parsed.questions:
        assert all(0x21 <= ord(c) < 0x7F for c in question.name.replace(".", "!"))


@SETTINGS
@given(st.binary(max_size=1600))
def test_any_bytes_never_raise(data: bytes) -> None:
    parse_questions(data)
    parse_msearch(data)
    parse_netbios_query(data)
    parse_discovery_frame(data, NOW)


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from([5353, 1900, 137]), st.booleans())
def test_any_payload_in_a_valid_frame_never_raises(payload: bytes, port: int, v6: bool) -> None:
    dst = MDNS_V6 if v6 else SSDP_V4
    src = "fe80::1" if v6 else "198.18.250.77"
    result = parse_discovery_frame(udp_frame(payload, port, src_ip=src, dst=dst), NOW)
    if result is not None:
        assert len(result.questions) <= 16
        assert result.search_target is None or len(result.search_target) <= 4 * 128
