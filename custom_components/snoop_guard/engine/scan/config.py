"""The scan detector's thresholds and bounds (:class:`ScanConfig`), and why.

* **5 distinct targets within 30 s** (``sweep_min_targets``/``sweep_window``):
  Slips' ARP scan detector (``modules/arp/arp.py``: ``arp_scan_threshold = 5``,
  requests "within 30 seconds") uses exactly this for ARP. A device normally
  ARPs its gateway, its DNS server and the one or two peers it talks to (a cast
  target, a NAS); five different addresses in half a minute is already beyond
  that, while a sweep of a /24 at the Gozen SDK's speed reaches it within tens of
  milliseconds - so detection latency is bounded by the sweep rate, not by the
  window. Like Slips, the gateway (and anything else on the allow-list) is never
  counted as a scanner, and the window is cleared after a detected sweep so one
  sweep is one detection.
* **25 distinct targets within 5 minutes** (``slow_min_targets``/``slow_window``):
  Zeek's address-scan detection (``policy/misc/scan.zeek``:
  ``Scan::addr_scan_threshold = 25`` unique hosts over
  ``Scan::addr_scan_interval = 5 min``). It catches a slow sweep that stays
  under 5 per 30 s (e.g. one address every 10 s). Only a *new* address can trip
  it, so re-ARPing the same few hosts never does.
* The same two rules apply to PTR lookups of private addresses and to unicast
  discovery queries (each asks about one host). A discovery burst without
  targets needs ``discovery_min_queries`` (40) queries within 30 s: RFC 6762
  section 5.2 makes a continuous mDNS querier wait at least one second and then
  double the interval, i.e. at most about six queries per question in 30 s, and
  UPnP control points send an M-SEARCH two or three times; 40 is well above both.
* Probe requests: ``probe_min_requests`` (30) per ``probe_window`` (60 s). A full
  active scan sends one or more probe requests on each of the 13 2.4 GHz and
  ~25 5 GHz channels (30+ in a few seconds); a client that roams or reconnects
  probes a few channels. A longer reporting window scales the threshold.
* ``sweep_gap`` (60 s) ends a scan episode; ``quiet_period`` (15 min) after the
  last scan activity the device is reported as not scanning again;
  ``event_interval`` (10 min) is the per-device, per-kind event rate limit and
  ``max_events_per_minute`` a global cap (spoofed-MAC floods).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..arp import ip_to_int

__all__ = ["PRIVATE_V4", "ScanConfig", "parse_v4_network"]

# Private, link-local and benchmarking (RFC 2544, used by the lab) IPv4 ranges.
PRIVATE_V4: tuple[tuple[int, int], ...] = tuple(
    (int.from_bytes(bytes(net)), (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF)
    for net, bits in (
        ((10, 0, 0, 0), 8),
        ((172, 16, 0, 0), 12),
        ((192, 168, 0, 0), 16),
        ((169, 254, 0, 0), 16),
        ((198, 18, 0, 0), 15),
    )
)


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """Thresholds and bounds of :class:`ScanDetector` (see the module docstring)."""

    sweep_window: timedelta = timedelta(seconds=30)
    sweep_min_targets: int = 5
    slow_window: timedelta = timedelta(minutes=5)
    slow_min_targets: int = 25
    sweep_gap: timedelta = timedelta(seconds=60)
    discovery_window: timedelta = timedelta(seconds=30)
    discovery_min_queries: int = 40
    probe_window: timedelta = timedelta(seconds=60)
    probe_min_requests: int = 30
    upload_window: timedelta = timedelta(minutes=10)
    baseline: timedelta = timedelta(hours=1)
    quiet_period: timedelta = timedelta(minutes=15)
    event_interval: timedelta = timedelta(minutes=10)
    max_events_per_minute: int = 30
    max_devices: int = 512
    max_sources: int = 1024
    max_targets: int = 64
    max_domains: int = 256
    lan_networks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Validate; raises ValueError."""
        zero = timedelta(0)
        windows = (
            self.sweep_window,
            self.slow_window,
            self.sweep_gap,
            self.discovery_window,
            self.probe_window,
        )
        if any(w <= zero for w in windows):
            raise ValueError("windows must be positive")
        if any(
            w < zero
            for w in (self.upload_window, self.baseline, self.quiet_period, self.event_interval)
        ):
            raise ValueError("durations must not be negative")
        counts = (
            self.sweep_min_targets,
            self.slow_min_targets,
            self.discovery_min_queries,
            self.probe_min_requests,
        )
        if any(c < 2 for c in counts):
            raise ValueError("thresholds must be at least 2")
        bounds = (self.max_devices, self.max_sources, self.max_targets, self.max_domains)
        if any(b < 1 for b in bounds) or self.max_events_per_minute < 1:
            raise ValueError("bounds must be at least 1")
        if self.max_targets < max(self.sweep_min_targets, self.slow_min_targets):
            raise ValueError("max_targets must hold the thresholds")
        for net in self.lan_networks:
            parse_v4_network(net)


def parse_v4_network(text: str) -> tuple[int, int]:
    """Return (network, mask) of an IPv4 network; raises ValueError."""
    address, _, bits_text = str(text).partition("/")
    value = ip_to_int(address)
    bits = int(bits_text) if bits_text.isdigit() else 32 if not bits_text else -1
    if value is None or not 0 <= bits <= 32:
        raise ValueError(f"bad IPv4 network {text!r}")
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
    return value & mask, mask
