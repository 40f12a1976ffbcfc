"""Discovery records: what one mDNS, SSDP, DHCP or router sighting says about a device.

The Home Assistant side converts its ``ZeroconfServiceInfo`` / ``SsdpServiceInfo`` /
``DhcpServiceInfo`` and the router's client list into these frozen records (every field is
optional except where noted)::

    MdnsRecord(service_type, name="", hostname=None, addresses=(), properties={}, port=None,
               mac=None, ip=None, seen=<now>)
    SsdpRecord(st="", usn="", server="", location="", manufacturer="", model_name="",
               model_number="", model_description="", friendly_name="", device_type="",
               serial_number="", udn="", services=(), mac=None, ip=None, seen=<now>)
        .with_upnp(mapping)          # HA's SsdpServiceInfo.upnp dict (manufacturer, modelName...)
    DhcpRecord(mac=None, ip=None, hostname=None, vendor_class=None, seen=<now>)
    RouterRecord(mac, ips=(), hostname=None, interface=None, seen=<now>)

Records sanitise themselves on construction and never raise: strings are cut to 256
characters (control characters removed), at most 32 TXT properties, 8 addresses and 24
UPnP service types are kept, MACs/IPs are normalised (invalid ones become None). A
record's ``ip`` defaults to its first address (mDNS) or the host of its LOCATION (SSDP).
The sanitisers (``clean_text`` ...) are shared with the rest of the package.
"""

from __future__ import annotations

import math
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import urlsplit

from ..routerdata import normalize_ip, normalize_mac

MAX_TEXT: Final = 256
MAX_TXT_ITEMS: Final = 32
MAX_TXT_KEY: Final = 32
MAX_ADDRESSES: Final = 8
MAX_SERVICES: Final = 24

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def clean_text(value: object, limit: int = MAX_TEXT) -> str:
    """Return ``value`` as a bounded string without control/format characters."""
    if isinstance(value, bytes | bytearray):
        text = bytes(value[: limit * 4]).decode("utf-8", "replace")
    elif isinstance(value, str):
        text = value[: limit * 4]
    elif isinstance(value, bool) or value is None:
        return ""
    elif isinstance(value, int | float):
        text = str(value)[:limit]
    else:
        return ""
    if not (text.isascii() and text.isprintable()):
        text = "".join(
            " " if char.isspace() else char
            for char in text
            if char.isspace() or unicodedata.category(char) not in _DROP_CATEGORIES
        )
    return " ".join(text.split())[:limit]


def optional_text(value: object, limit: int = MAX_TEXT) -> str | None:
    """Return :func:`clean_text` of ``value``, or None when that is empty."""
    text = clean_text(value, limit)
    return text or None


def clean_mac(value: object) -> str | None:
    """Return the normalised MAC address, or None."""
    return normalize_mac(value) if isinstance(value, str) else None


def clean_ip(value: object) -> str | None:
    """Return the normalised IP address, or None."""
    return normalize_ip(value) if isinstance(value, str) else None


def _distinct(
    value: object, limit: int, convert: Callable[[object], str | None]
) -> tuple[str, ...]:
    """Up to ``limit`` distinct non-empty ``convert``-ed items of a string or a collection."""
    if isinstance(value, str):
        items: Iterable[object] = (value,)
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)[: limit * 4]
    else:
        return ()
    out: list[str] = []
    for item in items:
        converted = convert(item)
        if converted and converted not in out:
            out.append(converted)
        if len(out) >= limit:
            break
    return tuple(out)


def clean_ips(value: object) -> tuple[str, ...]:
    """Return up to 8 distinct valid IP addresses from a string or a collection."""
    return _distinct(value, MAX_ADDRESSES, clean_ip)


def clean_texts(value: object, limit: int) -> tuple[str, ...]:
    """Return up to ``limit`` distinct cleaned strings from a string or a collection."""
    return _distinct(value, limit, clean_text)


def clean_seen(value: object) -> float:
    """Return a finite, non-negative timestamp (0.0 for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else 0.0


def clean_port(value: object) -> int | None:
    """Return a port number 1..65535, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 65536 else None


