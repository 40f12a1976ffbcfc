#!/usr/bin/env python3
"""A Gozen-Data-like inventory SDK, and ordinary LAN chatter, for the Snoop Guard lab.

Run inside a lab client namespace (root, stdlib only)::

    ip netns exec <ns> python3 -I -S lab/gozen.py --router 198.18.N.1 [--interval 600]
    ip netns exec <ns> python3 -I -S lab/gozen.py --normal --router 198.18.N.1 [--peers A,B,C]

Gozen mode, every ``--interval`` seconds (the Skyworth SDK: 600):

1. ARP sweep of the LAN /24: one raw broadcast who-has per address on ``--iface``
   at ``--rate`` requests/s, collecting the replies (IP, MAC, latency);
2. mDNS (``_services._dns-sd._udp.local`` and friends, reverse lookups of the live
   hosts) and SSDP ``M-SEARCH ssdp:all`` enumeration, NetBIOS node-status queries
   to the live hosts;
3. reverse DNS (PTR) of the live hosts and of the first ``--ptr-extra`` addresses,
   through the router's DNS;
4. a Wi-Fi geolocation lookup (``--geo-host``, default gs-loc.apple.com) through the
   router;
5. HTTP POST of a JSON inventory to ``--upload-host`` (gz-data.com), resolved through
   the router (the lab WAN answers 203.0.113.10).

Normal mode (``--normal``), every ``--interval`` seconds (default 5): what a phone,
a Chromecast and Home Assistant do all day. On the first cycle a phone joining the
network (RFC 5227 probes and announcements for its own address, a DHCP exchange
with busybox udhcpc that changes nothing); then ARP for the gateway,
Chromecast-style mDNS announcements and one mDNS query, an HA-style reachability
check of at most three ``--peers`` (ARP + TCP connect to port 80), two ordinary
lookups and one PTR lookup of the router.

Flood mode (``--flood PPS --seconds S``, for ``benchmarks/bench_scan.py``): broadcast
ARP requests from random MACs mixed with other broadcast frames (see :func:`flood`).

Events go to ``--events`` (JSON lines: ``{"event", "cycle", "t", "mono", ...}``;
``mono`` is CLOCK_MONOTONIC, shared by all namespaces).

Safety: refuses to run in the root network namespace; the interface address, the
router and every target must lie in the lab LAN (198.18.0.0/15, one /24), the
upload address in 203.0.113.0/24; multicast TTL 1. Exits on SIGTERM/SIGINT or when
its parent (``--parent-pid``, default the parent at start) is gone.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import ipaddress
import json
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script with -I
from lab import dnsq

LAB_LAN = ipaddress.ip_network("198.18.0.0/15")
WAN_NET = ipaddress.ip_network("203.0.113.0/24")
ETH_P_ARP = 0x0806
SIOCGIFADDR = 0x8915
SIOCGIFNETMASK = 0x891B
MDNS = ("224.0.0.251", 5353)
SSDP = ("239.255.255.250", 1900)
MDNS_SERVICES = (
    "_services._dns-sd._udp.local",
    "_googlecast._tcp.local",
    "_airplay._tcp.local",
    "_spotify-connect._tcp.local",
    "_http._tcp.local",
    "_printer._tcp.local",
)


class Refused(RuntimeError):
    """A safety check failed."""


# --------------------------------------------------------------------------- helpers


def in_root_netns() -> bool:
    """True when this process shares its network namespace with init (or its parent).

    ``ip netns exec`` gives the child a lab namespace while the caller stays in the
    root one, so "same namespace as the parent" catches a run from a root shell
    where /proc/1 is not readable.
    """
    mine = os.stat("/proc/self/ns/net").st_ino
    for other in ("/proc/1/ns/net", f"/proc/{os.getppid()}/ns/net"):
        try:
            return os.stat(other).st_ino == mine
        except OSError:
            continue
    return True  # cannot tell: assume the worst


def iface_info(iface: str) -> tuple[bytes, str, ipaddress.IPv4Network]:
    """(MAC, IPv4, network) of ``iface``."""
    mac_text = Path("/sys/class/net", iface, "address").read_text().strip()
    mac = bytes.fromhex(mac_text.replace(":", ""))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("256s", iface.encode()[:15])
        ip = socket.inet_ntoa(fcntl.ioctl(s.fileno(), SIOCGIFADDR, req)[20:24])
        mask = socket.inet_ntoa(fcntl.ioctl(s.fileno(), SIOCGIFNETMASK, req)[20:24])
    return mac, ip, ipaddress.ip_network(f"{ip}/{mask}", strict=False)


def lab_lan(ip: str, net: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    """The /24 to work on; refuses anything outside the lab LAN."""
    if ipaddress.ip_address(ip) not in LAB_LAN:
        raise Refused(f"interface address {ip} is not a lab address")
    if net.prefixlen < 24:
        net = ipaddress.ip_network(f"{ip}/24", strict=False)
    if not net.subnet_of(LAB_LAN):
        raise Refused(f"network {net} is not inside the lab LAN")
    return net


def arp_frame(src_mac: bytes, src_ip: str, target_ip: str, op: int = 1) -> bytes:
    frame = (
        b"\xff" * 6
        + src_mac
        + struct.pack("!H", ETH_P_ARP)
        + struct.pack("!HHBBH", 1, 0x0800, 6, 4, op)
        + src_mac
        + socket.inet_aton(src_ip)
        + b"\x00" * 6
        + socket.inet_aton(target_ip)
    )
    return frame.ljust(60, b"\x00")


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.split("."):
        if label:
            raw = label.encode()
            out += bytes([len(raw)]) + raw
    return out + b"\x00"


def mdns_query(names: list[str], qtype: int = 12) -> bytes:
    """An mDNS query (id 0, no flags) for ``names``."""
    body = b"".join(encode_name(n) + struct.pack("!HH", qtype, 1) for n in names)
    return struct.pack("!HHHHHH", 0, 0, len(names), 0, 0, 0) + body


def mdns_response(records: list[bytes]) -> bytes:
    """An unsolicited mDNS response (announcement) carrying ``records``."""
    return struct.pack("!HHHHHH", 0, 0x8400, 0, len(records), 0, 0) + b"".join(records)


def rr(name: str, rtype: int, rdata: bytes, ttl: int = 120) -> bytes:
    """A resource record with the cache-flush class bit (mDNS)."""
    return encode_name(name) + struct.pack("!HHIH", rtype, 0x8001, ttl, len(rdata)) + rdata


def reverse_name(ip: str) -> str:
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


class Emitter:
    def __init__(self, path: str | None) -> None:
        self._fh = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115

    def __call__(self, event: str, cycle: int, **extra: Any) -> None:
        record = {"event": event, "cycle": cycle, "t": time.time(), "mono": time.monotonic()}
        record.update(extra)
        line = json.dumps(record, sort_keys=True)
        if self._fh:
            self._fh.write(line + "\n")
            self._fh.flush()
        else:
            print(line, flush=True)


# --------------------------------------------------------------------------- the SDK


class Host:
    def __init__(self, args: argparse.Namespace) -> None:
        if in_root_netns():
            raise Refused("refusing to run in the root network namespace (use ip netns exec)")
        self.iface: str = args.iface
        self.mac, self.ip, net = iface_info(self.iface)
        self.lan = lab_lan(self.ip, net)
        self.router: str = args.router
        if ipaddress.ip_address(self.router) not in self.lan:
            raise Refused(f"router {self.router} is outside {self.lan}")
        self.raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
        self.raw.bind((self.iface, ETH_P_ARP))
        self.raw.setblocking(False)

    def check_target(self, ip: str) -> str:
        if ipaddress.ip_address(ip) not in self.lan:
            raise Refused(f"target {ip} is outside {self.lan}")
        return ip

    def send_arp(self, target: str, *, src_ip: str | None = None, op: int = 1) -> None:
        self.check_target(target)
        self.raw.send(arp_frame(self.mac, src_ip or self.ip, target, op))

    def drain(self, live: dict[str, dict[str, Any]], sent: dict[str, float], until: float) -> None:
        """Collect ARP replies addressed to us until ``until`` (monotonic)."""
        me = socket.inet_aton(self.ip)
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.raw], [], [], left)
            if not ready:
                return
            while True:
                try:
                    frame = self.raw.recv(128)
                except BlockingIOError:
                    break
                if len(frame) < 42 or frame[20:22] != b"\x00\x02" or frame[38:42] != me:
                    continue
                ip = socket.inet_ntoa(frame[28:32])
                if ip in sent and ip not in live:
                    live[ip] = {
                        "ip": ip,
                        "mac": frame[22:28].hex(":"),
                        "latency_ms": round((time.monotonic() - sent[ip]) * 1000, 3),
                    }

    def mcast_socket(self) -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.ip))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        return s


def gozen_cycle(host: Host, args: argparse.Namespace, cycle: int, emit: Emitter) -> None:
    targets = [str(h) for h in host.lan.hosts() if str(h) != host.ip]
    emit("sweep_start", cycle, targets=len(targets), rate=args.rate)
    live: dict[str, dict[str, Any]] = {}
    sent: dict[str, float] = {}
    start = time.monotonic()
    for i, target in enumerate(targets):
        host.drain(live, sent, start + i / args.rate)
        host.send_arp(target)
        sent[target] = time.monotonic()
    host.drain(live, sent, time.monotonic() + 0.3)
    emit("sweep_end", cycle, live=sorted(live), seconds=round(time.monotonic() - start, 3))

    # mDNS / SSDP / NetBIOS enumeration
    with host.mcast_socket() as s:
        s.sendto(mdns_query(list(MDNS_SERVICES)), MDNS)
        for ip in sorted(live):
            s.sendto(mdns_query([reverse_name(ip)]), MDNS)
        search = (
            "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
            'MAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n'
        )
        s.sendto(search.encode(), SSDP)
    nbstat = struct.pack("!HHHHHH", random.randrange(65536), 0, 1, 0, 0, 0)
    nbstat += b"\x20" + b"CK" + b"AA" * 15 + b"\x00" + struct.pack("!HH", 0x21, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for ip in sorted(live):
            s.sendto(nbstat, (host.check_target(ip), 137))
    emit("discovery", cycle, mdns=len(MDNS_SERVICES) + len(live), ssdp=1, netbios=len(live))

    # reverse DNS through the router
    names: dict[str, str] = {}
    extra = [str(h) for h in list(host.lan.hosts())[: args.ptr_extra]]
    for ip in dict.fromkeys([*sorted(live), *extra]):
        try:
            answer = dnsq.query(
                host.router, reverse_name(host.check_target(ip)), "PTR", timeout=0.5
            )
        except OSError:
            continue
        for record in answer.get("answers", []):
            if record.get("type") == "PTR":
                names[ip] = str(record.get("data"))
    emit("ptr", cycle, lookups=len(set(live) | set(extra)), names=len(names))

    # Wi-Fi geolocation ("which networks are in range?"), then the upload
    geo = dnsq.query(host.router, args.geo_host, "A", timeout=1.0)
    emit("geolocation", cycle, host=args.geo_host, ips=geo.get("ips", []))
    inventory = {
        "sdk": "gozen-lab",
        "device": {"mac": host.mac.hex(":"), "ip": host.ip},
        "wifi": [{"bssid": "02:00:00:00:00:01", "ssid": "lab-synthetic", "rssi": -42}],
        "lan": [{**entry, "hostname": names.get(ip)} for ip, entry in sorted(live.items())],
    }
    ips = dnsq.query(host.router, args.upload_host, "A", timeout=1.0).get("ips", [])
    status: object = None
    if ips and ipaddress.ip_address(ips[0]) in WAN_NET:
        request = urllib.request.Request(
            f"http://{ips[0]}/v1/inventory",
            data=json.dumps(inventory).encode(),
            headers={"Content-Type": "application/json", "Host": args.upload_host},
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=2.0) as resp:
                resp.read(4096)
                status = resp.status
        except Exception as err:
            status = f"{type(err).__name__}: {err}"
    emit("upload", cycle, host=args.upload_host, ip=ips[0] if ips else None, status=status)


# --------------------------------------------------------------------------- normal chatter


def normal_cycle(host: Host, args: argparse.Namespace, cycle: int, emit: Emitter) -> None:
    if cycle == 0:
        # a phone joining: RFC 5227 probes and announcements for its own address, then DHCP
        for _ in range(3):
            host.send_arp(host.ip, src_ip="0.0.0.0")
            time.sleep(0.1)
        for _ in range(2):
            host.send_arp(host.ip)  # gratuitous announcement (sender == target)
            time.sleep(0.1)
        if not args.no_dhcp:
            busybox = "/usr/bin/busybox" if os.path.exists("/usr/bin/busybox") else "/bin/busybox"
            if os.path.exists(busybox):
                opt = f"hostname:{args.hostname}" if args.hostname else "hostname:phone"
                cp = subprocess.run(
                    [
                        busybox,
                        "udhcpc",
                        "-i",
                        host.iface,
                        "-n",
                        "-q",
                        "-f",
                        "-t",
                        "2",
                        "-T",
                        "1",
                        "-s",
                        "/bin/true",
                        "-x",
                        opt,
                    ],
                    capture_output=True,
                    timeout=10,
                    check=False,
                )
                emit("dhcp", cycle, rc=cp.returncode)
        emit("joined", cycle)
    host.send_arp(host.router)  # gateway
    with host.mcast_socket() as s:
        instance = f"Chromecast-{host.mac.hex()[-4:]}._googlecast._tcp.local"
        records = [
            rr("_googlecast._tcp.local", 12, encode_name(instance)),
            rr(instance, 16, b"\x0cmd=Chromecast"),
        ]
        s.sendto(mdns_response(records), MDNS)
        s.sendto(mdns_query(["_googlecast._tcp.local"]), MDNS)
    peers = [host.check_target(p) for p in args.peers[:3]]
    for peer in peers:  # HA-style reachability check (like ping / nmap -sn of a few hosts)
        host.send_arp(peer)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.3)
            with contextlib.suppress(OSError):
                s.connect((peer, 80))
    for name in ("www.youtube.com", "connectivitycheck.gstatic.com"):
        dnsq.query(host.router, name, "A", timeout=0.5)
    dnsq.query(host.router, reverse_name(host.router), "PTR", timeout=0.5)
    emit("normal", cycle, peers=peers)


# --------------------------------------------------------------------------- flood


def flood(host: Host, args: argparse.Namespace, emit: Emitter) -> None:
    """Broadcast flood for the benchmark: ARP requests from random MACs, and other frames.

    ``--arp-share`` of the frames are ARP requests with a random (unicast, locally
    administered) sender MAC, asking for the top 50 addresses of the /24 (outside the
    DHCP range, so no kernel answers or learns anything); the rest are broadcasts of
    the IEEE "local experimental" ethertype 0x88B5, which every kernel drops.
    """
    hosts = list(host.lan.hosts())[-50:]
    targets = [socket.inet_aton(host.check_target(str(h))) for h in hosts]
    sender_ip = socket.inet_aton(host.check_target(str(hosts[0])))
    head = b"\xff" * 6
    arp_fixed = struct.pack("!HHHBBH", ETH_P_ARP, 1, 0x0800, 6, 4, 1)
    other = head + host.mac + b"\x88\xb5" + b"snoop-guard-lab-flood".ljust(46, b"\x00")
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    raw.bind((host.iface, 0))
    rng = random.Random(args.seed)
    tick = 0.01
    per_tick = args.flood * tick
    sent = arp_sent = 0
    owed = 0.0
    start = time.monotonic()
    emit("flood_start", 0, pps=args.flood, seconds=args.seconds, arp_share=args.arp_share)
    end = start + args.seconds
    next_tick = start
    while time.monotonic() < end and os.getppid() == args.parent_pid:
        owed += per_tick
        while owed >= 1:
            owed -= 1
            if rng.random() < args.arp_share:
                mac = bytes([0x02 | (rng.getrandbits(8) & 0xFC)]) + rng.randbytes(5)
                frame = head + mac + arp_fixed + mac + sender_ip + b"\x00" * 6
                raw.send((frame + rng.choice(targets)).ljust(60, b"\x00"))
                arp_sent += 1
            else:
                raw.send(other)
            sent += 1
        next_tick += tick
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.monotonic() - start
    raw.close()
    emit("flood_end", 0, sent=sent, arp=arp_sent, seconds=round(elapsed, 3))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iface", default="eth0")
    p.add_argument("--router", required=True)
    p.add_argument("--normal", action="store_true", help="ordinary chatter instead of the SDK")
    p.add_argument("--interval", type=float)
    p.add_argument("--cycles", type=int, default=0, help="stop after N cycles (0: forever)")
    p.add_argument("--rate", type=float, default=200.0, help="ARP requests per second")
    p.add_argument("--ptr-extra", type=int, default=16)
    p.add_argument("--geo-host", default="gs-loc.apple.com")
    p.add_argument("--upload-host", default="gz-data.com")
    p.add_argument("--peers", type=lambda s: [x for x in s.split(",") if x], default=[])
    p.add_argument("--hostname")
    p.add_argument("--no-dhcp", action="store_true")
    p.add_argument("--events")
    p.add_argument("--parent-pid", type=int, default=os.getppid())
    p.add_argument("--flood", type=float, help="benchmark: broadcast frames per second")
    p.add_argument("--seconds", type=float, default=10.0, help="length of the --flood")
    p.add_argument("--arp-share", type=float, default=0.5, help="ARP part of the --flood")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.interval is None:
        args.interval = 5.0 if args.normal else 600.0
    if not 1 <= args.rate <= 5000 or args.interval <= 0 or len(args.peers) > 3:
        p.error("need 1 <= --rate <= 5000, --interval > 0 and at most 3 --peers")

    def on_signal(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emit = Emitter(args.events)
    try:
        host = Host(args)
    except (Refused, OSError) as err:
        print(f"gozen: {err}", file=sys.stderr)
        return 2
    emit("ready", -1, ip=host.ip, mac=host.mac.hex(":"), lan=str(host.lan), normal=args.normal)
    if args.flood:
        if not 0 < args.flood <= 100_000 or not 0 < args.seconds <= 600:
            print("gozen: --flood must be in (0, 100000] for (0, 600] s", file=sys.stderr)
            return 2
        flood(host, args, emit)
        return 0
    cycle = 0
    step = normal_cycle if args.normal else gozen_cycle
    while os.getppid() == args.parent_pid:
        began = time.monotonic()
        try:
            step(host, args, cycle, emit)
        except Refused as err:
            print(f"gozen: {err}", file=sys.stderr)
            return 2
        except OSError as err:
            emit("error", cycle, error=f"{type(err).__name__}: {err}")
        cycle += 1
        if args.cycles and cycle >= args.cycles:
            break
        deadline = began + args.interval
        while os.getppid() == args.parent_pid and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
    emit("exit", cycle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
