"""Records to and from JSON-able dicts (the inventory's persisted form); garbage-tolerant.

A record is stored as its fields (tuples as lists, TXT properties as a dict) under a
``type`` tag. Loading passes the stored values back through the record's constructor,
which sanitises them like any announcement, so damaged or hostile storage yields bounded,
clean records or None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .records import (
    SSDP_TEXT_FIELDS,
    DhcpRecord,
    DiscoveryRecord,
    MdnsRecord,
    RouterRecord,
    SsdpRecord,
)

# type tag -> (record class, stored fields in order); MACs of mDNS/SSDP records are not
# stored: the inventory keys them by the device they were attributed to
_STORED: Final[dict[str, tuple[type[DiscoveryRecord], tuple[str, ...]]]] = {
    "mdns": (
        MdnsRecord,
        ("service_type", "name", "hostname", "addresses", "properties", "port", "ip", "seen"),
    ),
    "ssdp": (SsdpRecord, (*SSDP_TEXT_FIELDS, "services", "ip", "seen")),
    "dhcp": (DhcpRecord, ("mac", "ip", "hostname", "vendor_class", "seen")),
    "router": (RouterRecord, ("mac", "ips", "hostname", "interface", "seen")),
}


def _json_value(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def record_to_dict(record: DiscoveryRecord) -> dict[str, Any]:
    """Return ``record`` as a JSON-able dict (``type`` names the record kind)."""
    for tag, (cls, names) in _STORED.items():
        if isinstance(record, cls):
            return {"type": tag, **{name: _json_value(getattr(record, name)) for name in names}}
    raise TypeError(f"not a discovery record: {type(record).__name__}")


def record_from_dict(raw: object) -> DiscoveryRecord | None:
    """Rebuild a record from :func:`record_to_dict` output; None for garbage."""
    if not isinstance(raw, Mapping):
        return None
    tag = raw.get("type")
    stored = _STORED.get(tag) if isinstance(tag, str) else None
    if stored is None:
        return None
    cls, names = stored
    if cls is MdnsRecord:
        stype = raw.get("service_type")
        if not isinstance(stype, str) or not stype:
            return None
    values: dict[str, Any] = {name: raw.get(name) for name in names}
    return cls(**values)