def clean_service_type(value: object) -> str:
    """``_googlecast._tcp.local.`` -> ``_googlecast._tcp`` (lower case)."""
    text = clean_text(value, 96).lower().rstrip(".")
    if text.endswith(".local"):
        text = text[: -len(".local")]
    return text


class TxtProperties(Mapping[str, str]):
    """Immutable, hashable, bounded TXT properties (keys lower-cased, values strings)."""

    __slots__ = ("_items",)

    def __init__(self, raw: object = None) -> None:
        items: dict[str, str] = {}
        pairs: Iterable[Any]
        if isinstance(raw, Mapping):
            pairs = list(raw.items())[: MAX_TXT_ITEMS * 4]
        elif isinstance(raw, list | tuple):
            pairs = [p for p in raw[: MAX_TXT_ITEMS * 4] if isinstance(p, list | tuple)]
        else:
            pairs = ()
        for pair in pairs:
            if len(pair) != 2:
                continue
            key = clean_text(pair[0], MAX_TXT_KEY).lower()
            if not key or key in items:
                continue
            items[key] = clean_text(pair[1])
            if len(items) >= MAX_TXT_ITEMS:
                break
        self._items: tuple[tuple[str, str], ...] = tuple(items.items())

    def __getitem__(self, key: str) -> str:
        for name, value in self._items:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TxtProperties):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return f"TxtProperties({dict(self._items)!r})"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class MdnsRecord:
    """One resolved mDNS/DNS-SD service instance (from HA's ``ZeroconfServiceInfo``).

    ``service_type`` like ``_googlecast._tcp.local.`` (stored as ``_googlecast._tcp``),
    ``name`` the instance name, ``properties`` the TXT record.
    """

    service_type: str
    name: str = ""
    hostname: str | None = None
    addresses: tuple[str, ...] = ()
    properties: Mapping[str, object] = field(default_factory=dict)
    port: int | None = None
    mac: str | None = None
    ip: str | None = None
    seen: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        addresses = clean_ips(self.addresses)
        ip = clean_ip(self.ip)
        stype = clean_service_type(self.service_type)
        name = clean_text(self.name)
        suffix = f".{stype}"
        lowered = name.lower().rstrip(".")
        for end in (suffix + ".local", suffix):
            if stype and lowered.endswith(end):
                name = name[: len(lowered) - len(end)]
                break
        object.__setattr__(self, "service_type", stype)
        object.__setattr__(self, "name", name)
        host = clean_text(self.hostname, 253).rstrip(".")
        if host.lower().endswith(".local"):
            host = host[: -len(".local")]
        object.__setattr__(self, "hostname", host or None)
        object.__setattr__(self, "addresses", addresses)
        object.__setattr__(self, "properties", TxtProperties(self.properties))
        object.__setattr__(self, "port", clean_port(self.port))
        object.__setattr__(self, "mac", clean_mac(self.mac))
        object.__setattr__(self, "ip", ip or (addresses[0] if addresses else None))
        object.__setattr__(self, "seen", clean_seen(self.seen))

    def txt(self, key: str) -> str | None:
        """Return TXT property ``key`` (lower case), or None when absent or empty."""
        value = self.properties.get(key)
        return value if isinstance(value, str) and value else None


# the text fields of an SSDP record; UPNP_FIELDS are those a device description fills
SSDP_TEXT_FIELDS: Final = (
    "st",
    "usn",
    "server",
    "location",
    "manufacturer",
    "model_name",
    "model_number",
    "model_description",
    "friendly_name",
    "device_type",
    "serial_number",
    "udn",
)
# (key of HA's SsdpServiceInfo.upnp / of the description XML, SsdpRecord field)
UPNP_KEYS: Final = (
    ("manufacturer", "manufacturer"),
    ("modelName", "model_name"),
    ("modelNumber", "model_number"),
    ("modelDescription", "model_description"),
    ("friendlyName", "friendly_name"),
    ("deviceType", "device_type"),
    ("serialNumber", "serial_number"),
    ("UDN", "udn"),
)
UPNP_FIELDS: Final = tuple(name for _key, name in UPNP_KEYS)


