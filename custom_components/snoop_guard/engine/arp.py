"""ARP request parsing for the passive scan detector (pure; never raises).

A device that inventories the LAN (the Gozen Data SDK on Skyworth TVs) asks
"who has 192.168.1.N?" for every N: one broadcast ARP request per address. The
Home Assistant host sees these broadcasts without promiscuous mode. This module
turns a captured Ethernet frame into an :class:`ArpRequest` (or None) and builds
request frames for tests and the lab.

What is *not* a request that probes another host, and is dropped here:

* replies and anything that is not Ethernet/IPv4 ARP (htype 1, ptype 0x0800,
  hlen 6, plen 4);
* gratuitous ARP / RFC 5227 announcements (sender IP == target IP, not 0.0.0.0):
  a device announcing its own address probes nobody;
* requests for 0.0.0.0, multicast, broadcast, loopback or class-E targets;
* frames whose sender hardware address is a multicast/broadcast MAC.

RFC 5227 *probes* (sender IP 0.0.0.0, "is anyone using this address?") are kept
with ``sender_ip == "0.0.0.0"``: a device probes one or two addresses for its
own duplicate-address detection, which never reaches the sweep thresholds,
while a "DAD sweep" that probes many addresses is still a sweep.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "ARP_FRAME_LEN",
    "ETH_P_ARP",
    "NO_ADDRESS",
    "ArpRequest",
    "build_arp_request",
    "ip_to_int",
    "parse_arp_frame",
]

ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
ETH_HLEN = 14
ARP_LEN = 28
ARP_FRAME_LEN = ETH_HLEN + ARP_LEN  # 42; on the wire padded to 60
_ARP_FIXED = b"\x00\x01\x08\x00\x06\x04\x00\x01"  # Ethernet, IPv4, 6, 4, request
_ZERO_MAC = b"\x00" * 6
NO_ADDRESS = "0.0.0.0"  # noqa: S104 - the sender address of an RFC 5227 probe


@dataclass(frozen=True, slots=True)
class ArpRequest:
    """One ARP request ("who has ``target_ip``? tell ``sender_ip``").

    ``sender_mac`` is the ARP sender hardware address (lower-case, colon
    separated; the Ethernet source when the ARP field is all zeros).
    ``sender_ip`` is ``"0.0.0.0"`` for an RFC 5227 probe. ``when`` is when it was
    captured (timezone-aware).
    """

    sender_mac: str
    sender_ip: str
    target_ip: str
    when: datetime

    @property
    def is_probe(self) -> bool:
        """True for an RFC 5227 probe (no sender IP yet)."""
        return self.sender_ip == NO_ADDRESS


def _bad_target(first_octet: int, value: int) -> bool:
    # 0.0.0.0/8, 127/8, 224/4 multicast, 240/4 reserved and broadcast
    return value == 0 or first_octet in {0, 127} or first_octet >= 224


def parse_arp_frame(frame: object, when: datetime) -> ArpRequest | None:
    """Parse an Ethernet frame; return the ARP request it carries, or None.

    Accepts ``bytes``, ``bytearray`` and ``memoryview``; anything else, short or
    malformed input gives None. Never raises. One 802.1Q tag is understood.
    """
    try:
        data = bytes(frame) if isinstance(frame, bytearray | memoryview) else frame
        if not isinstance(data, bytes) or len(data) < ARP_FRAME_LEN:
            return None
        offset = ETH_HLEN
        ethertype = (data[12] << 8) | data[13]
        if ethertype == ETH_P_8021Q:
            if len(data) < ARP_FRAME_LEN + 4:
                return None
            ethertype = (data[16] << 8) | data[17]
            offset += 4
        if ethertype != ETH_P_ARP or data[offset : offset + 8] != _ARP_FIXED:
            return None
        sha = data[offset + 8 : offset + 14]
        spa = data[offset + 14 : offset + 18]
        tpa = data[offset + 24 : offset + 28]
        if sha == _ZERO_MAC:
            sha = data[6:12]
        if sha[0] & 1 or sha == _ZERO_MAC:
            return None
        target = int.from_bytes(tpa)
        if _bad_target(tpa[0], target):
            return None
        if spa == tpa:
            return None  # gratuitous ARP / announcement
        return ArpRequest(
            sender_mac=sha.hex(":"),
            sender_ip=socket.inet_ntoa(spa),
            target_ip=socket.inet_ntoa(tpa),
            when=when,
        )
    except Exception:  # last-resort guard: a packet is data, never a crash
        return None


def ip_to_int(text: str) -> int | None:
    """Return a dotted-quad IPv4 address as an int, or None."""
    if not isinstance(text, str) or not 7 <= len(text) <= 15 or text.count(".") != 3:
        return None
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text))
    except OSError:
        return None


def _mac_bytes(mac: str) -> bytes:
    raw = bytes.fromhex(mac.replace(":", "").replace("-", ""))
    if len(raw) != 6:
        raise ValueError(f"bad MAC {mac!r}")
    return raw


def build_arp_request(
    sender_mac: str,
    sender_ip: str,
    target_ip: str,
    *,
    dst_mac: str = "ff:ff:ff:ff:ff:ff",
    pad: bool = True,
) -> bytes:
    """Build a broadcast ARP request frame (padded to the 60-byte Ethernet minimum).

    Raises ValueError for malformed addresses (this is for tests and the lab).
    """
    try:
        spa = socket.inet_pton(socket.AF_INET, sender_ip)
        tpa = socket.inet_pton(socket.AF_INET, target_ip)
    except OSError as err:
        raise ValueError(f"bad IPv4 address: {err}") from err
    sha = _mac_bytes(sender_mac)
    frame = (
        _mac_bytes(dst_mac)
        + sha
        + struct.pack("!H", ETH_P_ARP)
        + _ARP_FIXED
        + sha
        + spa
        + _ZERO_MAC
        + tpa
    )
    return frame.ljust(60, b"\x00") if pad else frame
