"""NetBIOS name service queries (RFC 1002, UDP 137); pure, never raises.

A NetBIOS name in a question is "first-level encoded": 16 bytes (15 characters,
space padded, and a type suffix) become 32 letters ``A``-``P``, one per nibble.
``nbtscan`` and SDKs that collect host names send a *node status* query
(``NBSTAT``, type 0x21) for the wildcard name ``*`` to every address; Windows
resolves names with *name* queries (``NB``, type 0x20) broadcast to the LAN.
Registrations, releases and refreshes (other opcodes) are not queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from .mdns_query import parse_questions

__all__ = ["NB", "NBSTAT", "NetbiosQuery", "decode_name", "parse_netbios_query"]

NB = 0x20
NBSTAT = 0x21


@dataclass(frozen=True, slots=True)
class NetbiosQuery:
    """One name service query: the decoded name (``*`` for the wildcard) and its type."""

    name: str
    qtype: int


def decode_name(label: str) -> str | None:
    """Decode the first label of an encoded name (32 letters A-P); None if it is not one."""
    if len(label) != 32:
        return None
    raw = bytearray()
    for i in range(0, 32, 2):
        hi, lo = ord(label[i]) - 0x61, ord(label[i + 1]) - 0x61  # labels come lower-cased
        if not (0 <= hi < 16 and 0 <= lo < 16):
            return None
        raw.append(hi << 4 | lo)
    if raw[0] == 0x2A and not any(raw[1:15]):
        return "*"
    text = bytes(raw[:15]).rstrip(b" \x00")
    return "".join(chr(b).lower() if 0x21 <= b < 0x7F else f"\\{b:03d}" for b in text)


def parse_netbios_query(payload: bytes) -> NetbiosQuery | None:
    """Return the first question of a name/node-status query; None for anything else."""
    parsed = parse_questions(payload, max_questions=1)
    if parsed is None or not parsed.is_query or not parsed.questions:
        return None
    question = parsed.questions[0]
    if question.qtype not in (NB, NBSTAT):
        return None
    name = decode_name(question.name.partition(".")[0])
    return NetbiosQuery(name, question.qtype) if name is not None else None