@dataclass(frozen=True, slots=True)
class SsdpRecord:
    """One SSDP sighting: ``st`` is the ST (search response) or NT (NOTIFY) header.

    The description fields come from the device description at LOCATION (HA's
    ``SsdpServiceInfo.upnp``: use :meth:`with_upnp`).
    """

    st: str = ""
    usn: str = ""
    server: str = ""
    location: str = ""
    manufacturer: str = ""
    model_name: str = ""
    model_number: str = ""
    model_description: str = ""
    friendly_name: str = ""
    device_type: str = ""
    serial_number: str = ""
    udn: str = ""
    services: tuple[str, ...] = ()
    mac: str | None = None
    ip: str | None = None
    seen: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        for name in SSDP_TEXT_FIELDS:
            object.__setattr__(self, name, clean_text(getattr(self, name)))
        object.__setattr__(self, "services", clean_texts(self.services, MAX_SERVICES))
        object.__setattr__(self, "mac", clean_mac(self.mac))
        ip = clean_ip(self.ip)
        if ip is None and self.location:
            try:
                ip = clean_ip(urlsplit(self.location).hostname)
            except ValueError:
                ip = None
        object.__setattr__(self, "ip", ip)
        object.__setattr__(self, "seen", clean_seen(self.seen))

    def with_upnp(self, upnp: Mapping[str, object] | None) -> SsdpRecord:
        """Return a copy filled from a UPnP mapping (``manufacturer``, ``modelName``, ...)."""
        if not isinstance(upnp, Mapping):
            return self
        services: list[object] = []
        service_list = upnp.get("serviceList")
        if isinstance(service_list, Mapping):
            entries = service_list.get("service")
            if isinstance(entries, Mapping):
                entries = [entries]
            if isinstance(entries, list):
                services = [
                    e.get("serviceType") for e in entries[:MAX_SERVICES] if isinstance(e, Mapping)
                ]
        filled: dict[str, Any] = {
            name: clean_text(upnp.get(key)) or getattr(self, name) for key, name in UPNP_KEYS
        }
        return replace(
            self,
            **filled,
            services=(*self.services, *(s for s in services if isinstance(s, str))),
        )


def _hostname(value: object) -> str | None:
    return optional_text(value, 253)


def _sanitise(record: object, cleaners: Mapping[str, Callable[[object], object]]) -> None:
    """Replace each named field of a (frozen) record by its cleaned value."""
    for name, cleaner in cleaners.items():
        object.__setattr__(record, name, cleaner(getattr(record, name)))


_DHCP_CLEANERS: Final[Mapping[str, Callable[[object], object]]] = {
    "mac": clean_mac,
    "ip": clean_ip,
    "hostname": _hostname,
    "vendor_class": lambda value: optional_text(value, 128),
    "seen": clean_seen,
}
_ROUTER_CLEANERS: Final[Mapping[str, Callable[[object], object]]] = {
    "mac": clean_mac,
    "ips": clean_ips,
    "hostname": _hostname,
    "interface": lambda value: optional_text(value, 32),
    "seen": clean_seen,
}


@dataclass(frozen=True, slots=True)
class DhcpRecord:
    """A DHCP request seen by HA (``DhcpServiceInfo``) or the router; vendor class = option 60."""

    mac: str | None = None
    ip: str | None = None
    hostname: str | None = None
    vendor_class: str | None = None
    seen: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        _sanitise(self, _DHCP_CLEANERS)


@dataclass(frozen=True, slots=True)
class RouterRecord:
    """One client of the router's list (leases + neighbours)."""

    mac: str | None
    ips: tuple[str, ...] = ()
    hostname: str | None = None
    interface: str | None = None
    seen: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        _sanitise(self, _ROUTER_CLEANERS)

    @property
    def ip(self) -> str | None:
        """First IP address (for symmetry with the other records)."""
        return self.ips[0] if self.ips else None


type DiscoveryRecord = MdnsRecord | SsdpRecord | DhcpRecord | RouterRecord
RECORD_TYPES = (MdnsRecord, SsdpRecord, DhcpRecord, RouterRecord)
