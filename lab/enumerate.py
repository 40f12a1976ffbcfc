#!/usr/bin/env python3
"""Discovery-only LAN enumerators, and ordinary cast/AirPlay discovery, for the Snoop Guard lab.

Run inside a lab client namespace (root, stdlib only)::

    ip netns exec <ns> python3 -I -S lab/enumerate.py --mode mdns    [--events F]
    ip netns exec <ns> python3 -I -S lab/enumerate.py --mode ssdp    [--events F]
    ip netns exec <ns> python3 -I -S lab/enumerate.py --mode ordinary [--events F]

``mdns``: what an SDK does to collect the host names of every device without one
ARP request: the DNS-SD meta query (``_services._dns-sd._udp.local``), then one PTR
query per service type for 25 common types (20 ms apart), then SRV and TXT queries
for every instance that answered. Queries go out from an ephemeral port, so the
lab's responders answer by legacy unicast (RFC 6762 section 6.7).

``ssdp``: ``M-SEARCH`` for ``ssdp:all`` and ``upnp:rootdevice``, three rounds one
second apart (MX 1), collecting the responses.

``ordinary`` (the negative): a phone opening its cast menu and an Apple device's
routine browse: PTR queries for ``_googlecast._tcp``, ``_airplay._tcp`` and
``_raop._tcp`` paced as RFC 6762 section 5.2 says (0, 1, 3 and 7 s), SRV/TXT of
the instances found, and a cast sender's ``M-SEARCH`` for the DIAL service sent
three times.

``ndp``: IPv6 neighbour solicitations for 32 addresses of a ULA /64 (raw frames
from the interface's EUI-64 link-local address; the lab router has IPv6 off).

``flood`` (for ``benchmarks/bench_scan_discovery.py``): ``--flood PPS`` multicast
frames per second for ``--seconds``, see :func:`flood`.

``--cycles N`` repeats the mode N times, ``--interval`` seconds apart. Events go
to ``--events`` (JSON lines, as lab/gozen.py). Safety as lab/gozen.py: refuses the
root namespace and non-lab addresses; multicast TTL 1; exits with its parent.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import select
import signal
import socket
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script with -I
from lab.gozen import (
    MDNS,
    SSDP,
    Emitter,
    Refused,
    encode_name,
    iface_info,
    in_root_netns,
    lab_lan,
)

SERVICE_TYPES = tuple(
    f"_{name}._tcp.local"
    for name in [
        "googlecast",
        "airplay",
        "raop",
        "spotify-connect",
        "sonos",
        "androidtvremote2",
        "http",
        "https",
        "printer",
        "ipp",
        "ipps",
        "pdl-datastream",
        "scanner",
        "uscan",
        "smb",
        "afpovertcp",
        "ssh",
        "sftp-ssh",
        "workstation",
        "device-info",
        "homekit",
        "hap",
        "companion-link",
        "rdlink",
        "daap",
    ]
)
ORDINARY_TYPES = ("_googlecast._tcp.local", "_airplay._tcp.local", "_raop._tcp.local")
DIAL = "urn:dial-multiscreen-org:service:dial:1"
_PTR, _TXT, _SRV = 12, 16, 33


def query(name: str, qtype: int) -> bytes:
    """An mDNS query for one name (id 0, QM)."""
    return (
        struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 0) + encode_name(name) + struct.pack("!HH", qtype, 1)
    )


def msearch(st: str) -> bytes:
    return (
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
        f'MAN: "ssdp:discover"\r\nMX: 1\r\nST: {st}\r\n\r\n'
    ).encode()


def _read_name(data: bytes, offset: int) -> tuple[str, int]:
    labels: list[str] = []
    end = None
    for _ in range(64):
        length = data[offset]
        if length == 0:
            offset += 1
            break
        if length & 0xC0 == 0xC0:
            end = end or offset + 2
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            continue
        labels.append(data[offset + 1 : offset + 1 + length].decode("utf-8", "replace"))
        offset += 1 + length
    return ".".join(labels), end or offset


def ptr_answers(data: bytes) -> list[str]:
    """The PTR targets in the answer section of an mDNS response (best effort)."""
    try:
        _, flags, qd, an, _, _ = struct.unpack_from("!HHHHHH", data)
        if not flags & 0x8000:
            return []
        offset = 12
        for _ in range(qd):
            _, offset = _read_name(data, offset)
            offset += 4
        found = []
        for _ in range(an):
            _, offset = _read_name(data, offset)
            rtype, _, _, rdlen = struct.unpack_from("!HHIH", data, offset)
            offset += 10
            if rtype == _PTR:
                found.append(_read_name(data, offset)[0])
            offset += rdlen
        return found
    except (IndexError, struct.error):
        return []


class Enumerator:
    def __init__(self, iface: str) -> None:
        if in_root_netns():
            raise Refused("refusing to run in the root network namespace (use ip netns exec)")
        self.iface = iface
        self.mac, self.ip, net = iface_info(iface)
        self.lan = lab_lan(self.ip, net)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.ip))
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        self.sock.bind((self.ip, 0))

    def collect(self, seconds: float) -> list[tuple[bytes, str]]:
        """Replies from lab addresses for ``seconds``."""
        replies = []
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                break
            data, (addr, _port) = self.sock.recvfrom(9000)
            if ipaddress.ip_address(addr) not in self.lan:
                continue
            replies.append((data, addr))
        return replies

    def resolve(self, instances: list[str], gap: float = 0.02) -> None:
        for instance in instances[:32]:
            for qtype in (_SRV, _TXT):
                self.sock.sendto(query(instance, qtype), MDNS)
                time.sleep(gap)


def mdns_cycle(host: Enumerator, emit: Emitter, cycle: int) -> None:
    host.sock.sendto(query("_services._dns-sd._udp.local", _PTR), MDNS)
    types = [t.lower() for data, _ in host.collect(0.3) for t in ptr_answers(data)]
    instances: list[str] = []
    for name in SERVICE_TYPES:
        host.sock.sendto(query(name, _PTR), MDNS)
        for data, _ in host.collect(0.02):
            instances += ptr_answers(data)
    for data, _ in host.collect(0.5):
        instances += ptr_answers(data)
    instances = list(dict.fromkeys(i for i in instances if i.count(".") >= 3))
    host.resolve(instances)
    emit("mdns_enumeration", cycle, meta_types=sorted(set(types)), instances=instances)


def ssdp_cycle(host: Enumerator, emit: Emitter, cycle: int) -> None:
    responders: set[str] = set()
    for _round in range(3):
        for st in ("ssdp:all", "upnp:rootdevice"):
            host.sock.sendto(msearch(st), SSDP)
        responders |= {addr for _, addr in host.collect(1.0)}
    emit("ssdp_enumeration", cycle, responders=sorted(responders))


def ordinary_cycle(host: Enumerator, emit: Emitter, cycle: int) -> None:
    instances: list[str] = []
    start = time.monotonic()
    for at in (0.0, 1.0, 3.0, 7.0):  # RFC 6762 5.2: 1 s, then doubling
        time.sleep(max(0.0, start + at - time.monotonic()))
        for name in ORDINARY_TYPES:
            host.sock.sendto(query(name, _PTR), MDNS)
        if at == 0.0:
            for _ in range(3):
                host.sock.sendto(msearch(DIAL), SSDP)
        for data, _ in host.collect(0.3):
            instances += ptr_answers(data)
        if at == 0.0:
            host.resolve(list(dict.fromkeys(instances)))
    emit("ordinary_discovery", cycle, instances=sorted(set(instances)))


def _ns_frame(src_mac: bytes, target: ipaddress.IPv6Address) -> bytes:
    """An ICMPv6 neighbour solicitation for ``target`` from our EUI-64 link-local address."""
    eui = bytearray(src_mac[:3] + b"\xff\xfe" + src_mac[3:])
    eui[0] ^= 0x02
    src = ipaddress.IPv6Address(b"\xfe\x80" + b"\x00" * 6 + bytes(eui))
    group = ipaddress.IPv6Address(b"\xff\x02" + b"\x00" * 9 + b"\x01\xff" + target.packed[13:])
    option = b"\x01\x01" + src_mac  # source link-layer address
    body = struct.pack("!BBHI16s", 135, 0, 0, 0, target.packed) + option
    pseudo = src.packed + group.packed + struct.pack("!I3xB", len(body), 58) + body
    if len(pseudo) % 2:
        pseudo += b"\x00"
    total = sum(struct.unpack(f"!{len(pseudo) // 2}H", pseudo))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    body = body[:2] + struct.pack("!H", ~total & 0xFFFF) + body[4:]
    header = struct.pack("!IHBB16s16s", 6 << 28, len(body), 58, 255, src.packed, group.packed)
    return b"\x33\x33" + group.packed[12:] + src_mac + b"\x86\xdd" + header + body


def ndp_cycle(host: Enumerator, emit: Emitter, cycle: int) -> None:
    """Neighbour solicitations for 32 addresses of the lab's ULA /64 (fd53:6e6f:6f70::/64)."""
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    raw.bind((host.iface, 0))
    with raw:
        for i in range(1, 33):
            raw.send(_ns_frame(host.mac, ipaddress.IPv6Address(f"fd53:6e6f:6f70::{i:x}")))
            time.sleep(0.01)
    emit("ndp_sweep", cycle, targets=32)


