"""What the scan detector reports: event kinds, scan methods, events, states, counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "LAN_METHODS",
    "SCAN_METHODS",
    "WIFI_METHODS",
    "ScanEvent",
    "ScanEventKind",
    "ScanMethod",
    "ScanState",
    "ScanStats",
]


class ScanEventKind(StrEnum):
    """What a :class:`ScanEvent` reports."""

    LAN_SCAN = "lan_scan"
    WIFI_SCAN = "wifi_scan"
    UPLOAD_SUSPECTED = "upload_suspected"


class ScanMethod(StrEnum):
    """The signals the detector knows."""

    ARP = "arp_sweep"
    PTR = "ptr_sweep"
    MDNS = "mdns"
    SSDP = "ssdp"
    NETBIOS = "netbios"
    NDP = "ndp_sweep"  # IPv6 neighbour solicitations for many addresses
    GEOLOCATION = "wifi_geolocation"
    PROBE_REQUESTS = "probe_requests"


LAN_METHODS: frozenset[str] = frozenset(
    {
        ScanMethod.ARP,
        ScanMethod.PTR,
        ScanMethod.MDNS,
        ScanMethod.SSDP,
        ScanMethod.NETBIOS,
        ScanMethod.NDP,
    }
)
WIFI_METHODS: frozenset[str] = frozenset({ScanMethod.GEOLOCATION, ScanMethod.PROBE_REQUESTS})
SCAN_METHODS: frozenset[str] = LAN_METHODS | WIFI_METHODS


@dataclass(frozen=True, slots=True)
class ScanEvent:
    """A detection: fire it as ``snoop_guard_scan_detected`` / raise a repair issue.

    ``evidence`` is JSON-serialisable (strings, numbers, lists, dicts).
    """

    kind: ScanEventKind
    mac: str
    when: datetime
    methods: tuple[str, ...]
    evidence: dict[str, Any] = field(hash=False, compare=False)

    def as_event_data(self) -> dict[str, Any]:
        """Event payload for Home Assistant's bus."""
        return {
            "kind": str(self.kind),
            "mac": self.mac,
            "when": self.when.isoformat(),
            "methods": list(self.methods),
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class ScanState:
    """What a device is doing now (for entities and attributes)."""

    mac: str
    lan_scanning: bool = False
    wifi_scanning: bool = False
    methods: tuple[str, ...] = ()
    hosts_probed_last_scan: int = 0
    last_scan: datetime | None = None
    scans_detected: int = 0
    wifi_scans_detected: int = 0
    last_upload_suspected: datetime | None = None
    last_upload_domain: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable attributes."""
        return {
            "mac": self.mac,
            "lan_scanning": self.lan_scanning,
            "wifi_scanning": self.wifi_scanning,
            "methods": list(self.methods),
            "hosts_probed_last_scan": self.hosts_probed_last_scan,
            "last_scan": self.last_scan.isoformat() if self.last_scan else None,
            "scans_detected": self.scans_detected,
            "wifi_scans_detected": self.wifi_scans_detected,
            "last_upload_suspected": (
                self.last_upload_suspected.isoformat() if self.last_upload_suspected else None
            ),
            "last_upload_domain": self.last_upload_domain,
        }


@dataclass(frozen=True, slots=True)
class ScanStats:
    """Counters for diagnostics."""

    devices: int
    sources: int
    window_keys: int
    events: int
    suppressed: int
    ignored: int
    errors: int
