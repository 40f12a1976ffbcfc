"""Discovery queries in captured Ethernet frames, for the passive scan listener (pure).

:func:`parse_discovery_frame` turns one frame captured on Home Assistant's LAN
interface into a :class:`DiscoveryQuery`, or None. It knows:

* mDNS queries to UDP 5353 (IPv4 and IPv6; multicast, or unicast to one host):
  the questions (:mod:`.mdns_query`); responses and probes are dropped or marked;
* SSDP ``M-SEARCH`` to UDP 1900 (:mod:`.ssdp_query`); ``NOTIFY`` is dropped;
* NetBIOS name and node-status queries to UDP 137 over IPv4 (:mod:`.netbios`);
* ICMPv6 neighbour solicitations (type 135): the target address; a solicitation
  from ``::`` is duplicate address detection for the sender's own address.

The device is the Ethernet source address: the one that sent the frame on this
link, so no IP-to-MAC mapping is needed. Work per frame is bounded by the frame
length (the listener snaps frames) and by the parsers' own caps; nothing here
raises.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .mdns_query import Question, parse_questions
from .netbios import NetbiosQuery, parse_netbios_query
from .ssdp_query import parse_msearch

__all__ = [
    "MDNS_PORT",
    "NETBIOS_PORT",
    "SSDP_PORT",
    "DiscoveryProtocol",
    "DiscoveryQuery",
    "parse_discovery_frame",
]

MDNS_PORT = 5353
SSDP_PORT = 1900
NETBIOS_PORT = 137
_ETH_IPV4 = 0x0800
_ETH_IPV6 = 0x86DD
_UDP = 17
_ICMPV6 = 58
_NEIGHBOR_SOLICITATION = 135
_MAX_QUESTIONS = 16


class DiscoveryProtocol(StrEnum):
    """Which kind of query a frame carried."""

    MDNS = "mdns"
    SSDP = "ssdp"
    NETBIOS = "netbios"
    NDP = "ndp"  # IPv6 neighbour solicitation


@dataclass(frozen=True, slots=True)
class DiscoveryQuery:
    """One discovery query a device sent on the LAN.

    ``group``: sent to a multicast group or broadcast, not to one host.
    ``probe``: an mDNS probe (RFC 6762 section 8.1) or a neighbour solicitation
    for duplicate address detection: a device checking its own name or address.
    ``questions``: mDNS questions; ``search_target``: the SSDP ``ST``;
    ``netbios``: the NetBIOS question; ``target``: the NDP target address.
    """

    protocol: DiscoveryProtocol
    mac: str
    src_ip: str
    dst_ip: str
    group: bool
    when: datetime
    probe: bool = False
    questions: tuple[Question, ...] = ()
    search_target: str | None = None
    netbios: NetbiosQuery | None = None
    target: str | None = None


def _udp(
    frame: bytes, start: int, mac: str, src: str, dst: str, group: bool, when: datetime
) -> DiscoveryQuery | None:
    if len(frame) < start + 8:
        return None
    dport = int.from_bytes(frame[start + 2 : start + 4])
    payload = frame[start + 8 :]
    if dport == MDNS_PORT:
        parsed = parse_questions(payload, _MAX_QUESTIONS)
        if parsed is None or not parsed.is_query or not parsed.questions:
            return None
        return DiscoveryQuery(
            DiscoveryProtocol.MDNS,
            mac,
            src,
            dst,
            group,
            when,
            probe=parsed.is_probe,
            questions=parsed.questions,
        )
    if dport == SSDP_PORT:
        target = parse_msearch(payload)
        if target is None:
            return None
        return DiscoveryQuery(
            DiscoveryProtocol.SSDP, mac, src, dst, group, when, search_target=target
        )
    if dport == NETBIOS_PORT and "." in src:
        query = parse_netbios_query(payload)
        if query is None:
            return None
        return DiscoveryQuery(DiscoveryProtocol.NETBIOS, mac, src, dst, group, when, netbios=query)
    return None


def parse_discovery_frame(frame: bytes, when: datetime) -> DiscoveryQuery | None:
    """Return the discovery query ``frame`` carries, or None (never raises)."""
    try:
        if len(frame) < 42 or frame[6] & 1:
            return None  # too short, or a group source address (forged)
        mac = frame[6:12].hex(":")
        group = bool(frame[0] & 1)
        ethertype = int.from_bytes(frame[12:14])
        if ethertype == _ETH_IPV4:
            version_ihl = frame[14]
            ihl = (version_ihl & 0x0F) * 4
            if version_ihl >> 4 != 4 or ihl < 20 or frame[23] != _UDP:
                return None
            if struct.unpack_from("!H", frame, 20)[0] & 0x1FFF:
                return None  # a later fragment: no UDP header
            src = str(ipaddress.IPv4Address(frame[26:30]))
            dst = str(ipaddress.IPv4Address(frame[30:34]))
            return _udp(frame, 14 + ihl, mac, src, dst, group, when)
        if ethertype == _ETH_IPV6 and len(frame) >= 62 and frame[14] >> 4 == 6:
            next_header = frame[20]
            src = str(ipaddress.IPv6Address(frame[22:38]))
            dst = str(ipaddress.IPv6Address(frame[38:54]))
            if next_header == _UDP:
                return _udp(frame, 54, mac, src, dst, group, when)
            if next_header == _ICMPV6 and frame[54] == _NEIGHBOR_SOLICITATION:
                if len(frame) < 78:
                    return None
                target = ipaddress.IPv6Address(frame[62:78])
                if target.is_multicast or target.is_unspecified or target.is_loopback:
                    return None
                return DiscoveryQuery(
                    DiscoveryProtocol.NDP,
                    mac,
                    src,
                    dst,
                    group,
                    when,
                    probe=src == "::",
                    target=str(target),
                )
        return None
    except Exception:  # last-resort guard: input is data, never a crash
        return None
