"""Per-device tracker contact counters over a sliding window (24 h by default).

Contacts are counted in fixed buckets (one minute by default) as
``{bucket_start: {company: count}}`` per device, so memory stays bounded at
``window / bucket`` buckets per device and ``max_devices`` devices. All
datetimes are timezone-aware UTC; naive datetimes passed in are taken as UTC.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Contact", "ContactCounters"]

_FORMAT_VERSION = 1
_MAX_KEY = 256
_MAX_COMPANIES_PER_BUCKET = 256
_MAX_BUCKETS = 100_000
_DEDUPE_SOFT_LIMIT = 64
_DEDUPE_HARD_LIMIT = 4096
_MAX_WINDOW = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class Contact:
    """One lookup of a tracker domain by a device."""

    when: datetime
    domain: str
    company: str
    category: str


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class _DeviceState:
    """Mutable per-device state (internal)."""

    __slots__ = ("buckets", "last", "newest", "recent")

    def __init__(self) -> None:
        self.buckets: dict[int, dict[str, int]] = {}
        self.newest: int | None = None
        self.recent: dict[str, float] = {}
        self.last: Contact | None = None


class ContactCounters:
    """Sliding-window counters of tracker contacts per device."""

    def __init__(
        self,
        window: timedelta = timedelta(hours=24),
        bucket: timedelta = timedelta(minutes=1),
        dedupe: timedelta = timedelta(seconds=2),
        max_devices: int = 4096,
    ) -> None:
        if bucket <= timedelta(0) or window < bucket or window > _MAX_WINDOW:
            raise ValueError("need 0 < bucket <= window <= 366 days")
        if dedupe < timedelta(0) or max_devices < 1:
            raise ValueError("need dedupe >= 0 and max_devices >= 1")
        n_buckets = math.ceil(window / bucket)
        if n_buckets > _MAX_BUCKETS:
            raise ValueError("window / bucket is too large")
        self._window = window
        self._bucket = bucket
        self._dedupe = dedupe
        self._max_devices = max_devices
        self._bucket_s = bucket.total_seconds()
        self._dedupe_s = dedupe.total_seconds()
        self._n_buckets = n_buckets
        self._devices: OrderedDict[str, _DeviceState] = OrderedDict()

    @property
    def window(self) -> timedelta:
        """Length of the sliding window."""
        return self._window

    @property
    def bucket(self) -> timedelta:
        """Granularity of the counters."""
        return self._bucket

    def _index(self, when: datetime) -> int:
        return math.floor(when.timestamp() / self._bucket_s)

    def _bucket_start(self, index: int) -> datetime:
        return datetime.fromtimestamp(index * self._bucket_s, tz=UTC)

    def _state_for(self, device: str) -> _DeviceState:
        state = self._devices.get(device)
        if state is None:
            state = _DeviceState()
            self._devices[device] = state
            while len(self._devices) > self._max_devices:
                self._devices.popitem(last=False)
        else:
            self._devices.move_to_end(device)
        return state

    def _trim_recent(self, state: _DeviceState, now_ts: float) -> None:
        horizon = now_ts - self._dedupe_s
        state.recent = {d: ts for d, ts in state.recent.items() if ts > horizon}
        if len(state.recent) > _DEDUPE_HARD_LIMIT:
            newest = sorted(state.recent.items(), key=lambda item: item[1])
            state.recent = dict(newest[-_DEDUPE_HARD_LIMIT // 2 :])

    def _trim_buckets(self, state: _DeviceState, newest: int) -> None:
        oldest_kept = newest - self._n_buckets + 1
        state.buckets = {i: c for i, c in state.buckets.items() if i >= oldest_kept}

    def record(self, device: str, contact: Contact) -> bool:
        """Count ``contact`` for ``device``; return False when it was not counted.

        Not counted: the same device looked up the same domain less than
        ``dedupe`` earlier (the A, AAAA and HTTPS queries of one lookup count
        once), or the contact is older than the window of what was already seen.
        """
        when = _to_utc(contact.when)
        ts = when.timestamp()
        index = math.floor(ts / self._bucket_s)
        state = self._state_for(device)
        if state.newest is not None and index <= state.newest - self._n_buckets:
            return False
        previous = state.recent.get(contact.domain)
        if previous is not None and abs(ts - previous) < self._dedupe_s:
            return False
        state.recent[contact.domain] = ts
        if len(state.recent) > _DEDUPE_SOFT_LIMIT:
            self._trim_recent(state, ts)
        counts = state.buckets.setdefault(index, {})
        counts[contact.company] = counts.get(contact.company, 0) + 1
        if state.newest is None or index > state.newest:
            state.newest = index
            if len(state.buckets) > self._n_buckets:
                self._trim_buckets(state, index)
        if state.last is None or when >= state.last.when:
            state.last = Contact(when, contact.domain, contact.company, contact.category)
        return True

    def _window_buckets(self, device: str, now: datetime) -> list[dict[str, int]]:
        state = self._devices.get(device)
        if state is None:
            return []
        newest = self._index(_to_utc(now))
        if state.newest is not None and state.newest > newest:
            newest = state.newest  # data older than the window of the newest contact expired
        oldest_kept = newest - self._n_buckets + 1
        return [counts for index, counts in state.buckets.items() if index >= oldest_kept]

    def count(self, device: str, now: datetime) -> int:
        """Return the number of contacts of ``device`` in the window ending ``now``.

        Buckets slightly in the future of ``now`` (router clock ahead) are included.
        """
        return sum(sum(counts.values()) for counts in self._window_buckets(device, now))

    def companies(self, device: str, now: datetime) -> dict[str, int]:
        """Return contacts per company of ``device`` in the window ending ``now``."""
        totals: dict[str, int] = {}
        for counts in self._window_buckets(device, now):
            for company, number in counts.items():
                totals[company] = totals.get(company, 0) + number
        return totals

    def last(self, device: str) -> Contact | None:
        """Return the most recent counted contact of ``device``."""
        state = self._devices.get(device)
        return state.last if state is not None else None

    def devices(self) -> list[str]:
        """Return all devices that have state, sorted."""
        return sorted(self._devices)

    def prune(self, now: datetime) -> None:
        """Drop buckets outside the window and devices with nothing left in it."""
        now_utc = _to_utc(now)
        newest = self._index(now_utc)
        now_ts = now_utc.timestamp()
        horizon = now_utc - self._window
        for device in list(self._devices):
            state = self._devices[device]
            self._trim_buckets(state, newest)
            self._trim_recent(state, now_ts)
            if not state.buckets and (state.last is None or state.last.when < horizon):
                del self._devices[device]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable snapshot (ISO 8601 timestamps)."""
        devices: dict[str, Any] = {}
        for device, state in self._devices.items():
            last = state.last
            devices[device] = {
                "buckets": {
                    self._bucket_start(index).isoformat(): dict(counts)
                    for index, counts in sorted(state.buckets.items())
                },
                "last": None
                if last is None
                else {
                    "when": last.when.isoformat(),
                    "domain": last.domain,
                    "company": last.company,
                    "category": last.category,
                },
            }
        return {
            "version": _FORMAT_VERSION,
            "window_s": self._window.total_seconds(),
            "bucket_s": self._bucket_s,
            "dedupe_s": self._dedupe_s,
            "max_devices": self._max_devices,
            "devices": devices,
        }

    @classmethod
    def from_dict(cls, data: object) -> ContactCounters:
        """Restore from :meth:`to_dict` output; bad parts are skipped, never raises."""
        if not isinstance(data, dict):
            return cls()
        counters = cls._from_settings(data)
        devices = data.get("devices")
        if not isinstance(devices, dict):
            return counters
        restored: list[tuple[datetime, str, _DeviceState]] = []
        for device, payload in list(devices.items())[: counters._max_devices * 4]:
            if not isinstance(device, str) or not 0 < len(device) <= _MAX_KEY:
                continue
            state = counters._restore_device(payload)
            if state is None:
                continue
            newest = state.last.when if state.last is not None else None
            if newest is None and state.newest is not None:
                newest = counters._bucket_start(state.newest)
            restored.append((newest or datetime.min.replace(tzinfo=UTC), device, state))
        restored.sort(key=lambda item: item[0])
        for _, device, state in restored[-counters._max_devices :]:
            counters._devices[device] = state
        return counters

    @classmethod
    def _from_settings(cls, data: dict[Any, Any]) -> ContactCounters:
        def seconds(key: str, default: timedelta) -> timedelta:
            value = data.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return default
            if not math.isfinite(value) or value < 0 or value > _MAX_WINDOW.total_seconds():
                return default
            return timedelta(seconds=value)

        window = seconds("window_s", timedelta(hours=24))
        bucket = seconds("bucket_s", timedelta(minutes=1))
        dedupe = seconds("dedupe_s", timedelta(seconds=2))
        max_devices = data.get("max_devices")
        if isinstance(max_devices, bool) or not isinstance(max_devices, int):
            max_devices = 4096
        try:
            return cls(window, bucket, dedupe, max(1, min(max_devices, 1_000_000)))
        except ValueError:
            return cls()

    def _restore_device(self, payload: object) -> _DeviceState | None:
        if not isinstance(payload, dict):
            return None
        state = _DeviceState()
        buckets = payload.get("buckets")
        if isinstance(buckets, dict):
            for start, counts in list(buckets.items())[: self._n_buckets * 4]:
                when = _parse_time(start)
                clean = _clean_counts(counts)
                if when is None or not clean:
                    continue
                index = self._index(when)
                merged = state.buckets.setdefault(index, {})
                for company, number in clean.items():
                    merged[company] = merged.get(company, 0) + number
                if state.newest is None or index > state.newest:
                    state.newest = index
        if state.newest is not None:
            self._trim_buckets(state, state.newest)
        state.last = _parse_contact(payload.get("last"))
        if not state.buckets and state.last is None:
            return None
        return state


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return _to_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        return None


def _clean_counts(value: object) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    clean: dict[str, int] = {}
    for company, number in list(value.items())[:_MAX_COMPANIES_PER_BUCKET]:
        if not isinstance(company, str) or not 0 < len(company) <= _MAX_KEY:
            continue
        if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**31:
            continue
        clean[company] = number
    return clean


def _parse_contact(value: object) -> Contact | None:
    if not isinstance(value, dict):
        return None
    when = _parse_time(value.get("when"))
    fields = [value.get(key) for key in ("domain", "company", "category")]
    if when is None or not all(isinstance(f, str) and len(f) <= _MAX_KEY for f in fields):
        return None
    domain, company, category = (str(f) for f in fields)
    return Contact(when=when, domain=domain, company=company, category=category)
