"""The scan detector's memory of each device: its scans (episodes), windows and counters.

Also the conversion of a stored device (:mod:`.store`) back into a live record,
and the device's state as shown on entities.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable
from typing import Any

from .model import LAN_METHODS, WIFI_METHODS, ScanState
from .signals import int_to_ip
from .store import MAX_CHAIN, MAX_CONTACTS, MAX_OTHERS, MAX_PREFIXES, StoredDevice, StoredEpisode
from .windows import Distinct, iso, to_dt

__all__ = ["Device", "Episode", "device_state", "restored_device", "scanning"]

MAX_SAMPLE = 8  # targets shown as evidence


class Episode:
    """One scan (LAN or Wi-Fi): start, last activity, methods, probed hosts, evidence."""

    __slots__ = (
        "chain",
        "closed",
        "last",
        "methods",
        "others",
        "prefixes",
        "rule",
        "start",
        "uploads",
    )

    def __init__(self, start: float, ts: float, rule: str) -> None:
        self.start = start
        self.last = ts
        self.rule = rule
        self.closed = False
        self.methods: dict[str, float] = {}
        self.prefixes: dict[int, int] = {}
        self.others: set[str] = set()
        self.uploads: set[str] = set()  # sites already reported as the upload of this scan
        self.chain: list[dict[str, Any]] = []

    def add(self, key: Hashable) -> None:
        """Remember a probed target: an IPv4 address (int) or another key."""
        if type(key) is int:
            prefix = key >> 8
            bits = self.prefixes.get(prefix)
            if bits is None:
                if len(self.prefixes) >= MAX_PREFIXES:
                    return
                bits = 0
            self.prefixes[prefix] = bits | (1 << (key & 0xFF))
        elif isinstance(key, str) and len(self.others) < MAX_OTHERS:
            self.others.add(key)

    @property
    def hosts(self) -> int:
        """How many distinct targets were probed."""
        return sum(bits.bit_count() for bits in self.prefixes.values()) + len(self.others)

    def sample(self) -> list[str]:
        """Return a few probed targets, lowest addresses first."""
        found: list[str] = []
        for prefix in sorted(self.prefixes):
            bits = self.prefixes[prefix]
            for host in range(256):
                if bits >> host & 1:
                    found.append(int_to_ip(prefix << 8 | host))
                    if len(found) >= MAX_SAMPLE:
                        return found
        found.extend(sorted(self.others)[: MAX_SAMPLE - len(found)])
        return found

    def step(self, ts: float, signal: str, detail: dict[str, Any]) -> None:
        """Add a step to the evidence chain (bounded)."""
        if len(self.chain) < MAX_CHAIN:
            self.chain.append({"when": iso(ts), "signal": str(signal), **detail})


class Device:
    """Everything known about one MAC (internal)."""

    __slots__ = (
        "clock",
        "contacts",
        "dns_since",
        "ip",
        "known",
        "lan",
        "last_event",
        "last_upload",
        "last_upload_domain",
        "methods",
        "scans",
        "sites",
        "suppressed",
        "volume",
        "wifi",
        "wifi_scans",
        "windows",
    )

    def __init__(self, ts: float, known: bool) -> None:
        self.clock = ts
        self.known = known
        self.ip: str | None = None
        self.windows: dict[str, tuple[Distinct, Distinct]] = {}
        self.volume: dict[str, deque[float]] = {}
        self.methods: dict[str, float] = {}
        self.lan: Episode | None = None
        self.wifi: Episode | None = None
        self.scans = 0
        self.wifi_scans = 0
        self.dns_since: float | None = None
        self.sites: OrderedDict[str, None] | None = None
        self.contacts: deque[tuple[float, str, str]] = deque(maxlen=MAX_CONTACTS)
        self.last_upload: float | None = None
        self.last_upload_domain: str | None = None
        self.last_event: dict[str, float] = {}
        self.suppressed: dict[str, int] = {}

    def tick(self, when: float) -> float:
        """Monotonic per-device time."""
        self.clock = max(self.clock, when)
        return self.clock

    def close_lan(self, ts: float, gap_s: float) -> None:
        """End the LAN episode if it went quiet; forget what it counted (one sweep, one alarm)."""
        episode = self.lan
        if episode is None or episode.closed or ts - episode.last <= gap_s:
            return
        for fast, slow in self.windows.values():
            fast.drop_through(episode.last)
            slow.drop_through(episode.last)
        for queue in self.volume.values():
            while queue and queue[0] <= episode.last:
                queue.popleft()
        episode.closed = True


def restored_episode(stored: StoredEpisode | None) -> Episode | None:
    """Return the live form of a stored scan."""
    if stored is None:
        return None
    episode = Episode(stored.start, stored.last, stored.rule)
    episode.closed, episode.methods = stored.closed, dict(stored.methods)
    episode.prefixes, episode.others = dict(stored.prefixes), set(stored.others)
    episode.uploads, episode.chain = set(stored.uploads), [dict(s) for s in stored.chain]
    return episode


def restored_device(stored: StoredDevice) -> Device:
    """Return the live form of a stored device (a protected one)."""
    device = Device(stored.clock, known=True)
    device.ip, device.dns_since, device.methods = stored.ip, stored.dns_since, dict(stored.methods)
    device.sites = OrderedDict.fromkeys(stored.sites) if stored.sites else None
    device.lan, device.wifi = restored_episode(stored.lan), restored_episode(stored.wifi)
    device.scans, device.wifi_scans = stored.scans, stored.wifi_scans
    device.contacts.extend(stored.contacts)
    device.last_upload, device.last_upload_domain = stored.last_upload, stored.last_upload_domain
    device.last_event = dict(stored.last_event)
    return device


def scanning(device: Device, horizon: float) -> tuple[bool, bool]:
    """(LAN, Wi-Fi) scanning: a method of that kind was seen since ``horizon``."""
    active = [m for m, seen in device.methods.items() if seen >= horizon]
    return any(m in LAN_METHODS for m in active), any(m in WIFI_METHODS for m in active)


def device_state(mac: str, device: Device, horizon: float) -> ScanState:
    """Return what ``device`` is doing; methods seen since ``horizon`` are active."""
    active = tuple(sorted(str(m) for m, seen in device.methods.items() if seen >= horizon))
    lan, wifi = device.lan, device.wifi
    starts = [e.start for e in (lan, wifi) if e is not None]
    return ScanState(
        mac=mac,
        lan_scanning=any(m in LAN_METHODS for m in active),
        wifi_scanning=any(m in WIFI_METHODS for m in active),
        methods=active,
        hosts_probed_last_scan=lan.hosts if lan is not None else 0,
        last_scan=to_dt(max(starts)) if starts else None,
        scans_detected=device.scans,
        wifi_scans_detected=device.wifi_scans,
        last_upload_suspected=(
            to_dt(device.last_upload) if device.last_upload is not None else None
        ),
        last_upload_domain=device.last_upload_domain,
    )
