#!/usr/bin/env python3
"""Tiny stdlib DNS client for the Snoop Guard network lab.

Usage::

    python3 dnsq.py [--hex] [--port N] [--timeout S] [--class IN|CH] [--full] SERVER NAME [TYPE]

* ``NAME`` may contain any byte except ``.`` inside a label: ``;``, ``$()``, spaces,
  newlines, UTF-8 ... The argv bytes are used as-is (``os.fsencode`` undoes Python's
  surrogateescape decoding), so nothing is normalised, lower-cased or IDNA-encoded.
* ``--hex``: ``NAME`` is the hex encoding of the raw name bytes (for bytes argv cannot
  carry, e.g. NUL).  Dots in the decoded bytes still separate labels.
* Labels are split on ``.``; empty labels (leading dot, ``a..b``) are dropped and a
  trailing dot is allowed.  The wire format cannot carry a label longer than 63 bytes or
  a name longer than 255 bytes (encoded).  Such names are NOT split or truncated: nothing
  is sent, ``[]`` is printed, the reason goes to stderr and the exit status is 2.
* ``TYPE``: A (default), AAAA, TXT, PTR, MX, CNAME, NS, SOA, SRV, HTTPS, SVCB, ANY, or a
  number / ``TYPE<number>``.
* Output: a JSON list of the A/AAAA addresses in the answer section (``[]`` on
  NXDOMAIN, NODATA, timeout or a malformed reply), exit status 0.  ``--full`` prints a
  JSON object with rcode, flags and all answer records instead.
* One UDP query, 1 s timeout by default, no retries.  For safety SERVER must be a lab or
  loopback address (198.18.0.0/15, 203.0.113.0/24, 127.0.0.0/8).

Importable: :func:`query` returns the same information as ``--full``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import secrets
import socket
import struct
import sys
import time
from typing import Any

QTYPES = {
    "A": 1,
    "NS": 2,
    "CNAME": 5,
    "SOA": 6,
    "PTR": 12,
    "MX": 15,
    "TXT": 16,
    "AAAA": 28,
    "SRV": 33,
    "SVCB": 64,
    "HTTPS": 65,
    "ANY": 255,
}
QTYPE_NAMES = {v: k for k, v in QTYPES.items()}
QCLASSES = {"IN": 1, "CH": 3, "CHAOS": 3, "HS": 4}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

ALLOWED_SERVERS = (
    ipaddress.ip_network("198.18.0.0/15"),
    ipaddress.ip_network("203.0.113.0/24"),
    ipaddress.ip_network("127.0.0.0/8"),
)


class NameNotEncodable(ValueError):
    """The name cannot be represented in DNS wire format."""


def parse_qtype(text: str) -> int:
    t = text.strip().upper()
    if t in QTYPES:
        return QTYPES[t]
    if t.startswith("TYPE"):
        t = t[4:]
    value = int(t)
    if not 0 < value < 65536:
        raise ValueError(f"bad qtype {text!r}")
    return value


def encode_name(name: bytes) -> bytes:
    """Wire-format encoding of ``name`` (labels separated by b'.')."""
    out = bytearray()
    for label in name.split(b"."):
        if not label:
            continue
        if len(label) > 63:
            raise NameNotEncodable(f"label of {len(label)} bytes (max 63)")
        out.append(len(label))
        out += label
    out.append(0)
    if len(out) > 255:
        raise NameNotEncodable(f"encoded name of {len(out)} bytes (max 255)")
    return bytes(out)


def build_query(
    name: bytes, qtype: int, qclass: int = 1, txid: int | None = None
) -> tuple[int, bytes]:
    if txid is None:
        txid = secrets.randbelow(65536)
    header = struct.pack("!HHHHHH", txid, 0x0100, 1, 0, 0, 0)  # RD=1
    return txid, header + encode_name(name) + struct.pack("!HH", qtype, qclass)


def _read_name(msg: bytes, off: int) -> tuple[bytes, int]:
    """Decode a (possibly compressed) name; returns (dotted bytes, offset after it)."""
    labels: list[bytes] = []
    end: int | None = None
    hops = 0
    while True:
        if off >= len(msg):
            raise ValueError("truncated name")
        length = msg[off]
        if length & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise ValueError("truncated pointer")
            if end is None:
                end = off + 2
            off = ((length & 0x3F) << 8) | msg[off + 1]
            hops += 1
            if hops > 64:
                raise ValueError("pointer loop")
            continue
        if length & 0xC0:
            raise ValueError("unsupported label type")
        off += 1
        if length == 0:
            break
        labels.append(msg[off : off + length])
        off += length
    return b".".join(labels), (end if end is not None else off)


def _rdata_text(msg: bytes, rtype: int, start: int, rdlen: int) -> str:
    rdata = msg[start : start + rdlen]
    if rtype == 1 and rdlen == 4:
        return socket.inet_ntop(socket.AF_INET, rdata)
    if rtype == 28 and rdlen == 16:
        return socket.inet_ntop(socket.AF_INET6, rdata)
    if rtype in (2, 5, 12):
        return _read_name(msg, start)[0].decode("utf-8", "backslashreplace")
    if rtype == 16:
        parts, i = [], 0
        while i < len(rdata):
            n = rdata[i]
            parts.append(rdata[i + 1 : i + 1 + n].decode("utf-8", "backslashreplace"))
            i += 1 + n
        return " ".join(parts)
    return rdata.hex()


def parse_response(msg: bytes, txid: int) -> dict[str, Any]:
    if len(msg) < 12:
        raise ValueError("short reply")
    rid, flags, qd, an, _ns, _ar = struct.unpack("!HHHHHH", msg[:12])
    if rid != txid or not flags & 0x8000:
        raise ValueError("not our reply")
    off = 12
    for _ in range(qd):
        _, off = _read_name(msg, off)
        off += 4
    answers = []
    for _ in range(an):
        rname, off = _read_name(msg, off)
        if off + 10 > len(msg):
            raise ValueError("truncated record")
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", msg[off : off + 10])
        off += 10
        answers.append(
            {
                "name": rname.decode("utf-8", "backslashreplace"),
                "type": QTYPE_NAMES.get(rtype, f"TYPE{rtype}"),
                "class": rclass,
                "ttl": ttl,
                "data": _rdata_text(msg, rtype, off, rdlen),
            }
        )
        off += rdlen
    rcode = flags & 0x000F
    return {
        "rcode": RCODES.get(rcode, str(rcode)),
        "tc": bool(flags & 0x0200),
        "aa": bool(flags & 0x0400),
        "answers": answers,
    }


def check_server(server: str) -> None:
    addr = ipaddress.ip_address(server)
    if not any(addr in net for net in ALLOWED_SERVERS):
        raise ValueError(f"refusing to query {server}: not a lab or loopback address")


def query(
    server: str,
    name: bytes | str,
    qtype: str | int = "A",
    *,
    port: int = 53,
    timeout: float = 1.0,
    qclass: str | int = "IN",
) -> dict[str, Any]:
    """Send one query; return {"rcode", "answers", "ips", ...} ("rcode": "TIMEOUT" on timeout)."""
    check_server(server)
    if isinstance(name, str):
        name = os.fsencode(name)
    qt = qtype if isinstance(qtype, int) else parse_qtype(qtype)
    qc = qclass if isinstance(qclass, int) else QCLASSES[qclass.upper()]
    txid, packet = build_query(name, qt, qc)
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    result: dict[str, Any] = {"rcode": "TIMEOUT", "answers": [], "ips": []}
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((server, port))
        sock.send(packet)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return result
            sock.settimeout(left)
            try:
                msg = sock.recv(65535)
            except TimeoutError:
                return result
            except OSError as err:  # e.g. ICMP port unreachable
                result["rcode"] = f"ERROR:{err.errno}"
                return result
            try:
                parsed = parse_response(msg, txid)
            except ValueError:
                continue  # stray / malformed datagram: keep waiting
            parsed["ips"] = [a["data"] for a in parsed["answers"] if a["type"] in ("A", "AAAA")]
            return parsed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hex", action="store_true", help="NAME is hex of the raw name bytes")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--timeout", type=float, default=1.0)
    p.add_argument("--class", dest="qclass", default="IN")
    p.add_argument("--full", action="store_true", help="print rcode and all answer records")
    p.add_argument("server")
    p.add_argument("name")
    p.add_argument("type", nargs="?", default="A")
    args = p.parse_args(argv)
    name = bytes.fromhex(args.name) if args.hex else os.fsencode(args.name)
    try:
        res = query(
            args.server, name, args.type, port=args.port, timeout=args.timeout, qclass=args.qclass
        )
    except NameNotEncodable as err:
        print(f"dnsq: name not sent: {err}", file=sys.stderr)
        print("[]")
        return 2
    except ValueError as err:
        print(f"dnsq: {err}", file=sys.stderr)
        print("[]")
        return 2
    print(json.dumps(res if args.full else res["ips"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
