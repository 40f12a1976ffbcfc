"""Build Ethernet frames carrying discovery queries (tests of the parsers and listener)."""

from __future__ import annotations

import ipaddress
import struct

SRC_MAC = "14:11:5d:00:00:77"
MDNS_V4 = ("224.0.0.251", "01:00:5e:00:00:fb")
MDNS_V6 = ("ff02::fb", "33:33:00:00:00:fb")
SSDP_V4 = ("239.255.255.250", "01:00:5e:7f:ff:fa")
BROADCAST = ("198.18.250.255", "ff:ff:ff:ff:ff:ff")


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.split("."):
        if label:
            raw = label.encode()
            out += bytes([len(raw)]) + raw
    return out + b"\x00"


def dns_query(
    names: list[str], qtype: int = 12, *, flags: int = 0, nscount: int = 0, txid: int = 0
) -> bytes:
    body = b"".join(encode_name(n) + struct.pack("!HH", qtype, 1) for n in names)
    return struct.pack("!HHHHHH", txid, flags, len(names), 0, nscount, 0) + body


def netbios_name(name: str, suffix: int = 0) -> str:
    raw = b"*" + b"\x00" * 15 if name == "*" else name.upper().encode().ljust(15) + bytes([suffix])
    return "".join(chr(0x41 + (b >> 4)) + chr(0x41 + (b & 0xF)) for b in raw)


def netbios_query(name: str, qtype: int = 0x21, flags: int = 0) -> bytes:
    return dns_query([netbios_name(name)], qtype, flags=flags, txid=0x1234)


def msearch(st: str) -> bytes:
    return (
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
        f'MAN: "ssdp:discover"\r\nMX: 1\r\nST: {st}\r\n\r\n'
    ).encode()


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_frame(
    payload: bytes,
    dport: int,
    *,
    src_ip: str = "198.18.250.77",
    dst: tuple[str, str] = MDNS_V4,
    src_mac: str = SRC_MAC,
    sport: int | None = None,
) -> bytes:
    """An Ethernet frame with a UDP datagram over IPv4 or IPv6 (by the address family)."""
    dst_ip, dst_mac = dst
    sport = dport if sport is None else sport
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    src, dest = ipaddress.ip_address(src_ip), ipaddress.ip_address(dst_ip)
    if src.version == 4:
        header = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 1, 17, 0, src.packed, dest.packed
        )
        header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
        return _mac(dst_mac) + _mac(src_mac) + b"\x08\x00" + header + udp
    header = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 255, src.packed, dest.packed)
    return _mac(dst_mac) + _mac(src_mac) + b"\x86\xdd" + header + udp


def neighbor_solicitation(target: str, *, src_ip: str = "fe80::1611:5dff:fe00:77") -> bytes:
    tgt = ipaddress.IPv6Address(target)
    group = ipaddress.IPv6Address(b"\xff\x02" + b"\x00" * 9 + b"\x01\xff" + tgt.packed[13:])
    body = struct.pack("!BBHI16s", 135, 0, 0, 0, tgt.packed)
    src = ipaddress.IPv6Address(src_ip)
    pseudo = src.packed + group.packed + struct.pack("!I3xB", len(body), 58)
    body = body[:2] + struct.pack("!H", _checksum(pseudo + body)) + body[4:]
    header = struct.pack("!IHBB16s16s", 6 << 28, len(body), 58, 255, src.packed, group.packed)
    dst_mac = b"\x33\x33" + group.packed[12:]
    return dst_mac + _mac(SRC_MAC) + b"\x86\xdd" + header + body
