"""The question section of DNS-format queries: mDNS (RFC 6762) and NetBIOS (RFC 1002).

Pure and bounded; :func:`parse_questions` never raises, whatever the bytes. It
reads the 12-byte header and at most ``max_questions`` questions (names with
RFC 1035 compression, at most ``_MAX_HOPS`` pointer jumps and 255 octets), and
stops quietly at the first malformed or truncated one, so a snapped frame gives
the questions it holds in full. Names are returned lower-case, without the
trailing dot; bytes that are not printable ASCII are escaped (backslash and three digits), so a
device-controlled name never carries control characters further.

:func:`classify` says what an mDNS question asks for, in the terms the scan
detector counts (RFC 6763): the service type enumeration meta query, a browse of
one service type, a lookup of one instance or host, or a reverse lookup of an
address (``in-addr.arpa`` / ``ip6.arpa``).
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "META_QUERY",
    "DnsQuestions",
    "MdnsAsk",
    "Question",
    "classify",
    "parse_questions",
    "reverse_address",
]

META_QUERY = "_services._dns-sd._udp"  # RFC 6763 section 9, under any domain
_MAX_HOPS = 16
_MAX_NAME = 255
QTYPE_PTR = 12
_PRINTABLE = frozenset(range(0x21, 0x7F)) - {ord("."), ord("\\")}


@dataclass(frozen=True, slots=True)
class Question:
    """One question: the name asked about, its type, and mDNS's unicast-response bit."""

    name: str
    qtype: int
    unicast_response: bool = False


@dataclass(frozen=True, slots=True)
class DnsQuestions:
    """The header facts and the questions of a query."""

    flags: int
    qdcount: int
    ancount: int
    nscount: int
    questions: tuple[Question, ...]

    @property
    def is_query(self) -> bool:
        """QR = 0 and opcode 0 (a standard query)."""
        return self.flags & 0xF800 == 0

    @property
    def is_probe(self) -> bool:
        """RFC 6762 section 8.2: a probe carries its proposed records in the authority section."""
        return self.nscount > 0


def _label_text(raw: bytes) -> str:
    return "".join(chr(b).lower() if b in _PRINTABLE else f"\\{b:03d}" for b in raw)


def _read_name(data: bytes, offset: int) -> tuple[str, int] | None:
    """Return (name, offset after it) or None; follows at most _MAX_HOPS pointers."""
    labels: list[str] = []
    total = 0
    end: int | None = None
    hops = 0
    size = len(data)
    while True:
        if offset >= size:
            return None
        length = data[offset]
        if length == 0:
            offset += 1
            break
        if length & 0xC0 == 0xC0:
            if offset + 1 >= size or hops >= _MAX_HOPS:
                return None
            pointer = ((length & 0x3F) << 8) | data[offset + 1]
            if end is None:
                end = offset + 2
            hops += 1
            offset = pointer
            continue
        if length & 0xC0:
            return None  # extended label types (RFC 6891) are not names
        start = offset + 1
        offset = start + length
        total += length + 1
        if offset > size or total > _MAX_NAME:
            return None
        labels.append(_label_text(data[start:offset]))
    return ".".join(labels), end if end is not None else offset


def parse_questions(payload: bytes, max_questions: int = 16) -> DnsQuestions | None:
    """Parse the header and up to ``max_questions`` questions; None if no header."""
    try:
        if len(payload) < 12:
            return None
        _, flags, qd, an, ns, _ = struct.unpack_from("!HHHHHH", payload)
        questions: list[Question] = []
        offset = 12
        for _ in range(min(qd, max(0, max_questions))):
            read = _read_name(payload, offset)
            if read is None or read[1] + 4 > len(payload):
                break
            name, offset = read
            qtype, qclass = struct.unpack_from("!HH", payload, offset)
            offset += 4
            questions.append(Question(name, qtype, bool(qclass & 0x8000)))
        return DnsQuestions(flags, qd, an, ns, tuple(questions))
    except Exception:  # last-resort guard: input is data, never a crash
        return None


class MdnsAsk(StrEnum):
    """What one mDNS question asks for."""

    META = "meta"  # which service types exist? (RFC 6763 section 9)
    BROWSE = "browse"  # which instances of one service type? (PTR _x._tcp.local)
    INSTANCE = "instance"  # SRV/TXT of one instance, A/AAAA of one host
    REVERSE = "reverse"  # the name of one address
    OTHER = "other"


def _is_service_type(labels: list[str]) -> bool:
    """``_x._tcp.<domain>`` or a subtype ``_y._sub._x._udp.<domain>``."""
    if len(labels) >= 5 and labels[1] == "_sub":
        labels = labels[2:]
    return (
        len(labels) >= 3
        and labels[0].startswith("_")
        and len(labels[0]) > 1
        and labels[1] in ("_tcp", "_udp")
    )


def classify(question: Question) -> MdnsAsk:
    """Say what ``question`` (an mDNS question, already lower-case) asks for."""
    name = question.name
    if reverse_address(name) is not None:
        return MdnsAsk.REVERSE if question.qtype in (QTYPE_PTR, 255) else MdnsAsk.OTHER
    if name == META_QUERY or name.startswith(META_QUERY + "."):
        return MdnsAsk.META
    labels = name.split(".")
    if question.qtype in (QTYPE_PTR, 255) and _is_service_type(labels):
        return MdnsAsk.BROWSE
    if len(labels) >= 2:
        return MdnsAsk.INSTANCE
    return MdnsAsk.OTHER


def reverse_address(name: str) -> str | None:
    """Return the address a reverse name stands for (``4.3.2.1.in-addr.arpa``, ip6.arpa nibbles)."""
    if name.endswith(".in-addr.arpa"):
        parts = name[: -len(".in-addr.arpa")].split(".")
        if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 for p in parts):
            return None
        if any(int(p) > 255 for p in parts):
            return None
        return ".".join(reversed(parts))
    if name.endswith(".ip6.arpa"):
        nibbles = name[: -len(".ip6.arpa")].split(".")
        if len(nibbles) != 32 or not all(len(n) == 1 and n in "0123456789abcdef" for n in nibbles):
            return None
        return str(ipaddress.IPv6Address(bytes.fromhex("".join(reversed(nibbles)))))
    return None