def _frame(dst_mac: bytes, src_ip: str, dst_ip: str, port: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", port, port, 8 + len(payload), 0) + payload
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45, 0, 20 + len(udp), 0, 0x4000, 1, 17, 0,
        socket.inet_aton(src_ip), socket.inet_aton(dst_ip),
    )  # fmt: skip
    words = struct.unpack("!10H", header)
    total = sum(words)
    total = (total & 0xFFFF) + (total >> 16)
    header = header[:10] + struct.pack("!H", ~total & 0xFFFF) + header[12:]
    return dst_mac + b"\x00" * 6 + b"\x08\x00" + header + udp


def flood(host: Enumerator, args: argparse.Namespace, emit: Emitter) -> None:
    """Multicast flood for benchmarks/bench_scan_discovery.py, from random source MACs.

    ``--query-share`` of the frames are queries the kernel filter passes (four in five
    mDNS queries for one service type, one in five ``M-SEARCH ssdp:all``); the rest are
    mDNS responses and SSDP ``NOTIFY`` announcements, the bulk of a busy LAN's
    multicast, which the filter drops. Sources: random locally administered MACs and
    the top 50 addresses of the /24 (outside the DHCP range).
    """
    rng = random.Random(args.seed)
    sources = [str(h) for h in list(host.lan.hosts())[-50:]]
    mdns_mac, ssdp_mac = bytes.fromhex("01005e0000fb"), bytes.fromhex("01005e7ffffa")
    answer = struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0) + encode_name("_x._tcp.local")
    answer += struct.pack("!HHIH", 12, 1, 120, 2) + b"\xc0\x0c"
    notify = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\n\r\n"
    queries = [
        _frame(mdns_mac, ip, MDNS[0], 5353, query(name, _PTR))
        for ip in sources
        for name in SERVICE_TYPES[:8]
    ] + [_frame(ssdp_mac, ip, SSDP[0], 1900, msearch("ssdp:all")) for ip in sources]
    weights = [4 / len(sources) / 8] * (len(sources) * 8) + [1 / len(sources)] * len(sources)
    others = [_frame(mdns_mac, ip, MDNS[0], 5353, answer) for ip in sources]
    others += [_frame(ssdp_mac, ip, SSDP[0], 1900, notify) for ip in sources]
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    raw.bind((args.iface, 0))
    tick = 0.01
    per_tick = args.flood * tick
    sent = passed = 0
    owed = 0.0
    start = next_tick = time.monotonic()
    end = start + args.seconds
    emit("flood_start", 0, pps=args.flood, seconds=args.seconds, query_share=args.query_share)
    while time.monotonic() < end and os.getppid() == args.parent_pid:
        owed += per_tick
        while owed >= 1:
            owed -= 1
            mac = bytes([0x02 | (rng.getrandbits(8) & 0xFC)]) + rng.randbytes(5)
            if rng.random() < args.query_share:
                frame = rng.choices(queries, weights)[0]
                passed += 1
            else:
                frame = rng.choice(others)
            raw.send(frame[:6] + mac + frame[12:])
            sent += 1
        next_tick += tick
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.monotonic() - start
    raw.close()
    emit("flood_end", 0, sent=sent, queries=passed, seconds=round(elapsed, 3))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("mdns", "ssdp", "ordinary", "ndp", "flood"), required=True)
    p.add_argument("--iface", default="eth0")
    p.add_argument("--cycles", type=int, default=1)
    p.add_argument("--interval", type=float, default=600.0)
    p.add_argument("--events")
    p.add_argument("--parent-pid", type=int, default=os.getppid())
    p.add_argument("--flood", type=float, default=10_000.0, help="--mode flood: frames/s")
    p.add_argument("--seconds", type=float, default=10.0, help="--mode flood: length")
    p.add_argument("--query-share", type=float, default=0.5, help="--mode flood: queries")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.mode == "flood" and not (
        0 < args.flood <= 100_000 and 0 < args.seconds <= 600 and 0 <= args.query_share <= 1
    ):
        p.error("--flood must be in (0, 100000], --seconds in (0, 600], --query-share in [0, 1]")

    def on_signal(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emit = Emitter(args.events)
    try:
        host = Enumerator(args.iface)
    except (Refused, OSError) as err:
        print(f"enumerate: {err}", file=sys.stderr)
        return 2
    emit("ready", -1, ip=host.ip, mode=args.mode)
    if args.mode == "flood":
        flood(host, args, emit)
        return 0
    step = {
        "mdns": mdns_cycle,
        "ssdp": ssdp_cycle,
        "ordinary": ordinary_cycle,
        "ndp": ndp_cycle,
    }[args.mode]
    cycle = 0
    while os.getppid() == args.parent_pid:
        began = time.monotonic()
        try:
            step(host, emit, cycle)
        except OSError as err:
            emit("error", cycle, error=f"{type(err).__name__}: {err}")
        cycle += 1
        if args.cycles and cycle >= args.cycles:
            break
        while os.getppid() == args.parent_pid and time.monotonic() < began + args.interval:
            time.sleep(0.1)
    emit("exit", cycle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
