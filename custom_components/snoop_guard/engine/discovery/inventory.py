"""The device inventory: records merged into one :class:`DeviceRecord` per MAC address.

A record that carries no MAC (mDNS, SSDP) is attributed through the IP -> MAC map built
from DHCP and router records and from :meth:`DeviceInventory.update_neighbours`; until
such a mapping arrives it waits, keyed by IP (at most 1024 IPs x 16 records). MACs that
devices *claim* in their announcements (AirPlay ``deviceid``, RAOP names) are shown as
evidence but never used for attribution: any host could claim any MAC. When an IP moves
to another MAC it is taken off the old device. Everything is bounded: 2048 devices (the
least recently updated are evicted), 32 records and 8 IPs per device, 4096 IP mappings.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from ..classify import Classification, DeviceKind
from ..oui import lookup as oui_lookup
from ..routerdata import display_name
from .classifier import classify_records
from .persistence import record_from_dict, record_to_dict
from .records import (
    RECORD_TYPES,
    DhcpRecord,
    DiscoveryRecord,
    MdnsRecord,
    RouterRecord,
    SsdpRecord,
    clean_ip,
    clean_mac,
    clean_seen,
)

MAX_DEVICES: Final = 2048
MAX_RECORDS_PER_DEVICE: Final = 32
MAX_IPS_PER_DEVICE: Final = 8
MAX_PENDING_IPS: Final = 1024
MAX_PENDING_PER_IP: Final = 16
MAX_IP_MAP: Final = 4096
MAX_NAMES: Final = 8


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
        if not isinstance(record, RECORD_TYPES):
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
            ip, mac = clean_ip(raw_ip), clean_mac(raw_mac)
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
        key = clean_mac(mac)
        device = self._devices.get(key) if key else None
        return self._view(device) if device is not None else None

    def recent_addresses(self, since: float) -> dict[str, str]:
        """Return IP -> MAC for addresses their (newest) holder was seen with at or after ``since``.

        An address that moved to another device belongs to the newest holder only
        (``_map`` takes it off the old one); addresses not seen since ``since`` are left
        out, so a stale lease never names a device.
        """
        found: dict[str, str] = {}
        for ip, mac in self._ip_to_mac.items():
            device = self._devices.get(mac)
            seen = device.ips.get(ip) if device is not None else None
            if seen is not None and seen >= since:
                found[ip] = mac
        return found

    def pending_count(self) -> int:
        """Return how many records wait for an IP -> MAC mapping."""
        return sum(len(v) for v in self._pending.values())

    # -- maintenance -----------------------------------------------------------------

    def prune(self, older_than: float) -> list[str]:
        """Forget devices last seen before ``older_than`` (and older records of others).

        Returns the MACs of removed devices.
        """
        limit = clean_seen(older_than)
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
                    "records": [record_to_dict(r) for r in device.records.values()],
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
            mac = clean_mac(entry.get("mac"))
            if mac is None:
                continue
            records = entry.get("records")
            if isinstance(records, list):
                for raw in records[:MAX_RECORDS_PER_DEVICE]:
                    record = record_from_dict(raw)
                    if record is not None:
                        inventory._attach(mac, record, [])
            ips = entry.get("ips")
            if isinstance(ips, Mapping):
                for raw_ip, seen in list(ips.items())[:MAX_IPS_PER_DEVICE]:
                    ip = clean_ip(raw_ip)
                    if ip is not None:
                        inventory._device(mac).add_ip(ip, clean_seen(seen))
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
        result, names = classify_records(records, device.mac)
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
