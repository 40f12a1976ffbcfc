"""Discover and classify the TVs, streamers and speakers of a home network (stdlib only).

Four kinds of sightings feed a :class:`DeviceInventory`; the Home Assistant side converts
its ``ZeroconfServiceInfo`` / ``SsdpServiceInfo`` / ``DhcpServiceInfo`` and the router's
client list into these frozen records (every field is optional except where noted)::

    MdnsRecord(service_type, name="", hostname=None, addresses=(), properties={}, port=None,
               mac=None, ip=None, seen=<now>)
    SsdpRecord(st="", usn="", server="", location="", manufacturer="", model_name="",
               model_number="", model_description="", friendly_name="", device_type="",
               serial_number="", udn="", services=(), mac=None, ip=None, seen=<now>)
        .with_upnp(mapping)          # HA's SsdpServiceInfo.upnp dict (manufacturer, modelName...)
        .with_description(desc)      # a DeviceDescription from parse_device_description()
    DhcpRecord(mac=None, ip=None, hostname=None, vendor_class=None, seen=<now>)
    RouterRecord(mac, ips=(), hostname=None, interface=None, seen=<now>)

Records sanitise themselves on construction and never raise: strings are cut to 256
characters (control characters removed), at most 32 TXT properties, 8 addresses and 24
UPnP service types are kept, MACs/IPs are normalised (invalid ones become None). A
record's ``ip`` defaults to its first address (mDNS) or the host of its LOCATION (SSDP).

:class:`DeviceInventory` merges them into one :class:`DeviceRecord` per MAC address::

    inv = DeviceInventory()
    inv.add(record) -> str | None           # MAC the record went to; None = kept pending by IP
    inv.update_neighbours({ip: mac}) -> list[str]   # ARP/NDP/lease map; MACs that changed
    inv.devices() -> list[DeviceRecord]     # sorted by MAC
    inv.get(mac) -> DeviceRecord | None
    inv.prune(older_than) -> list[str]      # drops devices (and records) last seen before
    inv.to_dict() / DeviceInventory.from_dict(data)   # JSON-able persistence, garbage-tolerant
    inv.pending_count() -> int              # records still waiting for an IP -> MAC mapping

    DeviceRecord(mac, ips, hostname, names, kind, vendor, model, confidence, evidence,
                 last_seen, randomised_mac, sources)   # .classification -> Classification

``ips`` lists IPv4 before IPv6, most recently seen first; ``hostname`` (DHCP, else router,
else mDNS) and ``names`` (Cast ``fn``, SSDP friendlyName, mDNS instance names) are passed
through :func:`~.routerdata.display_name`. ``seen`` defaults to ``time.time()``.

A record that carries no MAC (mDNS, SSDP) is attributed through the IP -> MAC map built
from DHCP and router records and from :meth:`DeviceInventory.update_neighbours`; until
such a mapping arrives it waits, keyed by IP (at most 1024 IPs x 16 records). MACs that
devices *claim* in their announcements (AirPlay ``deviceid``, RAOP names) are shown as
evidence but never used for attribution: any host could claim any MAC. When an IP moves
to another MAC it is taken off the old device. Everything is bounded: 2048 devices (the
least recently updated are evicted), 32 records and 8 IPs per device, 4096 IP mappings.

:func:`classify` turns the records of one device into a
:class:`~.classify.Classification` with ``kind`` (tv / streamer / speaker / other),
``vendor``, ``model``, ``confidence`` (0..1) and ``evidence``: human-readable strings
such as ``"SSDP urn:samsung.com:device:RemoteControlReceiver:1"``,
``"mDNS _googlecast._tcp md=Chromecast"``, ``"DHCP hostname 'Skyworth-TV'"`` and
``"OUI 00:0e:58 = Sonos"``. Each rule adds a weight to one or more kinds; the weights of a
kind are combined as independent evidence (1 - prod(1 - w)); a media kind needs 0.35 and
must beat the "other" evidence (printers, computers, phones, NAS, bridges). Once a device
shows media evidence, its vendor's prior tilts TV / streamer / speaker (Samsung -> TV,
Sonos -> speaker, ...); platform vendors (Roku, Google, Amazon) give way to the hardware
maker of a TV (a "TCL Roku TV" is TCL). Values taken from announcements are shown through
:func:`~.routerdata.display_name`.

:func:`parse_device_description` parses a UPnP device-description XML document safely:
at most 64 KiB, no DOCTYPE/ENTITY (billion laughs, external entities), depth <= 16, at
most 2000 elements; it returns ``(DeviceDescription, None)`` or ``(None, reason)`` and
never raises.
"""

from __future__ import annotations

import codecs
import math
import re
import time
import unicodedata
import xml.etree.ElementTree as ET  # input is screened first, see _screen_xml
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import urlsplit

from .classify import _HOSTNAME_KEYWORDS, Classification, DeviceKind, _hostname_rule
from .oui import lookup as oui_lookup
from .routerdata import display_name, normalize_ip, normalize_mac

__all__ = [
    "DeviceDescription",
    "DeviceInventory",
    "DeviceRecord",
    "DhcpRecord",
    "DiscoveryRecord",
    "MdnsRecord",
    "RouterRecord",
    "SsdpRecord",
    "TxtProperties",
    "canonical_vendor",
    "classify",
    "parse_device_description",
]

MAX_TEXT: Final = 256
MAX_TXT_ITEMS: Final = 32
MAX_TXT_KEY: Final = 32
MAX_ADDRESSES: Final = 8
MAX_SERVICES: Final = 24
MAX_DEVICES: Final = 2048
MAX_RECORDS_PER_DEVICE: Final = 32
MAX_IPS_PER_DEVICE: Final = 8
MAX_PENDING_IPS: Final = 1024
MAX_PENDING_PER_IP: Final = 16
MAX_IP_MAP: Final = 4096
MAX_EVIDENCE: Final = 12
MAX_NAMES: Final = 8
MAX_XML_BYTES: Final = 64 * 1024
MAX_XML_DEPTH: Final = 16
MAX_XML_ELEMENTS: Final = 2000
MEDIA_THRESHOLD: Final = 0.35

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_MEDIA_KINDS = (DeviceKind.TV, DeviceKind.STREAMER, DeviceKind.SPEAKER)


# --------------------------------------------------------------------------- sanitising


def _clean(value: object, limit: int = MAX_TEXT) -> str:
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


def _opt(value: object, limit: int = MAX_TEXT) -> str | None:
    text = _clean(value, limit)
    return text or None


def _mac(value: object) -> str | None:
    return normalize_mac(value) if isinstance(value, str) else None


def _ip(value: object) -> str | None:
    return normalize_ip(value) if isinstance(value, str) else None


def _ips(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Iterable[object] = (value,)
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)[: MAX_ADDRESSES * 4]
    else:
        return ()
    out: list[str] = []
    for item in items:
        ip = _ip(item)
        if ip is not None and ip not in out:
            out.append(ip)
        if len(out) >= MAX_ADDRESSES:
            break
    return tuple(out)


def _texts(value: object, limit: int) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Iterable[object] = (value,)
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)[: limit * 4]
    else:
        return ()
    out: list[str] = []
    for item in items:
        text = _clean(item)
        if text and text not in out:
            out.append(text)
        if len(out) >= limit:
            break
    return tuple(out)


