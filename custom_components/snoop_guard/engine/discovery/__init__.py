"""Discover and classify the TVs, streamers and speakers of a home network (stdlib only).

Four kinds of sightings (:mod:`.records`: ``MdnsRecord``, ``SsdpRecord``, ``DhcpRecord``,
``RouterRecord``) feed a :class:`DeviceInventory` (:mod:`.inventory`), which merges them
into one :class:`DeviceRecord` per MAC address::

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
through :func:`~..routerdata.display_name`. ``seen`` defaults to ``time.time()``.

:func:`classify` (:mod:`.classifier`) turns the records of one device into a
:class:`~..classify.Classification` with ``kind`` (tv / streamer / speaker / other),
``vendor``, ``model``, ``confidence`` (0..1) and ``evidence``: human-readable strings
such as ``"SSDP urn:samsung.com:device:RemoteControlReceiver:1"``,
``"mDNS _googlecast._tcp md=Chromecast"``, ``"DHCP hostname 'Skyworth-TV'"`` and
``"OUI 00:0e:58 = Sonos"``. The rules live in :mod:`.rules` (tables) and :mod:`.evidence`
(applying them), vendor names in :mod:`.vendors`. Values taken from announcements are
shown through :func:`~..routerdata.display_name`.
"""

from __future__ import annotations

from .classifier import classify
from .inventory import DeviceInventory, DeviceRecord
from .records import (
    DhcpRecord,
    DiscoveryRecord,
    MdnsRecord,
    RouterRecord,
    SsdpRecord,
    TxtProperties,
)
from .vendors import canonical_vendor

__all__ = [
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
]
