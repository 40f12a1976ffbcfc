"""Parsers for data read from the router: dnsmasq leases, ``ip -j neigh`` output.

Everything here treats its input as hostile: hostnames come from the devices
themselves, so they are kept as data and only turned into labels through
:func:`display_name`. No parser raises on malformed input; bad lines are skipped.
"""

from __future__ import annotations

import ipaddress
import json
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Lease",
    "Neighbour",
    "display_name",
    "normalize_ip",
    "normalize_mac",
    "parse_dnsmasq_leases",
    "parse_ip_neigh_json",
]

_HEX = frozenset("0123456789abcdef")
_MAX_LINE = 4096
_MAX_JSON = 8 * 1024 * 1024
_DISPLAY_MAX = 64
_MAX_COMBINING_RUN = 2
# Unicode categories removed from display names: controls, format characters
# (bidi overrides, zero-width joiners, ...), surrogates, private use, unassigned.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SPACE_CATEGORIES = frozenset({"Zs", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class Lease:
    """One IPv4 lease from a dnsmasq lease file."""

    expires: int
    mac: str
    ip: str
    hostname: str | None
    client_id: str | None


@dataclass(frozen=True, slots=True)
class Neighbour:
    """One entry of the kernel neighbour (ARP/NDP) table."""

    ip: str
    mac: str
    interface: str | None
    state: tuple[str, ...]


def normalize_mac(value: str) -> str | None:
    """Return ``value`` as a lower-case, colon separated MAC address, or None.

    Accepts ``58:b4:2d:11:22:33``, ``58-B4-2D-11-22-33``, ``58b4.2d11.2233``,
    ``58b42d112233`` and octets without leading zeros (``0:e:58:1:2:3``).
    """
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip().lower()
    octets: list[str]
    if ":" in text or "-" in text:
        sep = ":" if ":" in text else "-"
        if sep == ":" and "-" in text:
            return None
        parts = text.split(sep)
        if len(parts) != 6 or any(not 1 <= len(part) <= 2 for part in parts):
            return None
        octets = [part.rjust(2, "0") for part in parts]
    else:
        if "." in text:
            groups = text.split(".")
            if len(groups) != 3 or any(len(group) != 4 for group in groups):
                return None
            digits = "".join(groups)
        else:
            digits = text
        if len(digits) != 12:
            return None
        octets = [digits[i : i + 2] for i in range(0, 12, 2)]
    if any(not set(octet) <= _HEX for octet in octets):
        return None
    return ":".join(octets)


def normalize_ip(value: str) -> str | None:
    """Return the canonical text of an IPv4/IPv6 address, or None when invalid.

    A zone suffix (``fe80::1%br0``) is dropped.
    """
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    text = value.strip()
    if "%" in text:
        text = text.split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _optional_field(value: str) -> str | None:
    return None if value == "*" else value


def parse_dnsmasq_leases(text: str) -> list[Lease]:
    """Parse the contents of a dnsmasq lease file into IPv4 leases.

    Lines look like ``1732480000 58:b4:2d:11:22:33 198.18.0.150 Skyworth-TV 01:58:...``.
    The ``duid`` line and the IPv6 leases after it (they carry an IAID instead of
    a MAC) are skipped, as are malformed lines. A hostname or client id of ``*``
    becomes None. Hostnames are kept verbatim: use :func:`display_name` to show them.
    """
    raw: object = text
    if not isinstance(raw, str):
        return []
    leases: list[Lease] = []
    in_v6_section = False
    for raw_line in raw.split("\n"):
        line = raw_line.strip(" \t\r")
        if not line or len(line) > _MAX_LINE:
            continue
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "duid":
            in_v6_section = True
            continue
        if in_v6_section or len(fields) not in {4, 5}:
            continue
        expires_text, mac_text, ip_text, host_text = fields[:4]
        if not (expires_text.isascii() and expires_text.isdigit()) or len(expires_text) > 12:
            continue
        mac = normalize_mac(mac_text)
        ip = normalize_ip(ip_text)
        if mac is None or ip is None or ":" in ip:
            continue
        client_id = _optional_field(fields[4]) if len(fields) == 5 else None
        leases.append(
            Lease(
                expires=int(expires_text),
                mac=mac,
                ip=ip,
                hostname=_optional_field(host_text),
                client_id=client_id,
            )
        )
    return leases


def _neighbour_state(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if len(value) <= 32 else ()
    if isinstance(value, list):
        return tuple(item for item in value[:16] if isinstance(item, str) and len(item) <= 32)
    return ()


def parse_ip_neigh_json(text: str) -> list[Neighbour]:
    """Parse the output of ``ip -j neigh show``; garbage yields an empty list.

    Entries without a valid ``lladdr`` (INCOMPLETE/FAILED) or ``dst`` are skipped.
    """
    if not isinstance(text, str) or not text or len(text) > _MAX_JSON:
        return []
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if not isinstance(data, list):
        return []
    result: list[Neighbour] = []
    for entry in data:
        if not isinstance(entry, dict):
            continue
        dst, lladdr, dev = entry.get("dst"), entry.get("lladdr"), entry.get("dev")
        if not isinstance(dst, str) or not isinstance(lladdr, str):
            continue
        ip = normalize_ip(dst)
        mac = normalize_mac(lladdr)
        if ip is None or mac is None:
            continue
        interface = dev if isinstance(dev, str) and 0 < len(dev) <= 64 else None
        result.append(
            Neighbour(
                ip=ip, mac=mac, interface=interface, state=_neighbour_state(entry.get("state"))
            )
        )
    return result


def display_name(raw: str | None, fallback: str) -> str:
    """Turn an attacker-controlled hostname into a safe, short human label.

    Control and format characters (newlines, DEL, C1 controls, bidi overrides,
    zero-width characters), surrogates, private-use and unassigned code points are
    removed, runs of combining marks are capped, whitespace is collapsed to single
    spaces and the result is cut to 64 characters. ``fallback`` is returned when
    nothing printable is left.
    """
    if not isinstance(raw, str) or not raw:
        return fallback
    text = raw[: _DISPLAY_MAX * 16]
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    combining_run = 0
    pending_space = False
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category in _SPACE_CATEGORIES:
            pending_space = bool(out)
            combining_run = 0
            continue
        if category in _DROP_CATEGORIES:
            continue
        if category in {"Mn", "Me"}:
            combining_run += 1
            if combining_run > _MAX_COMBINING_RUN or not out:
                continue
        else:
            combining_run = 0
        if pending_space:
            out.append(" ")
            pending_space = False
        out.append(char)
        if len(out) >= _DISPLAY_MAX:
            break
    label = "".join(out)[:_DISPLAY_MAX].rstrip()
    return label or fallback
