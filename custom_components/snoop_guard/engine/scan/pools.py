"""The scan detector's bounded pools of device records.

Bounded memory: devices seen in DNS (or named with
:meth:`.detector.ScanDetector.set_known_devices`, or
caught scanning) live in a protected pool of ``max_devices``; sources only seen
in ARP/discovery traffic, which anyone can forge, in a separate pool of
``max_sources``, least recently active evicted first, so a flood of spoofed
MACs churns only that pool (a source that trips a threshold is promoted, so the
pool holds fewer than ``slow_min_targets`` keys per source). Each window keeps at
most ``max_targets`` keys, each scan episode at most 64 /24 bitmaps, each device
at most ``max_domains`` learnt domains. Measured with the defaults: a simulated
home of 50 devices over a day holds about 1.2 MB; the adversarial worst case (512
devices all caught sweeping hundreds of addresses with full windows and 256
learnt domains each, plus 1024 forged sources) about 36 MB; a million ARP
requests from random MACs leave the pools at their caps (``tests/engine``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection

from .records import Device

__all__ = ["IDLE_DEVICE_S", "DevicePools"]

IDLE_DEVICE_S = 7 * 86_400  # a protected device not heard from for a week is forgotten


class DevicePools:
    """Protected devices and forgeable sources, each an LRU pool with a cap.

    ``flagged`` holds the (LAN, Wi-Fi) scanning state last reported per MAC; an
    evicted or forgotten MAC leaves it too. ``known`` names the router's clients.
    """

    __slots__ = ("devices", "flagged", "known", "max_devices", "max_sources", "sources")

    def __init__(self, max_devices: int, max_sources: int) -> None:
        self.max_devices = max_devices
        self.max_sources = max_sources
        self.known: frozenset[str] = frozenset()
        self.devices: OrderedDict[str, Device] = OrderedDict()
        self.sources: OrderedDict[str, Device] = OrderedDict()
        self.flagged: dict[str, tuple[bool, bool]] = {}  # reported (lan, wifi) scanning

    def get(self, mac: str) -> Device | None:
        """Return the record of ``mac`` in either pool."""
        return self.devices.get(mac) or self.sources.get(mac)

    def track(self, mac: str, ts: float, *, known: bool) -> Device:
        """Return the record of ``mac``, made at ``ts`` if new; ``known`` protects it."""
        device = self.devices.get(mac)
        if device is not None:
            self.devices.move_to_end(mac)
            return device
        device = self.sources.get(mac)
        if device is not None:
            if known or mac in self.known:
                del self.sources[mac]
                self.protect(mac, device)
            else:
                self.sources.move_to_end(mac)
            return device
        if known or mac in self.known:
            device = Device(ts, known=True)
            self.protect(mac, device)
        else:
            device = Device(ts, known=False)
            self.sources[mac] = device
            self._evict(self.sources, self.max_sources)
        return device

    def protect(self, mac: str, device: Device) -> Device:
        """Put ``device`` in the protected pool (least recently active evicted)."""
        device.known = True
        self.devices[mac] = device
        self._evict(self.devices, self.max_devices)
        return device

    def _evict(self, pool: OrderedDict[str, Device], cap: int) -> None:
        """Drop the least recently active records of ``pool`` beyond ``cap``."""
        while len(pool) > cap:
            old, _ = pool.popitem(last=False)
            self.flagged.pop(old, None)

    def promote(self, mac: str, device: Device) -> None:
        """Move a source caught scanning into the protected pool."""
        if not device.known:
            del self.sources[mac]
            self.protect(mac, device)

    def forget(self, macs: Collection[str]) -> None:
        """Drop the records of ``macs`` (e.g. newly allow-listed)."""
        for mac in [m for m in (*self.devices, *self.sources) if m in macs]:
            self.devices.pop(mac, None)
            self.sources.pop(mac, None)
            self.flagged.pop(mac, None)

    def window_keys(self) -> int:
        """Return how many keys all sweep windows hold."""
        keys = 0
        for pool in (self.devices, self.sources):
            for device in pool.values():
                for fast, slow in device.windows.values():
                    keys += len(fast.keys) + len(slow.keys)
        return keys

    def prune(self, ts: float, idle_source: float) -> None:
        """Drop sources idle since ``idle_source`` and never caught, old devices, old keys."""
        for mac in [m for m, d in self.sources.items() if d.clock < idle_source]:
            device = self.sources[mac]
            if device.lan is None and device.wifi is None:
                del self.sources[mac]
        idle_device = ts - IDLE_DEVICE_S
        for mac in list(self.devices):
            device = self.devices[mac]
            if device.clock < idle_device and mac not in self.flagged:
                del self.devices[mac]
                continue
            for fast, slow in device.windows.values():
                fast.expire(ts)
                slow.expire(ts)