def _seen(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else 0.0


def _port(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 65536 else None


def _service_type(value: object) -> str:
    """``_googlecast._tcp.local.`` -> ``_googlecast._tcp`` (lower case)."""
    text = _clean(value, 96).lower().rstrip(".")
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
            key = _clean(pair[0], MAX_TXT_KEY).lower()
            if not key or key in items:
                continue
            items[key] = _clean(pair[1])
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
        addresses = _ips(self.addresses)
        ip = _ip(self.ip)
        stype = _service_type(self.service_type)
        name = _clean(self.name)
        suffix = f".{stype}"
        lowered = name.lower().rstrip(".")
        for end in (suffix + ".local", suffix):
            if stype and lowered.endswith(end):
                name = name[: len(lowered) - len(end)]
                break
        object.__setattr__(self, "service_type", stype)
        object.__setattr__(self, "name", name)
        host = _clean(self.hostname, 253).rstrip(".")
        if host.lower().endswith(".local"):
            host = host[: -len(".local")]
        object.__setattr__(self, "hostname", host or None)
        object.__setattr__(self, "addresses", addresses)
        object.__setattr__(self, "properties", TxtProperties(self.properties))
        object.__setattr__(self, "port", _port(self.port))
        object.__setattr__(self, "mac", _mac(self.mac))
        object.__setattr__(self, "ip", ip or (addresses[0] if addresses else None))
        object.__setattr__(self, "seen", _seen(self.seen))

    def txt(self, key: str) -> str | None:
        """Return TXT property ``key`` (lower case), or None when absent or empty."""
        value = self.properties.get(key)
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class DeviceDescription:
    """The fields of a UPnP device description that classification uses."""

    device_type: str = ""
    friendly_name: str = ""
    manufacturer: str = ""
    manufacturer_url: str = ""
    model_name: str = ""
    model_number: str = ""
    model_description: str = ""
    serial_number: str = ""
    udn: str = ""
    services: tuple[str, ...] = ()
    device_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SsdpRecord:
    """One SSDP sighting: ``st`` is the ST (search response) or NT (NOTIFY) header.

    The description fields come from the device description at LOCATION (HA's
    ``SsdpServiceInfo.upnp``: use :meth:`with_upnp`, or :meth:`with_description` with the
    result of :func:`parse_device_description`).
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
        for name in (
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
        ):
            object.__setattr__(self, name, _clean(getattr(self, name)))
        object.__setattr__(self, "services", _texts(self.services, MAX_SERVICES))
        object.__setattr__(self, "mac", _mac(self.mac))
        ip = _ip(self.ip)
        if ip is None and self.location:
            try:
                ip = _ip(urlsplit(self.location).hostname)
            except ValueError:
                ip = None
        object.__setattr__(self, "ip", ip)
        object.__setattr__(self, "seen", _seen(self.seen))

    def with_description(self, description: DeviceDescription | None) -> SsdpRecord:
        """Return a copy with the fields of a parsed device description filled in."""
        if not isinstance(description, DeviceDescription):
            return self
        return replace(
            self,
            manufacturer=description.manufacturer or self.manufacturer,
            model_name=description.model_name or self.model_name,
            model_number=description.model_number or self.model_number,
            model_description=description.model_description or self.model_description,
            friendly_name=description.friendly_name or self.friendly_name,
            device_type=description.device_type or self.device_type,
            serial_number=description.serial_number or self.serial_number,
            udn=description.udn or self.udn,
            services=(*self.services, *description.device_types, *description.services),
        )

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
        return replace(
            self,
            manufacturer=_clean(upnp.get("manufacturer")) or self.manufacturer,
            model_name=_clean(upnp.get("modelName")) or self.model_name,
            model_number=_clean(upnp.get("modelNumber")) or self.model_number,
            model_description=_clean(upnp.get("modelDescription")) or self.model_description,
            friendly_name=_clean(upnp.get("friendlyName")) or self.friendly_name,
            device_type=_clean(upnp.get("deviceType")) or self.device_type,
            serial_number=_clean(upnp.get("serialNumber")) or self.serial_number,
            udn=_clean(upnp.get("UDN")) or self.udn,
            services=(*self.services, *(s for s in services if isinstance(s, str))),
        )


@dataclass(frozen=True, slots=True)
class DhcpRecord:
    """A DHCP request seen by HA (``DhcpServiceInfo``) or the router; vendor class = option 60."""

    mac: str | None = None
    ip: str | None = None
    hostname: str | None = None
    vendor_class: str | None = None
    seen: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mac", _mac(self.mac))
        object.__setattr__(self, "ip", _ip(self.ip))
        object.__setattr__(self, "hostname", _opt(self.hostname, 253))
        object.__setattr__(self, "vendor_class", _opt(self.vendor_class, 128))
        object.__setattr__(self, "seen", _seen(self.seen))


@dataclass(frozen=True, slots=True)
class RouterRecord:
    """One client of the router's list (leases + neighbours)."""

    mac: str | None
    ips: tuple[str, ...] = ()
    hostname: str | None = None
    interface: str | None = None
    seen: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mac", _mac(self.mac))
        object.__setattr__(self, "ips", _ips(self.ips))
        object.__setattr__(self, "hostname", _opt(self.hostname, 253))
        object.__setattr__(self, "interface", _opt(self.interface, 32))
        object.__setattr__(self, "seen", _seen(self.seen))

    @property
    def ip(self) -> str | None:
        """First IP address (for symmetry with the other records)."""
        return self.ips[0] if self.ips else None


type DiscoveryRecord = MdnsRecord | SsdpRecord | DhcpRecord | RouterRecord
_RECORD_TYPES = (MdnsRecord, SsdpRecord, DhcpRecord, RouterRecord)


# --------------------------------------------------------------------------- XML


def _decode_xml(data: bytes) -> str | None:
    """Decode a description document: BOM, then the declared encoding, then UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    head = data[:200].decode("ascii", "replace")
    match = re.search(r"encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,32})[\"']", head)
    encoding = match.group(1).lower() if match else "utf-8"
    if encoding.replace("_", "-") not in {
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
        "iso-8859-1",
        "latin-1",
        "latin1",
        "windows-1252",
        "cp1252",
    }:
        return None
    return data.decode(encoding if encoding != "utf8" else "utf-8", "replace")


def _screen_xml(text: str) -> str | None:
    """Reason to refuse ``text`` before any parser sees it, or None."""
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered or "<!element" in lowered:
        return "DOCTYPE/ENTITY declarations are not allowed"
    for match in re.finditer(r"<!", text):
        rest = text[match.start() : match.start() + 9]
        if not (rest.startswith("<!--") or rest.startswith("<![CDATA[")):
            return "markup declaration is not allowed"
    return None


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


_DESCRIPTION_FIELDS = {
    "devicetype": "device_type",
    "friendlyname": "friendly_name",
    "manufacturer": "manufacturer",
    "manufacturerurl": "manufacturer_url",
    "modelname": "model_name",
    "modelnumber": "model_number",
    "modeldescription": "model_description",
    "serialnumber": "serial_number",
    "udn": "udn",
}


def parse_device_description(data: object) -> tuple[DeviceDescription | None, str | None]:
    """Parse a UPnP device description; ``(description, None)`` or ``(None, reason)``.

    Refuses documents over 64 KiB, any DOCTYPE/ENTITY/markup declaration (so no entity
    expansion or external entity can happen), nesting deeper than 16 and more than 2000
    elements. Never raises.
    """
    try:
        return _parse_device_description(data)
    except Exception as err:  # contract: never raise
        return None, f"unparseable description ({type(err).__name__})"


def _parse_device_description(data: object) -> tuple[DeviceDescription | None, str | None]:
    if isinstance(data, str):
        if len(data) > MAX_XML_BYTES:
            return None, "description larger than 64 KiB"
        text = data
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data[: MAX_XML_BYTES + 1])
        if len(raw) > MAX_XML_BYTES or len(data) > MAX_XML_BYTES:
            return None, "description larger than 64 KiB"
        decoded = _decode_xml(raw)
        if decoded is None:
            return None, "unsupported character encoding"
        text = decoded
    else:
        return None, "description is not text"
    if not text.strip():
        return None, "empty description"
    if (reason := _screen_xml(text)) is not None:
        return None, reason
    # the document is parsed from a str: drop the declaration so its encoding is not used
    text = re.sub(r"^\s*<\?xml[^>]{0,200}\?>", "", text, count=1)
    parser = ET.XMLPullParser(events=("start", "end"))
    stack: list[str] = []
    device_depth: int | None = None
    values: dict[str, str] = {}
    services: list[str] = []
    device_types: list[str] = []
    elements = 0
    for offset in range(0, len(text), 4096):
        parser.feed(text[offset : offset + 4096])
        for item in parser.read_events():
            if not isinstance(item, tuple) or len(item) != 2:
                continue
            event, element = item
            if not isinstance(element, ET.Element):
                continue
            name = _local(element.tag).lower()
            if event == "start":
                elements += 1
                stack.append(name)
                if len(stack) > MAX_XML_DEPTH:
                    return None, "description nested too deeply"
                if elements > MAX_XML_ELEMENTS:
                    return None, "description has too many elements"
                if name == "device" and device_depth is None:
                    device_depth = len(stack)
                continue
            stack.pop()
            if device_depth is None:
                continue
            depth = len(stack) + 1  # depth of the element that just ended
            value = _clean(element.text)
            if depth == device_depth + 1 and name in _DESCRIPTION_FIELDS:
                values.setdefault(_DESCRIPTION_FIELDS[name], value)
            elif name == "servicetype" and value and len(services) < MAX_SERVICES:
                if value not in services:
                    services.append(value)
            elif (
                name == "devicetype"
                and depth > device_depth + 1
                and value
                and len(device_types) < MAX_SERVICES
                and value not in device_types
            ):
                device_types.append(value)
            if depth > 2:
                element.clear()
    parser.close()
    if device_depth is None:
        return None, "no <device> element"
    return (
        DeviceDescription(
            **values,
            services=tuple(services),
            device_types=tuple(device_types),
        ),
        None,
    )


# --------------------------------------------------------------------------- vendors

# (token or phrase, canonical vendor); tokens are matched on word boundaries
_VENDOR_NAMES: tuple[tuple[str, str], ...] = (
    ("philips lighting", "Signify"),
    ("signify", "Signify"),
    ("tp vision", "Philips"),
    ("samsung", "Samsung"),
    ("lg electronics", "LG"),
    ("lge", "LG"),
    ("lg", "LG"),
    ("sony", "Sony"),
    ("sonos", "Sonos"),
    ("google", "Google"),
    ("amazon", "Amazon"),
    ("apple", "Apple"),
    ("roku", "Roku"),
    ("vizio", "Vizio"),
    ("hisense", "Hisense"),
    ("tcl", "TCL"),
    ("skyworth", "Skyworth"),
    ("coocaa", "Skyworth"),
    ("xiaomi", "Xiaomi"),
    ("philips", "Philips"),
    ("panasonic", "Panasonic"),
    ("sharp", "Sharp"),
    ("toshiba", "Toshiba"),
    ("vestel", "Vestel"),
    ("nvidia", "NVIDIA"),
    ("bose", "Bose"),
    ("denon", "Denon"),
    ("d&m holdings", "Denon"),
    ("marantz", "Marantz"),
    ("yamaha", "Yamaha"),
    ("harman", "Harman"),
    ("jbl", "JBL"),
    ("bang & olufsen", "Bang & Olufsen"),
    ("synology", "Synology"),
    ("qnap", "QNAP"),
    ("hewlett-packard", "HP"),
    ("hewlett packard", "HP"),
    ("hp", "HP"),
    ("brother", "Brother"),
    ("canon", "Canon"),
    ("epson", "Epson"),
    ("microsoft", "Microsoft"),
    ("intel", "Intel"),
    ("huawei", "Huawei"),
    ("espressif", "Espressif"),
    ("shelly", "Shelly"),
    ("allterco", "Shelly"),
    ("tp-link", "TP-Link"),
    ("avm", "AVM"),
)
_VENDOR_PATTERNS = tuple(
    (re.compile(r"(?<![a-z0-9])" + re.escape(needle) + r"(?![a-z0-9])"), vendor)
    for needle, vendor in _VENDOR_NAMES
)
# Vendors that also put their platform into other makers' TVs (Roku TV, Google TV,
# Fire TV Edition): a TV's hardware vendor wins over them.
_PLATFORM_VENDORS = frozenset({"Roku", "Google", "Amazon"})

# Kind priors of vendors that make more than one kind; applied only to devices that
# already show media evidence (so a Samsung phone stays "other").
_VENDOR_PRIORS: dict[str, tuple[tuple[DeviceKind, float], ...]] = {
    "Samsung": ((DeviceKind.TV, 0.3),),
    "LG": ((DeviceKind.TV, 0.3),),
    "Sony": ((DeviceKind.TV, 0.25),),
    "Vizio": ((DeviceKind.TV, 0.35),),
    "Hisense": ((DeviceKind.TV, 0.35),),
    "TCL": ((DeviceKind.TV, 0.35),),
    "Skyworth": ((DeviceKind.TV, 0.35),),
    "Philips": ((DeviceKind.TV, 0.35),),
    "Panasonic": ((DeviceKind.TV, 0.35),),
    "Sharp": ((DeviceKind.TV, 0.35),),
    "Toshiba": ((DeviceKind.TV, 0.35),),
    "Vestel": ((DeviceKind.TV, 0.35),),
    "Xiaomi": ((DeviceKind.TV, 0.15),),
    "Roku": ((DeviceKind.STREAMER, 0.3),),
    "NVIDIA": ((DeviceKind.STREAMER, 0.4),),
    "Amazon": ((DeviceKind.STREAMER, 0.15),),
    "Sonos": ((DeviceKind.SPEAKER, 0.5),),
    "Bose": ((DeviceKind.SPEAKER, 0.5),),
    "Denon": ((DeviceKind.SPEAKER, 0.4),),
    "Marantz": ((DeviceKind.SPEAKER, 0.4),),
    "Yamaha": ((DeviceKind.SPEAKER, 0.3),),
    "Harman": ((DeviceKind.SPEAKER, 0.3),),
    "JBL": ((DeviceKind.SPEAKER, 0.4),),
    "Bang & Olufsen": ((DeviceKind.SPEAKER, 0.4),),
}


def canonical_vendor(text: object) -> str | None:
    """Map a manufacturer string (``"Samsung Electronics"``) to a short vendor name.

    Unknown manufacturers are returned cleaned and cut to 64 characters; empty -> None.
    """
    cleaned = display_name(_clean(text, 128), "")
    if not cleaned:
        return None
    lowered = cleaned.lower()
    for pattern, vendor in _VENDOR_PATTERNS:
        if pattern.search(lowered):
            return vendor
    return cleaned


# --------------------------------------------------------------------------- rules


@dataclass(slots=True)
class _Votes:
    """Evidence gathered for one device."""

    kinds: dict[DeviceKind, list[float]] = field(
        default_factory=lambda: {kind: [] for kind in DeviceKind}
    )
    vendors: dict[str, float] = field(default_factory=dict)
    models: list[tuple[float, str]] = field(default_factory=list)
    evidence: list[tuple[float, str]] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)

    def add(
        self,
        evidence: str,
        kinds: Iterable[tuple[DeviceKind, float]] = (),
        vendor: str | None = None,
        vendor_weight: float = 0.0,
        model: str | None = None,
        model_weight: float = 0.0,
    ) -> None:
        if evidence and evidence in self.labels:
            return  # the same sighting from several records counts once
        strength = 0.0
        for kind, weight in kinds:
            self.kinds[kind].append(weight)
            strength = max(strength, weight)
        if vendor:
            self.vendors[vendor] = self.vendors.get(vendor, 0.0) + vendor_weight
            strength = max(strength, vendor_weight * 0.5)
        if model:
            self.models.append((model_weight, model))
        if evidence:
            self.evidence.append((strength, evidence[:160]))
            self.labels.add(evidence)

    def score(self, kind: DeviceKind) -> float:
        remaining = 1.0
        for weight in self.kinds[kind]:
            remaining *= 1.0 - min(max(weight, 0.0), 0.99)
        return 1.0 - remaining


def _show(value: object, limit: int = 64) -> str:
    return display_name(_clean(value, limit * 2), "?")[:limit]


TV, STREAMER, SPEAKER, OTHER = (
    DeviceKind.TV,
    DeviceKind.STREAMER,
    DeviceKind.SPEAKER,
    DeviceKind.OTHER,
)
_VIDEO = ((TV, 0.45), (STREAMER, 0.45))

_APPLE_MODELS: dict[str, str] = {
    "AppleTV2,1": "Apple TV (2nd generation)",
    "AppleTV3,1": "Apple TV (3rd generation)",
    "AppleTV3,2": "Apple TV (3rd generation)",
    "AppleTV5,3": "Apple TV HD",
    "AppleTV6,2": "Apple TV 4K",
    "AppleTV11,1": "Apple TV 4K (2nd generation)",
    "AppleTV14,1": "Apple TV 4K (3rd generation)",
    "AudioAccessory1,1": "HomePod",
    "AudioAccessory1,2": "HomePod",
    "AudioAccessory5,1": "HomePod mini",
    "AudioAccessory6,1": "HomePod (2nd generation)",
}
_APPLE_ID = re.compile(r"^([A-Za-z]+)(\d{1,3}),(\d{1,3})$")
_APPLE_COMPUTERS = frozenset(
    {"macbook", "macbookpro", "macbookair", "imac", "imacpro", "macmini", "macpro", "mac"}
)
_APPLE_HANDHELDS = frozenset({"iphone", "ipad", "ipod", "watch"})


def _apple_model(votes: _Votes, model: str, label: str) -> bool:
    """Rules for Apple model identifiers (``AppleTV6,2``); True when one matched."""
    match = _APPLE_ID.match(model)
    if match is None:
        return False
    family = match.group(1).lower()
    name = _APPLE_MODELS.get(model, model)
    if family == "appletv":
        votes.add(label, ((STREAMER, 0.95),), "Apple", 0.9, name, 0.9)
    elif family == "audioaccessory":
        votes.add(label, ((SPEAKER, 0.95),), "Apple", 0.9, name, 0.9)
    elif family in _APPLE_COMPUTERS or family in _APPLE_HANDHELDS:
        votes.add(label, ((OTHER, 0.85),), "Apple", 0.9, model, 0.8)
    elif family == "airport":
        votes.add(label, ((OTHER, 0.6),), "Apple", 0.9, model, 0.8)
    else:
        return False
    return True


# Model-name / product-text rules: (regex on lower-cased text, kind weights, vendor)
_TEXT_RULES: tuple[tuple[re.Pattern[str], tuple[tuple[DeviceKind, float], ...], str | None], ...]
_TEXT_RULES = tuple(
    (re.compile(pattern), kinds, vendor)
    for pattern, kinds, vendor in (
        (r"chromecast audio", ((SPEAKER, 0.85),), "Google"),
        (r"^chromecast|eureka dongle", ((STREAMER, 0.9),), "Google"),
        (r"google tv streamer", ((STREAMER, 0.9),), "Google"),
        (
            r"google home|nest mini|nest audio|home mini|google nest hub|nest hub",
            ((SPEAKER, 0.9),),
            "Google",
        ),
        (r"shield android tv|^shield", ((STREAMER, 0.9),), "NVIDIA"),
        (r"\bmi ?box", ((STREAMER, 0.85),), "Xiaomi"),
        (r"\bfire ?tv ?(stick|cube)|^aft[a-z]{1,4}$", ((STREAMER, 0.8),), "Amazon"),
        (r"\becho\b|echo dot|echo show|echo studio", ((SPEAKER, 0.7),), "Amazon"),
        (
            r"roku (express|ultra|premiere|streaming stick|stick)|streaming stick|roku streambar",
            ((STREAMER, 0.75),),
            "Roku",
        ),
        (r"\broku tv\b", ((TV, 0.7),), None),
        (r"homepod", ((SPEAKER, 0.9),), "Apple"),
        (r"apple ?tv", ((STREAMER, 0.85),), "Apple"),
        (
            r"sonos|^(one|one sl|arc|arc ultra|beam|era \d+|five|move|roam|ray|sub|amp|port)$",
            ((SPEAKER, 0.6),),
            None,
        ),
        (
            r"soundbar|sound bar|\bspeaker\b|soundtouch|heos|musiccast|\bsub(woofer)?\b",
            ((SPEAKER, 0.6),),
            None,
        ),
        (r"^(avr|avc|sr|nr)-?[a-z]?\d{3,4}", ((SPEAKER, 0.55),), None),
        (r"^(yas|wx|sr-b|ats|rx-v|rx-a|tsr|ys)-?\d", ((SPEAKER, 0.5),), None),
        (r"^(srs|ht)-[a-z0-9]", ((SPEAKER, 0.5),), None),
        (r"^hw-[a-z]?\d", ((SPEAKER, 0.5),), None),
        (r"bravia|^(kd|xr|kdl|xbr|kj)-\d{2}", ((TV, 0.7),), "Sony"),
        (r"^(ue|un|qe|qn|gq|gu|hg)\d{2}[a-z]", ((TV, 0.6),), None),
        (r"^oled\d{2}|^\d{2}(un|up|uq|ur|ut|nano|qned|lm|uk)\d", ((TV, 0.6),), None),
        (r"^\d{2}(pus|oled|pfs|pfl|puh|pml|pos|phs)\d", ((TV, 0.7),), "Philips"),
        (r"^(tx|th|tc)-\d{2}", ((TV, 0.6),), None),
        (r"\bvidaa\b", ((TV, 0.8),), "Hisense"),
        (r"\bwebos\b", ((TV, 0.7),), "LG"),
        (r"\btizen\b", ((TV, 0.5),), "Samsung"),
        (
            r"^\[tv\]|\bsmart ?tv\b|\btelevision\b|\bandroid ?tv\b|\bgoogle ?tv\b|\btv\b|mitv",
            ((TV, 0.55),),
            None,
        ),
        (r"\bqled\b|\boled\b|\buhd\b|\b4k tv\b", ((TV, 0.4),), None),
        (
            r"laserjet|officejet|deskjet|envy|\bprinter\b|\bmfc-|\bhl-l|\bdcp-|pixma|ecotank"
            r"|imageclass|workforce",
            ((OTHER, 0.85),),
            None,
        ),
        (r"^ds\d{3,4}|^rs\d{3,4}|diskstation|\bnas\b|^ts-\d{3}", ((OTHER, 0.8),), None),
        (r"hue bridge|\bbsb00\d\b|^bsb0", ((OTHER, 0.85),), "Signify"),
        (
            r"macbook|\bimac\b|mac ?mini|iphone|\bipad\b|thinkpad|\blaptop\b|desktop-",
            ((OTHER, 0.7),),
            None,
        ),
    )
)


def _text_rule(votes: _Votes, text: str, label: str, scale: float = 1.0) -> bool:
    """Apply the first matching product-text rule; True when one matched."""
    lowered = text.lower().strip()
    if not lowered:
        return False
    for pattern, kinds, vendor in _TEXT_RULES:
        if pattern.search(lowered):
            votes.add(
                label,
                tuple((kind, weight * scale) for kind, weight in kinds),
                vendor,
                0.5 * scale,
            )
            return True
    return False


# mDNS service types without special handling: kinds, vendor, vendor weight
_MDNS_TYPES: dict[str, tuple[tuple[tuple[DeviceKind, float], ...], str | None, float]] = {
    "_androidtvremote2._tcp": (_VIDEO, None, 0.0),
    "_androidtvremote._tcp": (_VIDEO, None, 0.0),
    "_amzn-wplay._tcp": (((STREAMER, 0.7), (TV, 0.25)), "Amazon", 0.5),
    "_amazonecho-remote._tcp": (((SPEAKER, 0.8),), "Amazon", 0.7),
    "_spotify-connect._tcp": (((SPEAKER, 0.25), (TV, 0.1)), None, 0.0),
    "_sonos._tcp": (((SPEAKER, 0.9),), "Sonos", 0.9),
    "_soundtouch._tcp": (((SPEAKER, 0.9),), "Bose", 0.8),
    "_heos-audio._tcp": (((SPEAKER, 0.8),), "Denon", 0.6),
    "_viziocast._tcp": (((TV, 0.6), (SPEAKER, 0.2)), "Vizio", 0.8),
    "_philipstv_rpc._tcp": (((TV, 0.9),), "Philips", 0.8),
    "_philipstv_s_rpc._tcp": (((TV, 0.9),), "Philips", 0.8),
    "_googlezone._tcp": (((SPEAKER, 0.5),), "Google", 0.5),
    "_mediaremotetv._tcp": (((STREAMER, 0.7),), "Apple", 0.6),
    "_touch-able._tcp": (((STREAMER, 0.6),), "Apple", 0.6),
    "_appletv-v2._tcp": (((STREAMER, 0.7),), "Apple", 0.6),
    "_airplay._tcp": (((TV, 0.15), (STREAMER, 0.15), (SPEAKER, 0.15)), None, 0.0),
    "_raop._tcp": (((SPEAKER, 0.15), (TV, 0.1), (STREAMER, 0.1)), None, 0.0),
    "_companion-link._tcp": ((), "Apple", 0.3),
    "_apple-mobdev2._tcp": (((OTHER, 0.7),), "Apple", 0.5),
    "_ipp._tcp": (((OTHER, 0.8),), None, 0.0),
    "_ipps._tcp": (((OTHER, 0.8),), None, 0.0),
    "_printer._tcp": (((OTHER, 0.8),), None, 0.0),
    "_pdl-datastream._tcp": (((OTHER, 0.8),), None, 0.0),
    "_uscan._tcp": (((OTHER, 0.7),), None, 0.0),
    "_scanner._tcp": (((OTHER, 0.7),), None, 0.0),
    "_smb._tcp": (((OTHER, 0.5),), None, 0.0),
    "_afpovertcp._tcp": (((OTHER, 0.5),), None, 0.0),
    "_adisk._tcp": (((OTHER, 0.5),), None, 0.0),
    "_nfs._tcp": (((OTHER, 0.5),), None, 0.0),
    "_workstation._tcp": (((OTHER, 0.3),), None, 0.0),
    "_ssh._tcp": (((OTHER, 0.4),), None, 0.0),
    "_sftp-ssh._tcp": (((OTHER, 0.4),), None, 0.0),
    "_rfb._tcp": (((OTHER, 0.5),), None, 0.0),
    "_dosvc._tcp": (((OTHER, 0.6),), "Microsoft", 0.3),
    "_hue._tcp": (((OTHER, 0.85),), "Signify", 0.6),
    "_shelly._tcp": (((OTHER, 0.8),), "Shelly", 0.8),
    "_esphomelib._tcp": (((OTHER, 0.8),), None, 0.0),
    "_miio._udp": (((OTHER, 0.6),), "Xiaomi", 0.5),
}

# HomeKit accessory categories (HAP ``ci``)
_HAP_CATEGORIES: dict[int, tuple[str, tuple[tuple[DeviceKind, float], ...], str | None]] = {
    1: ("other", ((OTHER, 0.5),), None),
    2: ("bridge", ((OTHER, 0.75),), None),
    3: ("fan", ((OTHER, 0.75),), None),
    4: ("garage door opener", ((OTHER, 0.75),), None),
    5: ("lightbulb", ((OTHER, 0.75),), None),
    6: ("door lock", ((OTHER, 0.75),), None),
    7: ("outlet", ((OTHER, 0.75),), None),
    8: ("switch", ((OTHER, 0.75),), None),
    9: ("thermostat", ((OTHER, 0.75),), None),
    10: ("sensor", ((OTHER, 0.75),), None),
    17: ("IP camera", ((OTHER, 0.75),), None),
    18: ("video doorbell", ((OTHER, 0.75),), None),
    24: ("Apple TV", ((STREAMER, 0.8),), "Apple"),
    25: ("HomePod", ((SPEAKER, 0.8),), "Apple"),
    26: ("speaker", ((SPEAKER, 0.75),), None),
    27: ("AirPort", ((OTHER, 0.6),), "Apple"),
    31: ("television", ((TV, 0.85),), None),
    33: ("router", ((OTHER, 0.75),), None),
    34: ("audio receiver", ((SPEAKER, 0.65),), None),
    35: ("TV set-top box", ((STREAMER, 0.75),), None),
    36: ("TV streaming stick", ((STREAMER, 0.75),), None),
}

_CAST_VIDEO_OUT = 1 << 0
_CAST_AUDIO_OUT = 1 << 2
_CAST_GROUP = 1 << 5


def _mdns_rules(votes: _Votes, record: MdnsRecord) -> None:
    stype = record.service_type
    prefix = f"mDNS {_show(stype, 48)}"
    if stype == "_googlecast._tcp":
        model = record.txt("md")
        label = f"{prefix} md={_show(model)}" if model else prefix
        if model and model.lower() == "google cast group":
            votes.add(label, ((SPEAKER, 0.3),), "Google", 0.2)
            return
        matched = bool(model) and _text_rule(votes, model or "", label)
        if model:
            votes.models.append((0.85, _show(model)))
        if not matched:
            caps_text = record.txt("ca") or ""
            caps = int(caps_text) if caps_text.isdigit() and len(caps_text) < 12 else None
            if caps is not None and caps & _CAST_VIDEO_OUT:
                votes.add(f"{label} ca={caps} (video)", _VIDEO)
            elif caps is not None and caps & _CAST_AUDIO_OUT:
                votes.add(f"{label} ca={caps} (audio only)", ((SPEAKER, 0.6),))
            else:
                votes.add(label, ((TV, 0.3), (STREAMER, 0.3), (SPEAKER, 0.3)))
        return
    if stype in {"_airplay._tcp", "_raop._tcp", "_device-info._tcp"}:
        key = "am" if stype == "_raop._tcp" else "model"
        model = record.txt(key)
        manufacturer = record.txt("manufacturer")
        base = _MDNS_TYPES.get(stype)
        if model and _apple_model(votes, model, f"{prefix} {key}={_show(model)}"):
            return
        if base is not None:
            votes.add(prefix, base[0])
        if manufacturer:
            votes.add(
                f"{prefix} manufacturer={_show(manufacturer)}",
                vendor=canonical_vendor(manufacturer),
                vendor_weight=0.85,
            )
        if model:
            label = f"{prefix} {key}={_show(model)}"
            if not _text_rule(votes, model, label, 0.8):
                votes.add(label)
            votes.models.append((0.7, _show(model)))
        deviceid = record.txt("deviceid")
        if deviceid and (claimed := normalize_mac(deviceid)) is not None:
            votes.add(f"{prefix} claims MAC {claimed}")
        return
    if stype == "_hap._tcp":
        category = record.txt("ci") or ""
        model = record.txt("md")
        if category.isdigit() and len(category) <= 3:
            name, kinds, vendor = _HAP_CATEGORIES.get(int(category), ("unknown", (), None))
            votes.add(f"{prefix} ci={category} ({name})", kinds, vendor, 0.6)
        if model:
            votes.models.append((0.6, _show(model)))
            _text_rule(votes, model, f"{prefix} md={_show(model)}", 0.8)
        return
    if stype == "_soundtouch._tcp":
        manufacturer = record.txt("manufacturer")
        model = record.txt("model")
        votes.add(
            prefix,
            ((SPEAKER, 0.9),),
            canonical_vendor(manufacturer) if manufacturer else "Bose",
            0.85,
            _show(model) if model else None,
            0.6,
        )
        return
    if stype == "_sonos._tcp":
        votes.add(prefix, ((SPEAKER, 0.9),), "Sonos", 0.9)
        return
    rule = _MDNS_TYPES.get(stype)
    if rule is not None:
        kinds, vendor, vendor_weight = rule
        votes.add(prefix, kinds, vendor, vendor_weight)
    for key in ("ty", "product", "usb_mdl", "model", "md"):
        value = record.txt(key)
        if value:
            label = f"{prefix} {key}={_show(value)}"
            _text_rule(votes, value, label, 0.8)
            votes.models.append((0.5, _show(value)))
            break
    for key in ("usb_mfg", "manufacturer", "vendor", "mfg"):
        value = record.txt(key)
        if value:
            votes.add(
                f"{prefix} {key}={_show(value)}",
                vendor=canonical_vendor(value),
                vendor_weight=0.6,
            )
            break


# SSDP search targets / notification types / device and service types.
# (prefix without version, kinds, vendor, vendor weight)
_SSDP_TYPES: tuple[tuple[str, tuple[tuple[DeviceKind, float], ...], str | None, float], ...] = (
    ("urn:samsung.com:device:remotecontrolreceiver:", ((TV, 0.9),), "Samsung", 0.9),
    ("urn:samsung.com:service:multiscreenservice:", ((TV, 0.7),), "Samsung", 0.8),
    ("urn:samsung.com:device:maintvserver2:", ((TV, 0.8),), "Samsung", 0.8),
    ("urn:lge-com:service:webos-second-screen:", ((TV, 0.9),), "LG", 0.9),
    ("urn:schemas-sony-com:service:scalarwebapi:", ((TV, 0.5), (SPEAKER, 0.25)), "Sony", 0.8),
    ("urn:schemas-sony-com:service:ircc:", ((TV, 0.5),), "Sony", 0.8),
    ("roku:ecp", ((STREAMER, 0.6), (TV, 0.25)), "Roku", 0.7),
    ("urn:roku-com:", ((STREAMER, 0.5),), "Roku", 0.7),
    ("urn:dial-multiscreen-org:service:dial:", ((TV, 0.35), (STREAMER, 0.35)), None, 0.0),
    ("urn:dial-multiscreen-org:device:dial:", ((TV, 0.35), (STREAMER, 0.35)), None, 0.0),
    (
        "urn:schemas-upnp-org:device:mediarenderer:",
        ((TV, 0.3), (SPEAKER, 0.3), (STREAMER, 0.1)),
        None,
        0.0,
    ),
    ("urn:schemas-upnp-org:device:zoneplayer:", ((SPEAKER, 0.9),), "Sonos", 0.9),
    ("urn:schemas-denon-com:device:act-denon:", ((SPEAKER, 0.85),), "Denon", 0.7),
    ("urn:panasonic-com:service:p00networkcontrol:", ((TV, 0.8),), "Panasonic", 0.9),
    ("urn:panasonic-com:device:p00remotecontroller:", ((TV, 0.8),), "Panasonic", 0.9),
    ("urn:schemas-upnp-org:device:mediaserver:", ((OTHER, 0.3),), None, 0.0),
    ("urn:schemas-upnp-org:device:internetgatewaydevice:", ((OTHER, 0.85),), None, 0.0),
    ("urn:schemas-upnp-org:device:wandevice:", ((OTHER, 0.7),), None, 0.0),
    ("urn:schemas-upnp-org:device:printer:", ((OTHER, 0.85),), None, 0.0),
    ("urn:schemas-upnp-org:service:printbasic:", ((OTHER, 0.85),), None, 0.0),
    ("urn:schemas-upnp-org:device:binarylight:", ((OTHER, 0.6),), None, 0.0),
    ("urn:schemas-upnp-org:device:dimmablelight:", ((OTHER, 0.6),), None, 0.0),
    ("urn:belkin:device:", ((OTHER, 0.7),), "Belkin", 0.6),
    ("urn:schemas-wifialliance-org:device:wfadevice:", ((OTHER, 0.3),), None, 0.0),
)

_SERVER_RULES: tuple[tuple[str, tuple[tuple[DeviceKind, float], ...], str | None, float], ...] = (
    ("roku", (), "Roku", 0.5),
    ("sonos", ((SPEAKER, 0.5),), "Sonos", 0.6),
    ("webos", ((TV, 0.5),), "LG", 0.6),
    ("tizen", ((TV, 0.4),), "Samsung", 0.5),
    ("samsung", (), "Samsung", 0.4),
    ("ipbridge", ((OTHER, 0.75),), "Signify", 0.6),
    ("synology", ((OTHER, 0.6),), "Synology", 0.6),
    ("heos", ((SPEAKER, 0.4),), "Denon", 0.4),
)


def _ssdp_type_rule(votes: _Votes, urn: str, label: str, seen: set[str]) -> None:
    lowered = urn.lower()
    for prefix, kinds, vendor, weight in _SSDP_TYPES:
        if lowered.startswith(prefix):
            if prefix in seen:
                return
            seen.add(prefix)
            votes.add(label, kinds, vendor, weight)
            return


# modelName values that name a platform, not a product (a Chromecast's DIAL description)
_GENERIC_MODELS = frozenset({"eureka dongle", "lg smart tv", "lg tv", "smart tv"})


def _ssdp_rules(votes: _Votes, record: SsdpRecord, seen_types: set[str]) -> None:
    for urn in (record.st, record.device_type, *record.services):
        if urn:
            _ssdp_type_rule(votes, urn, f"SSDP {_show(urn, 96)}", seen_types)
    usn = record.usn.lower()
    if "rincon_" in usn:
        votes.add("SSDP USN RINCON_ (Sonos)", ((SPEAKER, 0.6),), "Sonos", 0.6)
    if record.server:
        server = record.server.lower()
        for needle, kinds, vendor, weight in _SERVER_RULES:
            if needle in server:
                votes.add(f"SSDP SERVER '{_show(record.server, 80)}'", kinds, vendor, weight)
                break
    if record.manufacturer:
        votes.add(
            f"SSDP manufacturer '{_show(record.manufacturer)}'",
            vendor=canonical_vendor(record.manufacturer),
            vendor_weight=0.9,
        )
    model = " ".join(p for p in (record.model_name, record.model_number) if p)
    if record.model_name:
        shown = _show(record.model_name)
        generic = record.model_name.lower() in _GENERIC_MODELS
        votes.models.append((0.4 if generic else 0.9, _show(model)))
        matched = _text_rule(votes, record.model_name, f"SSDP modelName '{shown}'")
        if not matched and record.model_number:
            _text_rule(
                votes,
                record.model_number,
                f"SSDP modelNumber '{_show(record.model_number)}'",
            )
    elif record.model_number:
        votes.models.append((0.6, _show(record.model_number)))
        _text_rule(votes, record.model_number, f"SSDP modelNumber '{_show(record.model_number)}'")
    if record.model_description:
        _text_rule(
            votes,
            record.model_description,
            f"SSDP modelDescription '{_show(record.model_description)}'",
            0.7,
        )
    if record.friendly_name:
        _text_rule(
            votes,
            record.friendly_name,
            f"SSDP friendlyName '{_show(record.friendly_name)}'",
            0.6,
        )


_NEGATIVE_HOSTNAME = re.compile(
    r"iphone|ipad|macbook|\bimac\b|^pixel|galaxy|oneplus|redmi|^desktop-|^laptop-|thinkpad"
    r"|^brw|^brn|laserjet|officejet|^hp[0-9a-f]{6}|^epson|^canon|^synology|^ds\d{3}"
    r"|raspberrypi|^shelly|^tasmota|^esp[-_]|^philips-hue|^hue-|^kasa|^hs1\d\d|^wemo"
)


def _hostname_rules(votes: _Votes, hostname: str, source: str) -> None:
    label = f"{source} hostname '{_show(hostname)}'"
    rule = _hostname_rule(hostname)
    if rule is not None:
        kind, vendor, _reason = rule
        votes.add(label, ((kind, 0.5),), vendor, 0.4)
        return
    if _NEGATIVE_HOSTNAME.search(hostname.lower()):
        votes.add(label, ((OTHER, 0.45),))


_VENDOR_CLASS_OTHER = re.compile(r"^msft |^msft$|^dhcpcd-.*-darwin|^mswin")


def _dhcp_rules(votes: _Votes, record: DhcpRecord) -> None:
    if record.hostname:
        _hostname_rules(votes, record.hostname, "DHCP")
    vendor_class = record.vendor_class
    if vendor_class:
        lowered = vendor_class.lower()
        label = f"DHCP vendor class '{_show(vendor_class)}'"
        if _VENDOR_CLASS_OTHER.search(lowered):
            votes.add(label, ((OTHER, 0.55),))
            return
        vendor = None
        for keyword, _kind, keyword_vendor in _HOSTNAME_KEYWORDS:
            if keyword_vendor and keyword in lowered:
                vendor = keyword_vendor
                break
        if vendor is not None:
            votes.add(label, vendor=vendor, vendor_weight=0.3)


def _oui_rules(votes: _Votes, mac: str | None) -> None:
    """OUI evidence (or the note that the MAC is randomised)."""
    info = oui_lookup(mac) if mac is not None else None
    if info is None:
        return
    if info.randomised:
        votes.add(f"MAC {mac} is locally administered (randomised), no vendor lookup")
        return
    if info.vendor is None:
        return
    label = f"OUI {info.oui} = {info.vendor}"
    hint = info.hint
    if hint == "tv":
        votes.add(label, ((TV, 0.6),), info.vendor, 0.7)
    elif hint == "streamer":
        votes.add(label, ((STREAMER, 0.6),), info.vendor, 0.7)
    elif hint == "speaker":
        votes.add(label, ((SPEAKER, 0.6),), info.vendor, 0.7)
    elif hint == "other":
        votes.add(label, ((OTHER, 0.35),), info.vendor, 0.6)
    else:
        votes.add(label, (), info.vendor, 0.6)


_ID_LIKE = re.compile(r"[0-9a-fA-F]{12,}")  # "Chromecast-<uuid hex>", "Sonos-<MAC>"


def _gather(records: Iterable[object], mac: str | None) -> tuple[_Votes, list[str]]:
    votes = _Votes()
    names: list[str] = []
    ssdp_types: set[str] = set()
    for record in records:
        if isinstance(record, MdnsRecord):
            _mdns_rules(votes, record)
            fn = record.txt("fn") or record.txt("n")
            if fn:
                names.append(fn)
            instance = record.name.split("@", 1)[-1]
            if instance and not _ID_LIKE.search(instance):
                names.append(instance)
            if record.hostname:
                _hostname_rules(votes, record.hostname, "mDNS")
        elif isinstance(record, SsdpRecord):
            _ssdp_rules(votes, record, ssdp_types)
            if record.friendly_name:
                names.append(record.friendly_name)
        elif isinstance(record, DhcpRecord):
            _dhcp_rules(votes, record)
        elif isinstance(record, RouterRecord) and record.hostname:
            _hostname_rules(votes, record.hostname, "router")
    _oui_rules(votes, normalize_mac(mac) if isinstance(mac, str) else None)
    return votes, names


def _decide_vendor(votes: _Votes, kind: DeviceKind) -> str | None:
    if not votes.vendors:
        return None
    ranked = sorted(votes.vendors.items(), key=lambda item: (-item[1], item[0]))
    best, weight = ranked[0]
    if kind is TV and best in _PLATFORM_VENDORS:
        for other, other_weight in ranked[1:]:
            priors = _VENDOR_PRIORS.get(other, ())
            if (
                other not in _PLATFORM_VENDORS
                and other_weight >= 0.5
                and any(k is TV for k, _ in priors)
            ):
                return other
    return best if weight >= 0.3 else None


def _prior_vendor(votes: _Votes) -> str | None:
    """Vendor whose kind prior applies: the hardware maker before a platform vendor."""
    ranked = sorted(votes.vendors.items(), key=lambda item: (-item[1], item[0]))
    for vendor, weight in ranked:
        if vendor not in _PLATFORM_VENDORS and weight >= 0.5:
            return vendor
    return ranked[0][0] if ranked and ranked[0][1] >= 0.3 else None


def classify(records: Iterable[object], mac: str | None = None) -> Classification:
    """Classify one device from its discovery records and MAC address; never raises.

    ``records`` may mix :class:`MdnsRecord`, :class:`SsdpRecord`, :class:`DhcpRecord` and
    :class:`RouterRecord`; anything else is ignored. ``mac`` is used for the OUI lookup
    (the records' own ``mac`` fields are used when it is None).
    """
    try:
        items = [
            r for r in list(records)[: MAX_RECORDS_PER_DEVICE * 4] if isinstance(r, _RECORD_TYPES)
        ]
    except Exception:  # a hostile iterable
        items = []
    if mac is None:
        mac = next((r.mac for r in items if r.mac), None)
    try:
        return _classify(items, mac)[0]
    except Exception as err:  # contract: never raise
        return Classification(
            kind=DeviceKind.OTHER,
            vendor=None,
            reason=f"classification failed ({type(err).__name__})",
        )


def _classify(records: list[DiscoveryRecord], mac: str | None) -> tuple[Classification, list[str]]:
    votes, names = _gather(records, mac)
    scores = {kind: votes.score(kind) for kind in DeviceKind}
    media_best = max(scores[k] for k in _MEDIA_KINDS)
    if media_best > 0:
        # vendor priors tilt TV / streamer / speaker once something says "media device"
        for prior_kind, prior in _VENDOR_PRIORS.get(_prior_vendor(votes) or "", ()):
            votes.kinds[prior_kind].append(prior)
        scores = {kind: votes.score(kind) for kind in DeviceKind}
    ranked = sorted(_MEDIA_KINDS, key=lambda k: (-scores[k], _MEDIA_KINDS.index(k)))
    best = ranked[0]
    other = scores[OTHER]
    if scores[best] >= MEDIA_THRESHOLD and scores[best] > other:
        kind = best
        runner_up = max(scores[ranked[1]], other)
        confidence = scores[best] * (1.0 - 0.5 * runner_up)
    else:
        kind = OTHER
        confidence = 0.5 + 0.5 * other - 0.5 * scores[best]
    confidence = round(min(max(confidence, 0.01), 0.99), 2)
    vendor = _decide_vendor(votes, kind)
    model = None
    if votes.models:
        model = max(votes.models, key=lambda item: item[0])[1]
    ordered: list[str] = []
    for _strength, text in sorted(votes.evidence, key=lambda item: -item[0]):
        if text not in ordered:
            ordered.append(text)
        if len(ordered) >= MAX_EVIDENCE:
            break
    reason = "; ".join(ordered[:3]) if ordered else "no discovery rule matched"
    result = Classification(
        kind=kind,
        vendor=vendor,
        reason=reason[:200],
        model=model,
        confidence=confidence,
        evidence=tuple(ordered),
    )
    return result, names


# --------------------------------------------------------------------------- inventory


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """What the inventory knows about one device (keyed by MAC address)."""

    mac: str
    ips: tuple[str, ...]
    hostname: str | None
    names: tuple[str, ...]
    kind: DeviceKind
    vendor: str | None
    model: str | None
    confidence: float
    evidence: tuple[str, ...]
    last_seen: float
    randomised_mac: bool
    sources: tuple[str, ...] = ()

    @property
    def classification(self) -> Classification:
        """The record's classification as a :class:`Classification`."""
        return Classification(
            kind=self.kind,
            vendor=self.vendor,
            reason="; ".join(self.evidence[:3]) or "no discovery rule matched",
            model=self.model,
            confidence=self.confidence,
            evidence=self.evidence,
        )


def _record_key(record: DiscoveryRecord) -> tuple[str, ...]:
    if isinstance(record, MdnsRecord):
        return ("mdns", record.service_type[:64], record.name[:64].lower())
    if isinstance(record, SsdpRecord):
        st = record.st or record.device_type
        return ("ssdp", st[:128].lower())
    if isinstance(record, DhcpRecord):
        return ("dhcp",)
    return ("router",)


_SOURCE_NAMES = {"mdns": "mDNS", "ssdp": "SSDP", "dhcp": "DHCP", "router": "router"}


@dataclass(slots=True)
class _Device:
    mac: str
    ips: OrderedDict[str, float] = field(default_factory=OrderedDict)
    records: OrderedDict[tuple[str, ...], DiscoveryRecord] = field(default_factory=OrderedDict)
    cached: DeviceRecord | None = None

    def last_seen(self) -> float:
        seen = [r.seen for r in self.records.values()]
        seen.extend(self.ips.values())
        return max(seen, default=0.0)

    def add_ip(self, ip: str, seen: float) -> bool:
        if ip in self.ips:
            old = self.ips[ip]
            self.ips[ip] = max(old, seen)
            self.ips.move_to_end(ip)
            return False
        self.ips[ip] = seen
        while len(self.ips) > MAX_IPS_PER_DEVICE:
            self.ips.popitem(last=False)
        self.cached = None
        return True

    def add_record(self, record: DiscoveryRecord) -> bool:
        key = _record_key(record)
        old = self.records.get(key)
        if old is not None and old.seen > record.seen:
            return False
        changed = old is None or replace(old, seen=0.0) != replace(record, seen=0.0)
        self.records[key] = record
        self.records.move_to_end(key)
        while len(self.records) > MAX_RECORDS_PER_DEVICE:
            self.records.popitem(last=False)
        self.cached = None
        return changed


def _record_ips(record: DiscoveryRecord) -> list[str]:
    if isinstance(record, MdnsRecord):
        ips = [record.ip] if record.ip else []
        ips.extend(a for a in record.addresses if a not in ips)
        return ips
    if isinstance(record, RouterRecord):
        return list(record.ips)
    return [record.ip] if record.ip else []


def _strip_local(host: str) -> str:
    return host[: -len(".local")] if host.lower().endswith(".local") else host


class DeviceInventory:
    """One record per device, merged from mDNS, SSDP, DHCP and router sightings."""

    def __init__(self) -> None:
        """Start empty."""
        self._devices: OrderedDict[str, _Device] = OrderedDict()
        self._ip_to_mac: OrderedDict[str, str] = OrderedDict()
        self._pending: OrderedDict[str, list[DiscoveryRecord]] = OrderedDict()

    def __len__(self) -> int:
        """Return the number of devices."""
        return len(self._devices)

    # -- feeding ---------------------------------------------------------------------

    def add(self, record: object) -> str | None:
        """Add one record; return the MAC it was attributed to (None: pending by IP).

        Records of other types, and records with neither MAC nor IP, are ignored (None).
        """
        if not isinstance(record, _RECORD_TYPES):
            return None
        mac = record.mac
        if isinstance(record, DhcpRecord | RouterRecord) and mac is not None:
            self._learn(record, mac)
        ips = _record_ips(record)
        if mac is None:
            for ip in ips:
                mac = self._ip_to_mac.get(ip)
                if mac is not None:
                    break
        if mac is None:
            if ips:
                self._park(ips[0], record)
            return None
        self._attach(mac, record, ips)
        return mac

    def update_neighbours(self, ip_to_mac: Mapping[str, str]) -> list[str]:
        """Learn IP -> MAC mappings (ARP/NDP table, leases); return MACs whose record changed.

        Pending records for a newly mapped IP are attributed; an IP that moved to another
        MAC is removed from the old device.
        """
        changed: set[str] = set()
        pairs: object = ip_to_mac
        if not isinstance(pairs, Mapping):
            return []
        for raw_ip, raw_mac in list(pairs.items())[:MAX_IP_MAP]:
            ip, mac = _ip(raw_ip), _mac(raw_mac)
            if ip is None or mac is None:
                continue
            changed.update(self._map(ip, mac, None))
        return sorted(changed)

    # -- reading ---------------------------------------------------------------------

    def devices(self) -> list[DeviceRecord]:
        """Return every device, sorted by MAC."""
        return [self._view(self._devices[mac]) for mac in sorted(self._devices)]

    def get(self, mac: str) -> DeviceRecord | None:
        """Return the device with this MAC (any notation), or None."""
        key = _mac(mac)
        device = self._devices.get(key) if key else None
        return self._view(device) if device is not None else None

    def pending_count(self) -> int:
        """Return how many records wait for an IP -> MAC mapping."""
        return sum(len(v) for v in self._pending.values())

    # -- maintenance -----------------------------------------------------------------

    def prune(self, older_than: float) -> list[str]:
        """Forget devices last seen before ``older_than`` (and older records of others).

        Returns the MACs of removed devices.
        """
        limit = _seen(older_than)
        removed: list[str] = []
        for mac, device in list(self._devices.items()):
            if device.last_seen() < limit:
                del self._devices[mac]
                removed.append(mac)
                continue
            stale = [k for k, r in device.records.items() if r.seen < limit]
            for key in stale:
                del device.records[key]
            for ip in [ip for ip, seen in device.ips.items() if seen < limit]:
                del device.ips[ip]
            if stale:
                device.cached = None
        for ip, records in list(self._pending.items()):
            fresh = [r for r in records if r.seen >= limit]
            if fresh:
                self._pending[ip] = fresh
            else:
                del self._pending[ip]
        gone = set(removed)
        for ip in [ip for ip, mac in self._ip_to_mac.items() if mac in gone]:
            del self._ip_to_mac[ip]
        return sorted(removed)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able snapshot (devices with their records and IPs)."""
        return {
            "version": 1,
            "devices": [
                {
                    "mac": device.mac,
                    "ips": dict(device.ips),
                    "records": [_record_to_dict(r) for r in device.records.values()],
                }
                for device in self._devices.values()
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> DeviceInventory:
        """Rebuild an inventory from :meth:`to_dict` output; bad parts are skipped."""
        inventory = cls()
        if not isinstance(data, Mapping):
            return inventory
        devices = data.get("devices")
        if not isinstance(devices, list):
            return inventory
        for entry in devices[:MAX_DEVICES]:
            if not isinstance(entry, Mapping):
                continue
            mac = _mac(entry.get("mac"))
            if mac is None:
                continue
            records = entry.get("records")
            if isinstance(records, list):
                for raw in records[:MAX_RECORDS_PER_DEVICE]:
                    record = _record_from_dict(raw)
                    if record is not None:
                        inventory._attach(mac, record, [])
            ips = entry.get("ips")
            if isinstance(ips, Mapping):
                for raw_ip, seen in list(ips.items())[:MAX_IPS_PER_DEVICE]:
                    ip = _ip(raw_ip)
                    if ip is not None:
                        inventory._device(mac).add_ip(ip, _seen(seen))
        return inventory

    # -- internals -------------------------------------------------------------------

    def _device(self, mac: str) -> _Device:
        device = self._devices.get(mac)
        if device is None:
            device = _Device(mac=mac)
            self._devices[mac] = device
            while len(self._devices) > MAX_DEVICES:
                old_mac, _old = self._devices.popitem(last=False)
                for ip in [ip for ip, m in self._ip_to_mac.items() if m == old_mac]:
                    del self._ip_to_mac[ip]
        else:
            self._devices.move_to_end(mac)
        return device

    def _learn(self, record: DhcpRecord | RouterRecord, mac: str) -> None:
        for ip in _record_ips(record):
            self._map(ip, mac, record.seen)

    def _map(self, ip: str, mac: str, seen: float | None) -> set[str]:
        """Record ``ip`` -> ``mac``; attribute pending records; return changed MACs."""
        changed: set[str] = set()
        previous = self._ip_to_mac.get(ip)
        self._ip_to_mac[ip] = mac
        self._ip_to_mac.move_to_end(ip)
        while len(self._ip_to_mac) > MAX_IP_MAP:
            self._ip_to_mac.popitem(last=False)
        if previous is not None and previous != mac:
            old = self._devices.get(previous)
            if old is not None and ip in old.ips:
                del old.ips[ip]
                old.cached = None
                changed.add(previous)
        device = self._devices.get(mac)
        parked = self._pending.pop(ip, [])
        if device is None and not parked:
            return changed
        device = self._device(mac)
        when = seen if seen is not None else max((r.seen for r in parked), default=time.time())
        if device.add_ip(ip, when):
            changed.add(mac)
        for record in parked:
            if device.add_record(record):
                changed.add(mac)
        return changed

    def _park(self, ip: str, record: DiscoveryRecord) -> None:
        queue = self._pending.get(ip)
        if queue is None:
            queue = []
            self._pending[ip] = queue
            while len(self._pending) > MAX_PENDING_IPS:
                self._pending.popitem(last=False)
        key = _record_key(record)
        queue[:] = [r for r in queue if _record_key(r) != key]
        queue.append(record)
        del queue[:-MAX_PENDING_PER_IP]

    def _attach(self, mac: str, record: DiscoveryRecord, ips: list[str]) -> None:
        device = self._device(mac)
        device.add_record(record)
        for ip in ips:
            owner = self._ip_to_mac.get(ip)
            if owner is None or owner == mac:
                device.add_ip(ip, record.seen)

    def _view(self, device: _Device) -> DeviceRecord:
        if device.cached is not None:
            return device.cached
        records = list(device.records.values())
        result, names = _classify(records, device.mac)
        hostname: str | None = None
        for wanted in (DhcpRecord, RouterRecord, MdnsRecord):
            for record in reversed(records):
                host = getattr(record, "hostname", None) if isinstance(record, wanted) else None
                if isinstance(host, str) and host:
                    hostname = _strip_local(host)
                    break
            if hostname:
                break
        shown: list[str] = []
        for name in names:
            label = display_name(name, "")
            if label and label not in shown:
                shown.append(label)
            if len(shown) >= MAX_NAMES:
                break
        info = oui_lookup(device.mac)
        ips = sorted(device.ips, key=lambda ip: (":" in ip, -device.ips[ip], ip))
        sources = sorted({_SOURCE_NAMES[key[0]] for key in device.records})
        view = DeviceRecord(
            mac=device.mac,
            ips=tuple(ips),
            hostname=display_name(hostname, "") or None if hostname else None,
            names=tuple(shown),
            kind=result.kind,
            vendor=result.vendor,
            model=result.model,
            confidence=result.confidence,
            evidence=result.evidence,
            last_seen=device.last_seen(),
            randomised_mac=bool(info and info.randomised),
            sources=tuple(sources),
        )
        device.cached = view
        return view


# --------------------------------------------------------------------------- persistence


def _record_to_dict(record: DiscoveryRecord) -> dict[str, Any]:
    if isinstance(record, MdnsRecord):
        return {
            "type": "mdns",
            "service_type": record.service_type,
            "name": record.name,
            "hostname": record.hostname,
            "addresses": list(record.addresses),
            "properties": dict(record.properties),
            "port": record.port,
            "ip": record.ip,
            "seen": record.seen,
        }
    if isinstance(record, SsdpRecord):
        return {
            "type": "ssdp",
            "st": record.st,
            "usn": record.usn,
            "server": record.server,
            "location": record.location,
            "manufacturer": record.manufacturer,
            "model_name": record.model_name,
            "model_number": record.model_number,
            "model_description": record.model_description,
            "friendly_name": record.friendly_name,
            "device_type": record.device_type,
            "serial_number": record.serial_number,
            "udn": record.udn,
            "services": list(record.services),
            "ip": record.ip,
            "seen": record.seen,
        }
    if isinstance(record, DhcpRecord):
        return {
            "type": "dhcp",
            "mac": record.mac,
            "ip": record.ip,
            "hostname": record.hostname,
            "vendor_class": record.vendor_class,
            "seen": record.seen,
        }
    return {
        "type": "router",
        "mac": record.mac,
        "ips": list(record.ips),
        "hostname": record.hostname,
        "interface": record.interface,
        "seen": record.seen,
    }


def _record_from_dict(raw: object) -> DiscoveryRecord | None:
    if not isinstance(raw, Mapping):
        return None
    kind = raw.get("type")
    seen = _seen(raw.get("seen"))
    if kind == "mdns":
        stype = raw.get("service_type")
        if not isinstance(stype, str) or not stype:
            return None
        return MdnsRecord(
            service_type=stype,
            name=_clean(raw.get("name")),
            hostname=_opt(raw.get("hostname"), 253),
            addresses=_ips(raw.get("addresses")),
            properties=TxtProperties(raw.get("properties")),
            port=_port(raw.get("port")),
            ip=_ip(raw.get("ip")),
            seen=seen,
        )
    if kind == "ssdp":
        return SsdpRecord(
            st=_clean(raw.get("st")),
            usn=_clean(raw.get("usn")),
            server=_clean(raw.get("server")),
            location=_clean(raw.get("location")),
            manufacturer=_clean(raw.get("manufacturer")),
            model_name=_clean(raw.get("model_name")),
            model_number=_clean(raw.get("model_number")),
            model_description=_clean(raw.get("model_description")),
            friendly_name=_clean(raw.get("friendly_name")),
            device_type=_clean(raw.get("device_type")),
            serial_number=_clean(raw.get("serial_number")),
            udn=_clean(raw.get("udn")),
            services=_texts(raw.get("services"), MAX_SERVICES),
            ip=_ip(raw.get("ip")),
            seen=seen,
        )
    if kind == "dhcp":
        return DhcpRecord(
            mac=_mac(raw.get("mac")),
            ip=_ip(raw.get("ip")),
            hostname=_opt(raw.get("hostname"), 253),
            vendor_class=_opt(raw.get("vendor_class"), 128),
            seen=seen,
        )
    if kind == "router":
        return RouterRecord(
            mac=_mac(raw.get("mac")),
            ips=_ips(raw.get("ips")),
            hostname=_opt(raw.get("hostname"), 253),
            interface=_opt(raw.get("interface"), 32),
            seen=seen,
        )
    return None
