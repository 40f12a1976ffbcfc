"""Event rate limits of the scan detector: per device and kind, and over all devices.

``event_interval`` (10 minutes) between two events of one kind for one device, so
a device that keeps scanning is one alarm, not a stream; ``max_events_per_minute``
over all devices, so a flood of forged MACs cannot flood Home Assistant's event
bus. A suppressed event is counted on the device and reported with its next event.
"""

from __future__ import annotations

from collections import deque

from .records import Device

__all__ = ["EventLimiter"]


class EventLimiter:
    """Decide whether an event may fire (see the module docstring)."""

    __slots__ = ("interval_s", "recent")

    def __init__(self, interval_s: float, per_minute: int) -> None:
        self.interval_s = interval_s
        self.recent: deque[float] = deque(maxlen=per_minute)

    def admit(self, device: Device, kind: str, ts: float) -> bool:
        """Return whether an event of ``kind`` for ``device`` may fire at ``ts``.

        A refusal is counted in ``device.suppressed``; an admission is remembered.
        """
        last = device.last_event.get(kind)
        recent = self.recent
        if (last is not None and ts - last < self.interval_s) or (
            len(recent) == recent.maxlen and ts - recent[0] < 60.0
        ):
            device.suppressed[kind] = device.suppressed.get(kind, 0) + 1
            return False
        recent.append(ts)
        device.last_event[kind] = ts
        return True
