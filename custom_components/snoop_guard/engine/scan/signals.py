"""Reading the scan signals out of raw input (pure functions and tables).

Which scan method a discovery protocol (or its UDP port) stands for, which
private IPv4 address a reverse lookup asks about, which Wi-Fi geolocation
service a name belongs to, and which site (registrable domain, from the Public
Suffix List in :mod:`..psl`) a destination lookup is for.
"""

from __future__ import annotations

import re

from ..names import normalize_domain
from ..psl import registrable_domain
from ..routerdata import normalize_ip
from .model import ScanMethod

__all__ = [
    "DEST_QTYPES",
    "DISCOVERY_PORTS",
    "GEOLOCATION_SERVICES",
    "MAC_RE",
    "MAX_NAME",
    "discovery_method",
    "geolocation_provider",
    "int_to_ip",
    "ptr_target",
    "site_of",
]

DISCOVERY_PORTS: dict[int, ScanMethod] = {
    5353: ScanMethod.MDNS,
    1900: ScanMethod.SSDP,
    137: ScanMethod.NETBIOS,
}
DISCOVERY_NAMES: dict[str, ScanMethod] = {
    "mdns": ScanMethod.MDNS,
    "ssdp": ScanMethod.SSDP,
    "netbios": ScanMethod.NETBIOS,
    "nbns": ScanMethod.NETBIOS,
    "upnp": ScanMethod.SSDP,
    "ndp": ScanMethod.NDP,
}

# Wi-Fi geolocation APIs, matched like tracker rules (the name or a subdomain of it).
# Only hosts that serve nothing but positioning are listed: Google's
# www.googleapis.com/geolocation, Baidu's api.map.baidu.com and AMap's
# restapi.amap.com share their host name with unrelated APIs (maps, weather,
# geocoding), so a lookup of them says nothing about Wi-Fi scanning.
GEOLOCATION_SERVICES: dict[str, str] = {
    "location.services.mozilla.com": "Mozilla Location Service (retired 2024)",
    "api.beacondb.net": "BeaconDB",
    "gs-loc.apple.com": "Apple",
    "gs-loc-cn.apple.com": "Apple (China)",
    "api.skyhookwireless.com": "Skyhook",
    "global.skyhookwireless.com": "Skyhook",
    "sapi.skyhookwireless.com": "Skyhook",
    "loc.map.baidu.com": "Baidu location SDK",
    "apilocate.amap.com": "AMap (Gaode) positioning",
    "apiv2.combain.com": "Combain",
    "us1.unwiredlabs.com": "Unwired Labs",
    "us2.unwiredlabs.com": "Unwired Labs",
    "eu1.unwiredlabs.com": "Unwired Labs",
    "ap1.unwiredlabs.com": "Unwired Labs",
    "positioning.hereapi.com": "HERE Network Positioning",
}

MAC_RE = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
PTR_SUFFIX = ".in-addr.arpa"
DEST_QTYPES = frozenset({"A", "AAAA", "HTTPS", "SVCB", "CNAME", "ANY", "TYPE65", "TYPE64"})
LOCAL_SUFFIXES = (".local", ".lan", ".home", ".internal", ".localdomain", ".arpa", ".localhost")
MAX_NAME = 253


def discovery_method(protocol: str | int) -> ScanMethod | None:
    """Return the method of a discovery protocol name or UDP port (None: not one)."""
    if isinstance(protocol, int):
        return DISCOVERY_PORTS.get(protocol)
    return DISCOVERY_NAMES.get(str(protocol).lower())


def int_to_ip(value: int) -> str:
    """Return the dotted-quad text of an IPv4 address given as an int."""
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def geolocation_provider(name: str) -> str | None:
    """Return the provider when ``name`` is (under) a Wi-Fi geolocation service."""
    if not isinstance(name, str) or len(name) > MAX_NAME:
        return None
    text = name.lower().rstrip(".")
    while True:
        provider = GEOLOCATION_SERVICES.get(text)
        if provider is not None:
            return provider
        dot = text.find(".")
        if dot < 0:
            return None
        text = text[dot + 1 :]


def ptr_target(name: str) -> int | None:
    """Return the IPv4 address (as an int) a ``d.c.b.a.in-addr.arpa`` name asks about."""
    if not isinstance(name, str) or not name.endswith(PTR_SUFFIX) or len(name) > 40:
        return None
    parts = name[: -len(PTR_SUFFIX)].split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in reversed(parts):
        if not (part.isascii() and part.isdigit()) or len(part) > 3 or int(part) > 255:
            return None
        value = (value << 8) | int(part)
    return value


def site_of(name: str) -> str | None:
    """Return the site a destination name belongs to: its registrable domain.

    ``a.b.example.com`` -> ``example.com``, ``x.example.co.uk`` -> ``example.co.uk``; a
    public suffix of several labels (``s3.amazonaws.com``) is its own site. Local names,
    single labels, IP literals and invalid names give None. Uses the bundled Public
    Suffix List (:func:`.psl.registrable_domain`): load it in an executor first.
    """
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        return None
    text = normalize_domain(name)
    if text is None or "." not in text or text.endswith(LOCAL_SUFFIXES):
        return None
    if normalize_ip(text) is not None:
        return None
    return registrable_domain(text) or text
