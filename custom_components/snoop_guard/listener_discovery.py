"""Passive listener for discovery queries: mDNS, SSDP M-SEARCH, NetBIOS, IPv6 NS (no HA).

A packet socket like the ARP listener's (:class:`~.listener.PacketListener`),
not a UDP socket sharing ports 5353/1900/137 with ``SO_REUSEPORT``:

* it gives the sender's MAC address directly (no IP-to-MAC table to keep), and
  sees IPv4 and IPv6 alike;
* it can never answer, and cannot take datagrams away from Home Assistant's own
  zeroconf/SSDP listeners (with ``SO_REUSEPORT`` the kernel spreads *unicast*
  datagrams over the sockets sharing a port, so a passive socket would steal
  the unicast replies HA's discovery waits for);
* the kernel filter (classic BPF) passes only what the detector needs, so the
  flood of mDNS *responses* and SSDP ``NOTIFY`` announcements on a busy LAN is
  dropped before it is queued: frames received (not sent by this host) that are
  UDP to 5353 or 137 with QR = 0 and opcode 0 (queries), UDP to 1900 whose payload
  starts with ``M-SE`` (M-SEARCH), over IPv4 (first fragments) or IPv6 (no
  extension headers), and ICMPv6 neighbour solicitations (type 135).

Never promiscuous. The link-layer groups of mDNS and SSDP (224.0.0.251, ff02::fb,
239.255.255.250, ff02::c) are joined with ``PACKET_MR_MULTICAST`` (best effort;
they end with the socket), so the queries arrive even when nothing else on the
host listens for them. Neighbour solicitations go to the solicited-node group of
each *target*: a NIC that filters multicast in hardware delivers only those for
this host's own addresses, so NS sweeps are seen in full only where the link
floods them (software bridges, veth, many Wi-Fi access points); nothing here turns
on all-multicast reception.

Failures are values (:class:`~.listener.ListenerError`), as for the ARP listener.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime

from .engine.discovery_frame import DiscoveryQuery, parse_discovery_frame
from .listener import ListenerError, PacketListener

__all__ = ["DISCOVERY_FILTER", "DISCOVERY_GROUPS", "DiscoveryListener", "assemble"]

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
_SNAPLEN = 1514  # whole frames: an mDNS query may carry many questions
_RECV_SIZE = 2048

# link-layer addresses of 224.0.0.251, ff02::fb, 239.255.255.250, ff02::c
DISCOVERY_GROUPS: tuple[bytes, ...] = (
    bytes.fromhex("01005e0000fb"),
    bytes.fromhex("3333000000fb"),
    bytes.fromhex("01005e7ffffa"),
    bytes.fromhex("33330000000c"),
)

# classic BPF opcodes
_LD_W_ABS, _LD_H_ABS, _LD_B_ABS = 0x20, 0x28, 0x30
_LD_W_IND, _LD_H_IND, _LD_B_IND = 0x40, 0x48, 0x50
_LDX_B_MSH = 0xB1  # X = 4 * (P[k] & 0xf): the IPv4 header length
_JEQ_K, _JSET_K, _JA = 0x15, 0x45, 0x05
_RET_K = 0x06
_AD_PKTTYPE = 0xFFFFF004
_M_SE = int.from_bytes(b"M-SE")
_QUERY_MASK = 0xF8  # QR and opcode bits of the first flags byte


# (label or "", code, jt, jf, k): jt/jf name a label, or 0 to fall through.
_SOURCE: tuple[tuple[str, int, int | str, int | str, int], ...] = (
    ("", _LD_W_ABS, 0, 0, _AD_PKTTYPE),
    ("", _JEQ_K, "drop", 0, PACKET_OUTGOING),
    ("", _LD_H_ABS, 0, 0, 12),
    ("", _JEQ_K, 0, "ipv6", 0x0800),
    # IPv4: UDP, first fragment; X = header length
    ("", _LD_B_ABS, 0, 0, 23),
    ("", _JEQ_K, 0, "drop", 17),
    ("", _LD_H_ABS, 0, 0, 20),
    ("", _JSET_K, "drop", 0, 0x1FFF),
    ("", _LDX_B_MSH, 0, 0, 14),
    ("", _LD_H_IND, 0, 0, 14 + 2),  # UDP destination port
    ("", _JEQ_K, "dns4", 0, 5353),
    ("", _JEQ_K, "dns4", 0, 137),
    ("", _JEQ_K, "ssdp4", "drop", 1900),
    ("dns4", _LD_B_IND, 0, 0, 14 + 8 + 2),  # first DNS flags byte
    ("", _JSET_K, "drop", "accept", _QUERY_MASK),
    ("ssdp4", _LD_W_IND, 0, 0, 14 + 8),
    ("", _JEQ_K, "accept", "drop", _M_SE),
    # IPv6 without extension headers
    ("ipv6", _JEQ_K, 0, "drop", 0x86DD),
    ("", _LD_B_ABS, 0, 0, 20),  # next header
    ("", _JEQ_K, "udp6", 0, 17),
    ("", _JEQ_K, "icmp6", "drop", 58),
    ("udp6", _LD_H_ABS, 0, 0, 54 + 2),
    ("", _JEQ_K, "dns6", 0, 5353),
    ("", _JEQ_K, "ssdp6", "drop", 1900),
    ("dns6", _LD_B_ABS, 0, 0, 54 + 8 + 2),
    ("", _JSET_K, "drop", "accept", _QUERY_MASK),
    ("ssdp6", _LD_W_ABS, 0, 0, 54 + 8),
    ("", _JEQ_K, "accept", "drop", _M_SE),
    ("icmp6", _LD_B_ABS, 0, 0, 54),
    ("", _JEQ_K, "accept", "drop", 135),
    ("accept", _RET_K, 0, 0, _SNAPLEN),
    ("drop", _RET_K, 0, 0, 0),
)


def assemble(
    source: tuple[tuple[str, int, int | str, int | str, int], ...],
) -> tuple[tuple[int, int, int, int], ...]:
    """Resolve label jumps to the kernel's relative offsets; raise ValueError if impossible."""
    where = {label: i for i, (label, *_rest) in enumerate(source) if label}
    program: list[tuple[int, int, int, int]] = []
    for i, (_label, code, jt, jf, k) in enumerate(source):
        offsets = []
        for jump in (jt, jf):
            if isinstance(jump, str):
                offset = where[jump] - i - 1
                if not 0 <= offset <= 255:
                    raise ValueError(f"jump to {jump} out of range at {i}")
                offsets.append(offset)
            else:
                offsets.append(jump)
        if code == _JA:
            raise ValueError("unconditional jumps are not used")
        program.append((code, offsets[0], offsets[1], k))
    return tuple(program)


DISCOVERY_FILTER = assemble(_SOURCE)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DiscoveryListener(PacketListener[DiscoveryQuery]):
    """Hand each discovery query seen on ``interface`` to ``callback`` (asyncio, passive)."""

    label = "Discovery"

    def __init__(
        self,
        interface: str,
        callback: Callable[[DiscoveryQuery], object],
        *,
        max_batch: int = 64,
        rcvbuf: int = 1 << 21,
        now: Callable[[], datetime] = _utcnow,
        on_error: Callable[[ListenerError], object] | None = None,
        socket_factory: Callable[[], socket.socket] | None = None,
    ) -> None:
        """Prepare; nothing is opened before :meth:`start`."""
        super().__init__(
            interface,
            callback,
            parse_discovery_frame,
            program=DISCOVERY_FILTER,
            protocol=ETH_P_ALL,
            recv_size=_RECV_SIZE,
            memberships=DISCOVERY_GROUPS,
            max_batch=max_batch,
            rcvbuf=rcvbuf,
            now=now,
            on_error=on_error,
            socket_factory=socket_factory,
        )
