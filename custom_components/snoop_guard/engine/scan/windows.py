"""Time for the scan detector: timestamps and the sliding windows of distinct targets.

Time: every feed method takes an explicit ``when`` (timezone-aware; naive is
taken as UTC) or uses the injectable ``now`` clock. Time is made monotonic per
device, so out-of-order input cannot corrupt the windows. DNS events are fed
with the time they are processed (``when=None``) by default: a dnsmasq log
timestamp is router-local with one-second resolution.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime, timedelta

from .config import ScanConfig

__all__ = ["Distinct", "SweepRules", "iso", "seconds", "to_dt", "to_ts", "utcnow"]


def utcnow() -> datetime:
    """Return the current time (UTC)."""
    return datetime.now(UTC)


def to_ts(when: datetime) -> float:
    """Return the POSIX seconds of ``when`` (naive is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def to_dt(ts: float) -> datetime:
    """Return the aware UTC datetime of POSIX seconds ``ts``."""
    return datetime.fromtimestamp(ts, UTC)


def iso(ts: float) -> str:
    """Return POSIX seconds ``ts`` as ISO 8601 text, in milliseconds."""
    return to_dt(ts).isoformat(timespec="milliseconds")


def seconds(value: timedelta) -> float:
    """Return ``value`` in seconds."""
    return value.total_seconds()


class Distinct:
    """Distinct keys seen in the last ``span`` seconds, oldest sighting first, capped."""

    __slots__ = ("cap", "keys", "span")

    def __init__(self, span: float, cap: int) -> None:
        self.span = span
        self.cap = cap
        self.keys: dict[Hashable, float] = {}

    def add(self, key: Hashable, ts: float) -> tuple[int, bool]:
        """Record ``key`` at ``ts`` (not older than any earlier call): (count, key was new)."""
        keys = self.keys
        fresh = keys.pop(key, None) is None
        keys[key] = ts
        horizon = ts - self.span
        while True:  # ends at the latest at ``key`` itself
            oldest = next(iter(keys))
            if keys[oldest] > horizon:
                break
            del keys[oldest]
        while len(keys) > self.cap:
            del keys[next(iter(keys))]
        return len(keys), fresh

    def expire(self, now: float) -> None:
        """Forget keys older than the window at ``now``."""
        self.drop_through(now - self.span)

    def drop_through(self, ts: float) -> None:
        """Forget keys last seen at or before ``ts``."""
        keys = self.keys
        while keys:
            oldest = next(iter(keys))
            if keys[oldest] > ts:
                break
            del keys[oldest]

    def first(self) -> float:
        """When the oldest key still in the window was last seen."""
        return next(iter(self.keys.values()))


class SweepRules:
    """The two sweep rules over a device's windows of distinct targets (see :mod:`.config`).

    ``sweep_min_targets`` within ``sweep_window`` (a fast sweep), or a new target
    making ``slow_min_targets`` within ``slow_window`` (a slow one).
    """

    __slots__ = ("cap", "fast_min", "fast_s", "slow_min", "slow_s")

    def __init__(self, config: ScanConfig) -> None:
        self.fast_s = seconds(config.sweep_window)
        self.slow_s = seconds(config.slow_window)
        self.fast_min = config.sweep_min_targets
        self.slow_min = config.slow_min_targets
        self.cap = config.max_targets

    def add(
        self,
        windows: dict[str, tuple[Distinct, Distinct]],
        name: str,
        method: str,
        key: Hashable,
        ts: float,
    ) -> tuple[str, Distinct] | None:
        """Count ``key`` in the windows called ``name``: (rule broken, its window) or None."""
        pair = windows.get(name)
        if pair is None:
            pair = windows[name] = (
                Distinct(self.fast_s, self.cap),
                Distinct(self.slow_s, self.cap),
            )
        fast, slow = pair
        n_fast, _ = fast.add(key, ts)
        n_slow, new_slow = slow.add(key, ts)
        if n_fast >= self.fast_min:
            return (
                f"{method}: {n_fast} distinct targets within {self.fast_s:g} s"
                f" (threshold {self.fast_min} in {self.fast_s:g} s)"
            ), fast
        if n_slow >= self.slow_min and new_slow:
            return (
                f"{method}: {n_slow} distinct targets within {self.slow_s:g} s"
                f" (threshold {self.slow_min} in {self.slow_s:g} s)"
            ), slow
        return None
