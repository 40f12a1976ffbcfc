#!/usr/bin/env python3
"""Make a lab device announce itself like a real one (mDNS, SSDP, UPnP description), and
small clients to hear it (run in the root namespace on the lab's host interface).

    announce.py serve --profile P --ip IP --mac MAC --hostname H --lan CIDR
                      [--iface eth0] [--interval S] [--parent-pid PID] [--log FILE]
    announce.py mdns-query  --bind-ip IP [--timeout S] SERVICE_TYPE...   # JSON answers
    announce.py mdns-listen --bind-ip IP [--timeout S]                   # JSON announcements
    announce.py ssdp-search --bind-ip IP [--timeout S] [--st ST]         # JSON responses
    announce.py ssdp-listen --bind-ip IP [--timeout S]                   # JSON NOTIFYs
    announce.py fetch URL                                                # body on stdout

``serve`` runs inside a device's network namespace. It answers mDNS queries (PTR for its
service types and ``_services._dns-sd._udp.local``, SRV/TXT/A/ANY for its names) on
224.0.0.251:5353 and sends unsolicited announcements every INTERVAL seconds; it sends SSDP
``NOTIFY ssdp:alive`` to 239.255.255.250:1900 every INTERVAL seconds and answers
M-SEARCH; and it serves its UPnP device description over HTTP on its own LAN IP. All
sockets are bound to the device's interface (SO_BINDTODEVICE) and address; multicast TTL
is 255 (mDNS) / 2 (SSDP) and only the two link-local groups above are ever sent to.
Unicast replies go only to senders inside --lan. Profiles: ``skyworth-tv`` (Android TV:
``_androidtvremote2._tcp``, DIAL + MediaRenderer, manufacturer Skyworth), ``chromecast``
(``_googlecast._tcp`` md=Chromecast, DIAL "Eureka Dongle" by Google Inc.), ``sonos``
(``_sonos._tcp``, ``_spotify-connect._tcp``, ``_airplay._tcp``, ZonePlayer "Sonos One").

The clients refuse bind addresses and URLs outside the lab ranges (198.18.0.0/15).
stdlib only; Python 3.11+. Exits on SIGTERM/SIGINT or when --parent-pid is gone.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import hashlib
import ipaddress
import json
import os
import random
import select
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MDNS_GROUP = "224.0.0.251"
MDNS_PORT = 5353
SSDP_GROUP = "239.255.255.250"
SSDP_PORT = 1900
LAB_NET = ipaddress.IPv4Network("198.18.0.0/15")
SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)

T_A, T_PTR, T_TXT, T_SRV, T_ANY = 1, 12, 16, 33, 255
CLASS_IN = 1
CACHE_FLUSH = 0x8000
SERVICES_META = "_services._dns-sd._udp.local"


# --------------------------------------------------------------------------- profiles


def _uuid(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _description(device_type: str, fields: dict[str, str], services: list[str]) -> str:
    body = "".join(f"    <{k}>{_xml_escape(v)}</{k}>\n" for k, v in fields.items())
    service_xml = "".join(
        "      <service>\n"
        f"        <serviceType>{s}</serviceType>\n"
        f"        <serviceId>urn:upnp-org:serviceId:{s.split(':')[-2]}</serviceId>\n"
        "      </service>\n"
        for s in services
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<root xmlns="urn:schemas-upnp-org:device-1-0">\n'
        "  <specVersion><major>1</major><minor>0</minor></specVersion>\n"
        "  <device>\n"
        f"    <deviceType>{device_type}</deviceType>\n"
        f"{body}"
        f"    <serviceList>\n{service_xml}    </serviceList>\n"
        "  </device>\n"
        "</root>\n"
    )


def build_profile(name: str, mac: str, hostname: str, ip: str) -> dict[str, Any]:
    """What the device announces: mDNS services, SSDP types, description document."""
    compact = mac.replace(":", "").upper()
    tag = hashlib.sha256(mac.encode()).hexdigest()
    host = hostname
    if name == "skyworth-tv":
        udn = _uuid("skyworth" + mac)
        renderer = "urn:schemas-upnp-org:device:MediaRenderer:1"
        services = [
            "urn:schemas-upnp-org:service:RenderingControl:1",
            "urn:schemas-upnp-org:service:ConnectionManager:1",
            "urn:schemas-upnp-org:service:AVTransport:1",
            "urn:dial-multiscreen-org:service:dial:1",
        ]
        return {
            "host": host,
            "mdns": [
                {
                    "type": "_androidtvremote2._tcp",
                    "instance": "Skyworth TV",
                    "port": 6466,
                    "txt": {"bt": ":".join([compact[i : i + 2] for i in range(0, 10, 2)] + ["FE"])},
                }
            ],
            "ssdp": {
                "port": 49152,
                "path": "/description.xml",
                "udn": udn,
                "server": "Linux/4.19.116 UPnP/1.0 Platinum/1.0.5.13",
                "nts": ["upnp:rootdevice", f"uuid:{udn}", renderer, *services],
                "description": _description(
                    renderer,
                    {
                        "friendlyName": "Skyworth TV",
                        "manufacturer": "Skyworth",
                        "manufacturerURL": "http://www.skyworth.com",
                        "modelDescription": "Skyworth Android TV",
                        "modelName": "Q20300",
                        "modelNumber": "55Q71",
                        "serialNumber": compact,
                        "UDN": f"uuid:{udn}",
                    },
                    services,
                ),
            },
        }
    if name == "chromecast":
        cast_id = tag[:32]
        udn = _uuid("chromecast" + mac)
        dial = "urn:dial-multiscreen-org:device:dial:1"
        services = ["urn:dial-multiscreen-org:service:dial:1"]
        return {
            "host": f"{_uuid('cc' + mac)}",
            "mdns": [
                {
                    "type": "_googlecast._tcp",
                    "instance": f"Chromecast-{cast_id}",
                    "port": 8009,
                    "txt": {
                        "id": cast_id,
                        "cd": tag[32:64].upper(),
                        "rm": "",
                        "ve": "05",
                        "md": "Chromecast",
                        "ic": "/setup/icon.png",
                        "fn": "Living Room TV",
                        "ca": "4101",
                        "st": "0",
                        "bs": "FA8F" + tag[:8].upper(),
                        "nf": "1",
                        "rs": "",
                    },
                }
            ],
            "ssdp": {
                "port": 8008,
                "path": "/ssdp/device-desc.xml",
                "udn": udn,
                "server": "Linux/3.8.13+, UPnP/1.0, Portable SDK for UPnP devices/1.6.18",
                "nts": ["upnp:rootdevice", f"uuid:{udn}", dial, *services],
                "description": _description(
                    dial,
                    {
                        "friendlyName": "Living Room TV",
                        "manufacturer": "Google Inc.",
                        "modelName": "Eureka Dongle",
                        "UDN": f"uuid:{udn}",
                    },
                    services,
                ),
            },
        }
    if name == "sonos":
        rincon = f"RINCON_{compact}01400"
        zone = "urn:schemas-upnp-org:device:ZonePlayer:1"
        services = [
            "urn:schemas-upnp-org:service:AlarmClock:1",
            "urn:schemas-upnp-org:service:DeviceProperties:1",
            "urn:schemas-upnp-org:service:ZoneGroupTopology:1",
        ]
        return {
            "host": host,
            "mdns": [
                {
                    "type": "_sonos._tcp",
                    "instance": f"Sonos-{compact}",
                    "port": 1443,
                    "txt": {
                        "info": f"/api/v1/players/{rincon}/info",
                        "vers": "3",
                        "protovers": "1.24.1",
                        "bootseq": "12",
                        "hhid": "Sonos_lab",
                    },
                },
                {
                    "type": "_spotify-connect._tcp",
                    "instance": "Kitchen",
                    "port": 1400,
                    "txt": {"CPath": "/spotifyzc", "VERSION": "1.0"},
                },
                {
                    "type": "_airplay._tcp",
                    "instance": "Kitchen",
                    "port": 7000,
                    "txt": {
                        "deviceid": ":".join(compact[i : i + 2] for i in range(0, 12, 2)),
                        "manufacturer": "Sonos",
                        "model": "One",
                        "features": "0x445F8A00,0x1C340",
                        "srcvers": "366.0",
                    },
                },
            ],
            "ssdp": {
                "port": 1400,
                "path": "/xml/device_description.xml",
                "udn": rincon,
                "server": "Linux UPnP/1.0 Sonos/72.2-31230 (ZPS13)",
                "nts": ["upnp:rootdevice", f"uuid:{rincon}", zone, *services],
                "description": _description(
                    zone,
                    {
                        "friendlyName": f"{ip} - Sonos One",
                        "manufacturer": "Sonos, Inc.",
                        "manufacturerURL": "http://www.sonos.com",
                        "modelNumber": "S13",
                        "modelDescription": "Sonos One",
                        "modelName": "Sonos One",
                        "serialNumber": f"{mac.upper().replace(':', '-')}:E",
                        "UDN": f"uuid:{rincon}",
                    },
                    services,
                ),
            },
        }
    raise ValueError(f"unknown profile {name!r}")


# --------------------------------------------------------------------------- DNS wire


def _encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("utf-8")[:63]
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def _decode_name(data: bytes, offset: int) -> tuple[str, int]:
    labels: list[str] = []
    jumped = False
    end = offset
    hops = 0
    while True:
        if offset >= len(data):
            raise ValueError("truncated name")
        length = data[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise ValueError("truncated pointer")
            hops += 1
            if hops > 32:
                raise ValueError("pointer loop")
            pointer = ((length & 0x3F) << 8) | data[offset + 1]
            if not jumped:
                end = offset + 2
            jumped = True
            offset = pointer
            continue
        if length & 0xC0:
            raise ValueError("bad label")
        offset += 1
        if length == 0:
            break
        labels.append(data[offset : offset + length].decode("utf-8", "replace"))
        offset += length
        if len(labels) > 64:
            raise ValueError("too many labels")
    return ".".join(labels), (end if jumped else offset)


def _rr(name: str, rtype: int, ttl: int, rdata: bytes, flush: bool) -> bytes:
    rclass = CLASS_IN | (CACHE_FLUSH if flush else 0)
    return _encode_name(name) + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def _txt_rdata(txt: dict[str, str]) -> bytes:
    out = b""
    for key, value in txt.items():
        item = f"{key}={value}".encode()[:255]
        out += bytes([len(item)]) + item
    return out or b"\x00"


def parse_message(data: bytes) -> dict[str, Any]:
    """Parse a DNS message into questions and resource records (TXT/PTR/SRV/A decoded)."""
    if len(data) < 12:
        raise ValueError("short message")
    ident, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", data[:12])
    offset = 12
    questions = []
    for _ in range(min(qd, 64)):
        name, offset = _decode_name(data, offset)
        qtype, qclass = struct.unpack("!HH", data[offset : offset + 4])
        offset += 4
        questions.append({"name": name, "type": qtype, "unicast": bool(qclass & 0x8000)})
    records = []
    for _ in range(min(an + ns + ar, 256)):
        name, offset = _decode_name(data, offset)
        rtype, _rclass, ttl, length = struct.unpack("!HHIH", data[offset : offset + 10])
        offset += 10
        rdata = data[offset : offset + length]
        record: dict[str, Any] = {"name": name, "type": rtype, "ttl": ttl}
        if rtype == T_PTR:
            record["target"] = _decode_name(data, offset)[0]
        elif rtype == T_SRV:
            _prio, _weight, port = struct.unpack("!HHH", rdata[:6])
            record["port"] = port
            record["target"] = _decode_name(data, offset + 6)[0]
        elif rtype == T_A and length == 4:
            record["address"] = socket.inet_ntoa(rdata)
        elif rtype == T_TXT:
            txt: dict[str, str] = {}
            pos = 0
            while pos < len(rdata):
                size = rdata[pos]
                item = rdata[pos + 1 : pos + 1 + size].decode("utf-8", "replace")
                pos += 1 + size
                if item:
                    key, _, value = item.partition("=")
                    txt.setdefault(key, value)
            record["txt"] = txt
        records.append(record)
        offset += length
    return {"id": ident, "flags": flags, "questions": questions, "records": records}


# --------------------------------------------------------------------------- responder


class Responder:
    def __init__(self, profile: dict[str, Any], ip: str, lan: ipaddress.IPv4Network) -> None:
        self.profile = profile
        self.ip = ip
        self.lan = lan
        self.host = f"{profile['host']}.local"
        self.services = profile.get("mdns", [])

    def _service_records(self, svc: dict[str, Any], ttl_short: int, flush: bool) -> list[bytes]:
        stype = f"{svc['type']}.local"
        instance = f"{svc['instance']}.{stype}"
        srv = struct.pack("!HHH", 0, 0, int(svc["port"])) + _encode_name(self.host)
        return [
            _rr(stype, T_PTR, 4500 if ttl_short > 10 else ttl_short, _encode_name(instance), False),
            _rr(instance, T_SRV, ttl_short, srv, flush),
            _rr(
                instance,
                T_TXT,
                4500 if ttl_short > 10 else ttl_short,
                _txt_rdata(svc["txt"]),
                flush,
            ),
            _rr(self.host, T_A, ttl_short, socket.inet_aton(self.ip), flush),
        ]

    def answers(self, questions: list[dict[str, Any]], legacy: bool) -> list[bytes]:
        ttl = 10 if legacy else 120
        flush = not legacy
        out: list[bytes] = []
        for q in questions:
            qname = q["name"].lower().rstrip(".")
            qtype = q["type"]
            if qname == SERVICES_META and qtype in (T_PTR, T_ANY):
                for svc in self.services:
                    out.append(
                        _rr(
                            SERVICES_META,
                            T_PTR,
                            ttl if legacy else 4500,
                            _encode_name(f"{svc['type']}.local"),
                            False,
                        )
                    )
                continue
            for svc in self.services:
                stype = f"{svc['type']}.local".lower()
                instance = f"{svc['instance']}.{svc['type']}.local".lower()
                if (qname == stype and qtype in (T_PTR, T_ANY)) or (
                    qname == instance and qtype in (T_SRV, T_TXT, T_ANY)
                ):
                    out.extend(self._service_records(svc, ttl, flush))
            if qname == self.host.lower() and qtype in (T_A, T_ANY):
                out.append(_rr(self.host, T_A, ttl, socket.inet_aton(self.ip), flush))
        unique: list[bytes] = []
        for item in out:
            if item not in unique:
                unique.append(item)
        return unique

    def message(self, records: list[bytes], ident: int = 0, question: bytes = b"") -> bytes:
        qd = 1 if question else 0
        header = struct.pack("!HHHHHH", ident, 0x8400, qd, len(records), 0, 0)
        return header + question + b"".join(records)

    def announcements(self) -> list[bytes]:
        return [self.message(self._service_records(svc, 120, True)) for svc in self.services]


def _mcast_socket(group: str, port: int, ip: str, iface: str | None, ttl: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if iface:
        sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    sock.bind(("", port))
    mreq = socket.inet_aton(group) + socket.inet_aton(ip)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    return sock


def _ssdp_lines(start: str, headers: list[tuple[str, str]]) -> bytes:
    return ("\r\n".join([start, *(f"{k}: {v}" for k, v in headers)]) + "\r\n\r\n").encode()


def _parse_http_headers(data: bytes) -> tuple[str, dict[str, str]]:
    text = data[:8192].decode("utf-8", "replace")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers.setdefault(key.strip().upper(), value.strip())
    return lines[0].strip() if lines else "", headers


class SsdpDevice:
    def __init__(self, profile: dict[str, Any], ip: str) -> None:
        ssdp = profile["ssdp"]
        self.udn = ssdp["udn"]
        self.server = ssdp["server"]
        self.nts: list[str] = ssdp["nts"]
        self.location = f"http://{ip}:{ssdp['port']}{ssdp['path']}"

    def usn(self, nt: str) -> str:
        return f"uuid:{self.udn}" if nt == f"uuid:{self.udn}" else f"uuid:{self.udn}::{nt}"

    def notifies(self) -> list[bytes]:
        return [
            _ssdp_lines(
                "NOTIFY * HTTP/1.1",
                [
                    ("HOST", f"{SSDP_GROUP}:{SSDP_PORT}"),
                    ("CACHE-CONTROL", "max-age=1800"),
                    ("LOCATION", self.location),
                    ("NT", nt),
                    ("NTS", "ssdp:alive"),
                    ("SERVER", self.server),
                    ("USN", self.usn(nt)),
                ],
            )
            for nt in self.nts
        ]

    def responses(self, st: str) -> list[bytes]:
        wanted = self.nts if st == "ssdp:all" else [nt for nt in self.nts if nt == st]
        return [
            _ssdp_lines(
                "HTTP/1.1 200 OK",
                [
                    ("CACHE-CONTROL", "max-age=1800"),
                    ("DATE", email.utils.formatdate(usegmt=True)),
                    ("EXT", ""),
                    ("LOCATION", self.location),
                    ("SERVER", self.server),
                    ("ST", nt),
                    ("USN", self.usn(nt)),
                ],
            )
            for nt in wanted
        ]


def _serve_description(profile: dict[str, Any], ip: str) -> ThreadingHTTPServer:
    ssdp = profile["ssdp"]
    body = ssdp["description"].encode()
    path = ssdp["path"]

    class Handler(BaseHTTPRequestHandler):
        server_version = "Lab-UPnP/1.0"

        def do_GET(self) -> None:
            if self.path != path:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", 'text/xml; charset="utf-8"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

        def server_bind(self) -> None:  # no reverse DNS lookup (see httpd.py)
            socketserver.TCPServer.server_bind(self)
            self.server_name = ip
            self.server_port = int(ssdp["port"])

    server = Server((ip, int(ssdp["port"])), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(args: argparse.Namespace) -> int:
    lan = ipaddress.IPv4Network(args.lan)
    ip = args.ip
    if ipaddress.ip_address(ip) not in lan or not lan.subnet_of(LAB_NET):
        print("announce: refusing to serve outside the lab LAN", file=sys.stderr)
        return 2
    profile = build_profile(args.profile, args.mac.lower(), args.hostname, ip)
    responder = Responder(profile, ip, lan)
    ssdp = SsdpDevice(profile, ip)
    log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115

    def note(text: str) -> None:
        if log:
            log.write(f"{time.time():.3f} {text}\n")
            log.flush()

    _serve_description(profile, ip)
    mdns = _mcast_socket(MDNS_GROUP, MDNS_PORT, ip, args.iface, 255)
    ssdp_sock = _mcast_socket(SSDP_GROUP, SSDP_PORT, ip, args.iface, 2)
    # SSDP replies and NOTIFYs come from the device's own address (not the group port)
    ssdp_out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    if args.iface:
        ssdp_out.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, args.iface.encode())
    ssdp_out.bind((ip, 0))
    ssdp_out.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
    ssdp_out.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)

    def stop(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("READY", flush=True)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    next_announce = 0.0
    parent = args.parent_pid
    while True:
        now = time.monotonic()
        if now >= next_announce:
            if parent and not _alive(parent):
                return 0
            for packet in responder.announcements():
                mdns.sendto(packet, (MDNS_GROUP, MDNS_PORT))
            for packet in ssdp.notifies():
                ssdp_out.sendto(packet, (SSDP_GROUP, SSDP_PORT))
            note("announced")
            next_announce = now + args.interval
        ready, _, _ = select.select([mdns, ssdp_sock], [], [], max(0.05, next_announce - now))
        for sock in ready:
            try:
                data, (src, port) = sock.recvfrom(9000)
            except OSError:
                continue
            if ipaddress.ip_address(src) not in lan or src == ip:
                continue
            if sock is mdns:
                _answer_mdns(responder, mdns, data, src, port, note)
            else:
                _answer_ssdp(ssdp, ssdp_out, data, src, port, note)


def _answer_mdns(
    responder: Responder, sock: socket.socket, data: bytes, src: str, port: int, note: Any
) -> None:
    try:
        message = parse_message(data)
    except (ValueError, struct.error, IndexError):
        return
    if message["flags"] & 0x8000 or not message["questions"]:
        return  # a response, not a query
    legacy = port != MDNS_PORT
    records = responder.answers(message["questions"], legacy)
    if not records:
        return
    if legacy:
        # RFC 6762 6.7: legacy unicast reply, same id, question repeated
        q = message["questions"][0]
        question = _encode_name(q["name"]) + struct.pack("!HH", q["type"], CLASS_IN)
        sock.sendto(responder.message(records, message["id"], question), (src, port))
    elif any(q["unicast"] for q in message["questions"]):
        sock.sendto(responder.message(records), (src, port))
    else:
        sock.sendto(responder.message(records), (MDNS_GROUP, MDNS_PORT))
    note(f"mdns answer to {src}:{port}")


def _answer_ssdp(
    device: SsdpDevice, sock: socket.socket, data: bytes, src: str, port: int, note: Any
) -> None:
    start, headers = _parse_http_headers(data)
    if not start.upper().startswith("M-SEARCH") or headers.get("MAN", "").strip('"') != (
        "ssdp:discover"
    ):
        return
    st = headers.get("ST", "")
    replies = device.responses(st)
    if not replies:
        return
    try:
        mx = min(max(int(headers.get("MX", "1")), 0), 5)
    except ValueError:
        mx = 1
    time.sleep(random.uniform(0, min(mx, 1) * 0.2))  # jitter, not crypto
    for reply in replies:
        sock.sendto(reply, (src, port))
    note(f"ssdp answer to {src}:{port} st={st}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- clients


def _lab_ip(value: str) -> str:
    if ipaddress.ip_address(value) not in LAB_NET:
        raise SystemExit(f"refusing non-lab address {value}")
    return value


def _client_socket(bind_ip: str, ttl: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.bind((bind_ip, 0))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(bind_ip))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    return sock


def _collect(sock: socket.socket, timeout: float, handle: Any) -> None:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            break
        data, (src, port) = sock.recvfrom(9000)
        if ipaddress.ip_address(src) in LAB_NET:
            handle(data, src, port)


def _services_from(message: dict[str, Any], src: str) -> list[dict[str, Any]]:
    """Group the records of one mDNS response into resolved service instances."""
    records = message["records"]
    addresses = {r["name"].lower(): r["address"] for r in records if "address" in r}
    out = []
    for ptr in (r for r in records if r["type"] == T_PTR and not r["name"].startswith("_services")):
        instance = ptr["target"]
        srv = next((r for r in records if r["type"] == T_SRV and r["name"] == instance), None)
        txt = next((r for r in records if r["type"] == T_TXT and r["name"] == instance), None)
        host = srv["target"] if srv else None
        out.append(
            {
                "src": src,
                "type": ptr["name"],
                "name": instance,
                "hostname": host,
                "port": srv["port"] if srv else None,
                "addresses": [addresses[host.lower()]]
                if host and host.lower() in addresses
                else [],
                "properties": txt["txt"] if txt else {},
            }
        )
    return out


def mdns_query(args: argparse.Namespace) -> int:
    bind_ip = _lab_ip(args.bind_ip)
    sock = _client_socket(bind_ip, 255)
    question = b"".join(
        _encode_name(f"{t.rstrip('.').removesuffix('.local')}.local") + struct.pack("!HH", T_PTR, 1)
        for t in args.types
    )
    query = struct.pack("!HHHHHH", 0x5347, 0, len(args.types), 0, 0, 0) + question
    found: list[dict[str, Any]] = []

    def handle(data: bytes, src: str, _port: int) -> None:
        with contextlib.suppress(ValueError, struct.error, IndexError):
            found.extend(_services_from(parse_message(data), src))

    for _ in range(2):
        sock.sendto(query, (MDNS_GROUP, MDNS_PORT))
        _collect(sock, args.timeout / 2, handle)
    unique = {json.dumps(f, sort_keys=True): f for f in found}
    print(json.dumps(list(unique.values()), indent=1))
    return 0


def mdns_listen(args: argparse.Namespace) -> int:
    bind_ip = _lab_ip(args.bind_ip)
    sock = _mcast_socket(MDNS_GROUP, MDNS_PORT, bind_ip, args.iface, 255)
    found: list[dict[str, Any]] = []

    def handle(data: bytes, src: str, _port: int) -> None:
        try:
            message = parse_message(data)
        except (ValueError, struct.error, IndexError):
            return
        if message["flags"] & 0x8000:
            found.extend(_services_from(message, src))

    _collect(sock, args.timeout, handle)
    unique = {json.dumps(f, sort_keys=True): f for f in found}
    print(json.dumps(list(unique.values()), indent=1))
    return 0


def ssdp_search(args: argparse.Namespace) -> int:
    bind_ip = _lab_ip(args.bind_ip)
    sock = _client_socket(bind_ip, 2)
    request = _ssdp_lines(
        "M-SEARCH * HTTP/1.1",
        [
            ("HOST", f"{SSDP_GROUP}:{SSDP_PORT}"),
            ("MAN", '"ssdp:discover"'),
            ("MX", "1"),
            ("ST", args.st),
        ],
    )
    found: list[dict[str, Any]] = []

    def handle(data: bytes, src: str, _port: int) -> None:
        start, headers = _parse_http_headers(data)
        if start.upper().startswith("HTTP/1.1 200"):
            found.append({"src": src, "headers": headers})

    sock.sendto(request, (SSDP_GROUP, SSDP_PORT))
    _collect(sock, args.timeout, handle)
    print(json.dumps(found, indent=1))
    return 0


def ssdp_listen(args: argparse.Namespace) -> int:
    bind_ip = _lab_ip(args.bind_ip)
    sock = _mcast_socket(SSDP_GROUP, SSDP_PORT, bind_ip, args.iface, 2)
    found: list[dict[str, Any]] = []

    def handle(data: bytes, src: str, _port: int) -> None:
        start, headers = _parse_http_headers(data)
        if start.upper().startswith("NOTIFY"):
            found.append({"src": src, "headers": headers})

    _collect(sock, args.timeout, handle)
    print(json.dumps(found, indent=1))
    return 0


def fetch(args: argparse.Namespace) -> int:
    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or url.hostname is None:
        raise SystemExit("only http:// URLs")
    _lab_ip(url.hostname)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(args.url, timeout=args.timeout) as response:  # lab addresses only
        sys.stdout.buffer.write(response.read(256 * 1024))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="announce.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--profile", required=True, choices=("skyworth-tv", "chromecast", "sonos"))
    s.add_argument("--ip", required=True)
    s.add_argument("--mac", required=True)
    s.add_argument("--hostname", required=True)
    s.add_argument("--lan", required=True)
    s.add_argument("--iface", default="eth0")
    s.add_argument("--interval", type=float, default=3.0)
    s.add_argument("--parent-pid", type=int, default=0)
    s.add_argument("--log")
    for name in ("mdns-query", "mdns-listen", "ssdp-search", "ssdp-listen"):
        c = sub.add_parser(name)
        c.add_argument("--bind-ip", required=True)
        c.add_argument("--iface", help="SO_BINDTODEVICE for the listeners (e.g. the host iface)")
        c.add_argument("--timeout", type=float, default=3.0)
        if name == "mdns-query":
            c.add_argument("types", nargs="+")
        if name == "ssdp-search":
            c.add_argument("--st", default="ssdp:all")
    f = sub.add_parser("fetch")
    f.add_argument("url")
    f.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    handlers = {
        "serve": serve,
        "mdns-query": mdns_query,
        "mdns-listen": mdns_listen,
        "ssdp-search": ssdp_search,
        "ssdp-listen": ssdp_listen,
        "fetch": fetch,
    }
    return handlers[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
