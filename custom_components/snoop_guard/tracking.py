"""Which LAN devices Snoop Guard watches, and the immutable snapshot entities read.

Everything heard about a device (router listing, DHCP, mDNS, SSDP) goes into the
engine's inventory, one record per MAC. A device is watched when its kind is one
the user picked, when the user included it, when it is blocked, or when it was
watched before: a device missing from one listing is not gone, it keeps its
entities (and its block) until it is stale or the user removes it.

``RouterSnapshot`` is what the coordinator hands to entities. It is never changed
in place: a change builds a new snapshot (``with_device``, ``without``,
``dataclasses.replace``), and its mappings are read-only views of private copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from homeassistant.util import dt as dt_util

from .backends.base import EnforcedState, RouterClient
from .const import (
    CONF_EXCLUDE,
    CONF_INCLUDE,
    CONF_KINDS,
    CONF_STALE_DAYS,
    DEFAULT_KINDS,
    DEFAULT_STALE_DAYS,
)
from .engine.classify import Classification, DeviceKind
from .engine.discovery import DeviceInventory, DhcpRecord, MdnsRecord, RouterRecord, SsdpRecord
from .engine.routerdata import display_name, normalize_mac
from .policies import BlockPolicies

type DiscoveryRecord = MdnsRecord | SsdpRecord | DhcpRecord | RouterRecord


@dataclass(frozen=True, slots=True)
class TrackedDevice:
    """A LAN device Snoop Guard watches."""

    mac: str
    name: str
    hostname: str | None
    ips: tuple[str, ...]
    classification: Classification
    last_seen: float | None = None


def _frozen[K, V](items: Mapping[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(items))


@dataclass(frozen=True, slots=True)
class RouterSnapshot:
    """What the last refresh found on the router (never changed in place)."""

    devices: Mapping[str, TrackedDevice] = field(default_factory=dict)
    ip_to_mac: Mapping[str, str] = field(default_factory=dict)
    enforced: EnforcedState | None = None
    reapplied: int = 0

    def __post_init__(self) -> None:
        """Keep read-only copies, so nobody changes the snapshot others hold."""
        object.__setattr__(self, "devices", _frozen(self.devices))
        object.__setattr__(self, "ip_to_mac", _frozen(self.ip_to_mac))

    def with_device(self, device: TrackedDevice) -> RouterSnapshot:
        """Return a snapshot with ``device`` added or replaced."""
        return replace(self, devices={**self.devices, device.mac: device})

    def without(self, macs: Iterable[str]) -> RouterSnapshot:
        """Return a snapshot without these devices."""
        gone = set(macs)
        return replace(self, devices={mac: d for mac, d in self.devices.items() if mac not in gone})


def _macs(raw: Iterable[Any]) -> frozenset[str]:
    return frozenset(m for item in raw if (m := normalize_mac(str(item))))


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """The options that decide what is watched (the entry reloads when they change)."""

    kinds: frozenset[str]
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    stale_days: int = DEFAULT_STALE_DAYS

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> WatchOptions:
        """Read them from a config entry's options."""
        return cls(
            kinds=frozenset(options.get(CONF_KINDS, DEFAULT_KINDS)),
            include=_macs(options.get(CONF_INCLUDE, [])),
            exclude=_macs(options.get(CONF_EXCLUDE, [])),
            stale_days=int(options.get(CONF_STALE_DAYS, DEFAULT_STALE_DAYS)),
        )


class DeviceTracker:
    """Decides, from the inventory and the blocks, which devices are watched."""

    def __init__(self, options: WatchOptions, blocks: BlockPolicies) -> None:
        """Start with an empty inventory (``load`` restores the stored one)."""
        self.options = options
        self.blocks = blocks
        self.inventory = DeviceInventory()

    def load(self, raw: Any) -> None:
        """Restore the stored inventory."""
        self.inventory = DeviceInventory.from_dict(raw)

    def device_for(self, mac: str, previous: TrackedDevice | None) -> TrackedDevice | None:
        """Build the tracked device for ``mac``, or None when it is not to be watched."""
        record = self.inventory.get(mac)
        policy = self.blocks.policies.get(mac)
        blocked = self.blocks.blocked(mac)
        if mac in self.options.exclude and not blocked:
            return None
        if record is not None:
            classification = record.classification
            hostname = record.hostname
            ips = record.ips
            name = record.hostname or (record.names[0] if record.names else None)
        elif previous is not None:
            return previous
        elif blocked and policy is not None:
            classification = Classification(DeviceKind.OTHER, None, "blocked earlier")
            hostname, ips, name = None, policy.ips, None
        else:
            return None
        watched = (
            str(classification.kind) in self.options.kinds
            or mac in self.options.include
            or blocked
            or previous is not None
        )
        if not watched:
            return None
        return TrackedDevice(
            mac=mac,
            name=display_name(name, fallback=mac.upper()),
            hostname=hostname,
            ips=tuple(ips),
            classification=classification,
            last_seen=record.last_seen if record is not None else None,
        )

    def track(
        self,
        clients: Sequence[RouterClient],
        ip_to_mac: Mapping[str, str],
        previous: Mapping[str, TrackedDevice],
    ) -> dict[str, TrackedDevice]:
        """Take the router's listing; return every watched device."""
        for client in clients:
            self.inventory.add(
                RouterRecord(
                    mac=client.mac,
                    ips=client.ips,
                    hostname=client.hostname,
                    interface=client.interface,
                )
            )
        self.inventory.update_neighbours(dict(ip_to_mac))
        candidates = (
            {d.mac for d in self.inventory.devices()}
            | set(previous)
            | set(self.blocks.policies)
            | self.options.include
        )
        devices: dict[str, TrackedDevice] = {}
        for mac in sorted(candidates):
            if (device := self.device_for(mac, previous.get(mac))) is not None:
                devices[mac] = device
        return devices

    def stale_cutoff(self) -> float:
        """Return the time before which an unseen device is stale."""
        return dt_util.utcnow().timestamp() - self.options.stale_days * 86400

    def stale(self, devices: Mapping[str, TrackedDevice], cutoff: float) -> list[str]:
        """Return watched devices unseen since ``cutoff``; never blocked or included ones."""
        return [
            mac
            for mac, device in devices.items()
            if device.last_seen is not None
            and device.last_seen < cutoff
            and mac not in self.options.include
            and not self.blocks.blocked(mac)
        ]
