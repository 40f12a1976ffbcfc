"""Detect devices that inventory the home network and the Wi-Fi (the Gozen Data pattern).

Skyworth TVs shipped an SDK that every ten minutes listed the Wi-Fi networks in
range and every device on the LAN (host name, MAC, IP, latency) and uploaded the
inventory to Gozen Data. :class:`ScanDetector` recognises the parts of that
pattern from what Snoop Guard can see, each signal on its own:

``arp_sweep``
    Broadcast ARP requests for many distinct addresses from one MAC, captured
    passively on the Home Assistant host (``listener.ArpListener`` ->
    :meth:`ScanDetector.feed_arp`). RFC 5227 probes (sender 0.0.0.0) are counted
    apart from ordinary requests: a joining device's probe of its own new address
    plus its usual ARP for the gateway and a few peers is not a sweep, while a
    "DAD sweep" of many addresses is. Gratuitous ARP is ignored.
``ptr_sweep``
    Reverse lookups (``query[PTR] 4.3.2.1.in-addr.arpa``) of many distinct private
    IPv4 addresses by one client in the router's DNS log (:meth:`feed_dns`).
``mdns`` / ``ssdp`` / ``netbios``
    Discovery queries to UDP 5353 / 1900 / 137 from one client, from whoever can
    see them (:meth:`feed_discovery_query`): many distinct unicast targets, or a
    burst of queries.
``wifi_geolocation``
    A lookup of a Wi-Fi geolocation service (:data:`GEOLOCATION_SERVICES`): such
    services locate a device from the list of Wi-Fi networks it sees, so asking
    one means the device scanned the Wi-Fi and is sending the result away.
``probe_requests``
    Bursts of 802.11 probe requests, where a Wi-Fi backend reports them
    (:meth:`probe_requests`).

Correlation: a LAN or Wi-Fi scan followed within ``upload_window`` (10 minutes)
by a lookup of a tracker, or of a domain the device has never looked up before
(after a ``baseline`` learning period), gives ``upload_suspected`` with the
evidence chain (the scan steps and the contact).

Thresholds (all in :class:`ScanConfig`) and why
-----------------------------------------------
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

Bounded memory: devices seen in DNS (or named with :meth:`set_known_devices`, or
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

Time: every feed method takes an explicit ``when`` (timezone-aware; naive is
taken as UTC) or uses the injectable ``now`` clock. Time is made monotonic per
device, so out-of-order input cannot corrupt the windows. DNS events are fed
with the time they are processed (``when=None``) by default: a dnsmasq log
timestamp is router-local with one-second resolution.

Everything here is pure and stdlib-only; the feed methods never raise (a last
resort guard counts unexpected errors in :attr:`ScanDetector.errors`).
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from .arp import NO_ADDRESS, ArpRequest, ip_to_int
from .dnslog import DnsEvent, DnsEventKind
from .routerdata import normalize_ip, normalize_mac

__all__ = [
    "DISCOVERY_PORTS",
    "GEOLOCATION_SERVICES",
    "LAN_METHODS",
    "WIFI_METHODS",
    "ScanConfig",
    "ScanDetector",
    "ScanEvent",
    "ScanEventKind",
    "ScanMethod",
    "ScanState",
    "ScanStats",
    "geolocation_provider",
    "ptr_target",
    "site_of",
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
    GEOLOCATION = "wifi_geolocation"
    PROBE_REQUESTS = "probe_requests"


LAN_METHODS: frozenset[str] = frozenset(
    {ScanMethod.ARP, ScanMethod.PTR, ScanMethod.MDNS, ScanMethod.SSDP, ScanMethod.NETBIOS}
)
WIFI_METHODS: frozenset[str] = frozenset({ScanMethod.GEOLOCATION, ScanMethod.PROBE_REQUESTS})

DISCOVERY_PORTS: dict[int, ScanMethod] = {
    5353: ScanMethod.MDNS,
    1900: ScanMethod.SSDP,
    137: ScanMethod.NETBIOS,
}
_DISCOVERY_NAMES: dict[str, ScanMethod] = {
    "mdns": ScanMethod.MDNS,
    "ssdp": ScanMethod.SSDP,
    "netbios": ScanMethod.NETBIOS,
    "nbns": ScanMethod.NETBIOS,
    "upnp": ScanMethod.SSDP,
}

# Wi-Fi geolocation APIs, matched like tracker rules (the name or a subdomain of it).
# Only hosts that serve nothing but positioning are listed: Google's
# www.googleapis.com/geolocation, Baidu's api.map.baidu.com and AMap's
# restapi.amap.com share their host name with unrelated APIs (maps, weather,
# geocoding), so a lookup of them says nothing about Wi-Fi scanning.
GEOLOCATION_SERVICES: dict[str, str] = {
    "location.services.mozilla.com": "Mozilla Location Service (retired 2024)",
    "api.beacondb.net": "BeaconDB",
    "gs-loc.apple.com": "Apple",
    "gs-loc-cn.apple.com": "Apple (China)",
    "api.skyhookwireless.com": "Skyhook",
    "global.skyhookwireless.com": "Skyhook",
    "sapi.skyhookwireless.com": "Skyhook",
    "loc.map.baidu.com": "Baidu location SDK",
    "apilocate.amap.com": "AMap (Gaode) positioning",
    "apiv2.combain.com": "Combain",
    "us1.unwiredlabs.com": "Unwired Labs",
    "us2.unwiredlabs.com": "Unwired Labs",
    "eu1.unwiredlabs.com": "Unwired Labs",
    "ap1.unwiredlabs.com": "Unwired Labs",
    "positioning.hereapi.com": "HERE Network Positioning",
}

_MAC_RE = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
_PTR_SUFFIX = ".in-addr.arpa"
_DEST_QTYPES = frozenset({"A", "AAAA", "HTTPS", "SVCB", "CNAME", "ANY", "TYPE65", "TYPE64"})
_LOCAL_SUFFIXES = (".local", ".lan", ".home", ".internal", ".localdomain", ".arpa", ".localhost")
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"})
# Private, link-local and benchmarking (RFC 2544, used by the lab) IPv4 ranges.
_PRIVATE_V4: tuple[tuple[int, int], ...] = tuple(
    (int.from_bytes(bytes(net)), (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF)
    for net, bits in (
        ((10, 0, 0, 0), 8),
        ((172, 16, 0, 0), 12),
        ((192, 168, 0, 0), 16),
        ((169, 254, 0, 0), 16),
        ((198, 18, 0, 0), 15),
    )
)
_PROBES = "arp_probes"  # the window of RFC 5227 probes (method: arp_sweep)
_MAX_PREFIXES = 64  # /24 bitmaps per scan episode (16384 addresses)
_MAX_OTHER_TARGETS = 256
_MAX_CHAIN = 8
_MAX_SAMPLE = 8
_MAX_CONTACTS = 16
_MAX_NAME = 253
_IDLE_DEVICE_S = 7 * 86_400


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(when: datetime) -> float:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _iso(ts: float) -> str:
    return _dt(ts).isoformat(timespec="milliseconds")


def _int_to_ip(value: int) -> str:
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _seconds(value: timedelta) -> float:
    return value.total_seconds()


def geolocation_provider(name: str) -> str | None:
    """Return the provider when ``name`` is (under) a Wi-Fi geolocation service."""
    if not isinstance(name, str) or len(name) > _MAX_NAME:
        return None
    text = name.lower().rstrip(".")
    while True:
        provider = GEOLOCATION_SERVICES.get(text)
        if provider is not None:
            return provider
        dot = text.find(".")
        if dot < 0:
            return None
        text = text[dot + 1 :]


def ptr_target(name: str) -> int | None:
    """Return the IPv4 address (as an int) a ``d.c.b.a.in-addr.arpa`` name asks about."""
    if not isinstance(name, str) or not name.endswith(_PTR_SUFFIX) or len(name) > 40:
        return None
    parts = name[: -len(_PTR_SUFFIX)].split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in reversed(parts):
        if not (part.isascii() and part.isdigit()) or len(part) > 3 or int(part) > 255:
            return None
        value = (value << 8) | int(part)
    return value


def site_of(name: str) -> str | None:
    """Return the registrable part of a destination name (heuristic, no public suffix list).

    ``a.b.example.com`` -> ``example.com``; ``x.example.co.uk`` -> ``example.co.uk``.
    Local names (``.local``, ``.lan``, ``.arpa``...), single labels and IP literals
    give None.
    """
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
        return None
    text = name.lower().rstrip(".")
    if "." not in text or text.endswith(_LOCAL_SUFFIXES) or normalize_ip(text) is not None:
        return None
    labels = text.split(".")
    if not all(labels):
        return None
    keep = 2
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        keep = 3
    return ".".join(labels[-keep:])


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
            _parse_v4_network(net)


def _parse_v4_network(text: str) -> tuple[int, int]:
    address, _, bits_text = str(text).partition("/")
    value = ip_to_int(address)
    bits = int(bits_text) if bits_text.isdigit() else 32 if not bits_text else -1
    if value is None or not 0 <= bits <= 32:
        raise ValueError(f"bad IPv4 network {text!r}")
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
    return value & mask, mask


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


class _Distinct:
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
        return next(iter(self.keys.values()))


class _Episode:
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
        if type(key) is int:
            prefix = key >> 8
            bits = self.prefixes.get(prefix)
            if bits is None:
                if len(self.prefixes) >= _MAX_PREFIXES:
                    return
                bits = 0
            self.prefixes[prefix] = bits | (1 << (key & 0xFF))
        elif isinstance(key, str) and len(self.others) < _MAX_OTHER_TARGETS:
            self.others.add(key)

    @property
    def hosts(self) -> int:
        return sum(bits.bit_count() for bits in self.prefixes.values()) + len(self.others)

    def sample(self) -> list[str]:
        found: list[str] = []
        for prefix in sorted(self.prefixes):
            bits = self.prefixes[prefix]
            for host in range(256):
                if bits >> host & 1:
                    found.append(_int_to_ip(prefix << 8 | host))
                    if len(found) >= _MAX_SAMPLE:
                        return found
        found.extend(sorted(self.others)[: _MAX_SAMPLE - len(found)])
        return found

    def step(self, ts: float, signal: str, detail: dict[str, Any]) -> None:
        if len(self.chain) < _MAX_CHAIN:
            self.chain.append({"when": _iso(ts), "signal": str(signal), **detail})


class _Device:
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
        self.windows: dict[str, tuple[_Distinct, _Distinct]] = {}
        self.volume: dict[str, deque[float]] = {}
        self.methods: dict[str, float] = {}
        self.lan: _Episode | None = None
        self.wifi: _Episode | None = None
        self.scans = 0
        self.wifi_scans = 0
        self.dns_since: float | None = None
        self.sites: OrderedDict[str, None] | None = None
        self.contacts: deque[tuple[float, str, str]] = deque(maxlen=_MAX_CONTACTS)
        self.last_upload: float | None = None
        self.last_upload_domain: str | None = None
        self.last_event: dict[str, float] = {}
        self.suppressed: dict[str, int] = {}

    def tick(self, when: float) -> float:
        """Monotonic per-device time."""
        self.clock = max(self.clock, when)
        return self.clock


class ScanDetector:
    """Recognise network/Wi-Fi inventory scans and the upload that follows.

    Feed it from wherever the signals are visible; every feed method returns the
    :class:`ScanEvent` list it produced (usually empty) and never raises:

    * :meth:`feed_arp` - each :class:`~.arp.ArpRequest` of ``listener.ArpListener``;
    * :meth:`feed_dns` - each dnsmasq ``query`` :class:`~.dnslog.DnsEvent` with the
      client's MAC and whether the tracker matcher calls the name a tracker;
    * :meth:`feed_discovery_query` - mDNS / SSDP / NetBIOS queries, if seen;
    * :meth:`probe_requests` - probe-request counts from a Wi-Fi backend.

    Read :meth:`state` for entities; call :meth:`tick` about once a minute to
    learn which devices stopped scanning (and to free memory).

    ``allow``: MACs and IPs never reported - Home Assistant's own, the router's,
    the DNS server's and the devices the user marks as legitimate scanners
    (:meth:`set_allow` replaces it). :meth:`set_known_devices` names the router's
    clients so that forged-MAC floods cannot push them out. ``now`` is the clock
    used when a feed method gets no ``when``. Not thread-safe: use it from one
    thread (Home Assistant's event loop).
    """

    def __init__(
        self,
        config: ScanConfig | None = None,
        allow: Iterable[str] = (),
        *,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._config = config if config is not None else ScanConfig()
        cfg = self._config
        self._now = now
        self._sweep_s = _seconds(cfg.sweep_window)
        self._slow_s = _seconds(cfg.slow_window)
        self._gap_s = _seconds(cfg.sweep_gap)
        self._discovery_s = _seconds(cfg.discovery_window)
        self._probe_s = _seconds(cfg.probe_window)
        self._upload_s = _seconds(cfg.upload_window)
        self._baseline_s = _seconds(cfg.baseline)
        self._quiet_s = _seconds(cfg.quiet_period)
        self._interval_s = _seconds(cfg.event_interval)
        self._networks = _PRIVATE_V4 + tuple(_parse_v4_network(n) for n in cfg.lan_networks)
        self._allow: frozenset[str] = frozenset()
        self._known: frozenset[str] = frozenset()
        self._devices: OrderedDict[str, _Device] = OrderedDict()
        self._sources: OrderedDict[str, _Device] = OrderedDict()
        self._recent_events: deque[float] = deque(maxlen=cfg.max_events_per_minute)
        self._flagged: dict[str, tuple[bool, bool]] = {}  # reported (lan, wifi) scanning
        self.events = 0
        self.suppressed = 0
        self.ignored = 0
        self.errors = 0
        self.set_allow(allow)

    # -- configuration ----------------------------------------------------------------

    @property
    def config(self) -> ScanConfig:
        """The thresholds in use."""
        return self._config

    @property
    def allow(self) -> frozenset[str]:
        """Normalised MACs and IPs that are never reported (HA, router, DNS, user's scanners)."""
        return self._allow

    def set_allow(self, items: Iterable[str]) -> None:
        """Replace the allow-list: MACs and IP addresses, any common spelling."""
        allowed: set[str] = set()
        for item in items:
            value = normalize_mac(item) or normalize_ip(item) if isinstance(item, str) else None
            if value is not None:
                allowed.add(value)
        self._allow = frozenset(allowed)
        for mac in [m for m in (*self._devices, *self._sources) if m in self._allow]:
            self._devices.pop(mac, None)
            self._sources.pop(mac, None)
            self._flagged.pop(mac, None)

    def set_known_devices(self, macs: Iterable[str]) -> None:
        """Name the router's clients: they are kept when spoofed-MAC floods churn the rest."""
        known = {m for mac in macs if isinstance(mac, str) and (m := normalize_mac(mac))}
        self._known = frozenset(list(known)[: self._config.max_devices])

    # -- feeding ----------------------------------------------------------------------

    def feed_arp(self, request: ArpRequest) -> list[ScanEvent]:
        """Count one captured ARP request (probes from 0.0.0.0 included)."""
        try:
            mac = self._mac(request.sender_mac)
            target = ip_to_int(request.target_ip)
            if mac is None or target is None:
                self.ignored += 1
                return []
            allow = self._allow
            if mac in allow or request.sender_ip in allow or request.sender_ip == request.target_ip:
                return []  # allow-listed, or a gratuitous announcement (probes nobody)
            stamp = _ts(request.when)
            device = self._device(mac, stamp, known=False)
            ts = device.tick(stamp)
            if request.sender_ip == NO_ADDRESS:
                # RFC 5227 probes count apart from ordinary requests: a device's probe of
                # the address it is about to use is not a look at another host, but many
                # probes are a sweep
                return self._lan(device, mac, ScanMethod.ARP, ts, target, None, _PROBES)
            device.ip = request.sender_ip
            return self._lan(device, mac, ScanMethod.ARP, ts, target, None)
        except Exception:  # last-resort guard: input is data, never a crash
            self.errors += 1
            return []

    def feed_dns(
        self,
        event: DnsEvent,
        mac: str,
        is_tracker: bool,
        *,
        when: datetime | None = None,
    ) -> list[ScanEvent]:
        """Consume one dnsmasq log event of the client with ``mac``.

        Only ``query`` events are used: PTR lookups of private addresses (sweeps),
        lookups of Wi-Fi geolocation services, and destination lookups (A, AAAA,
        HTTPS...) as possible uploads after a scan. ``is_tracker``: the tracker
        matcher's verdict for ``event.name``.
        """
        try:
            if event.kind is not DnsEventKind.QUERY:
                return []
            norm = self._mac(mac)
            if norm is None:
                self.ignored += 1
                return []
            if norm in self._allow or (event.client_ip and event.client_ip in self._allow):
                return []
            stamp = _ts(when if when is not None else self._now())
            device = self._device(norm, stamp, known=True)
            ts = device.tick(stamp)
            if event.client_ip:
                device.ip = event.client_ip
            if device.dns_since is None:
                device.dns_since = ts
            return self._dns(device, norm, ts, event, bool(is_tracker))
        except Exception:  # last-resort guard: input is data, never a crash
            self.errors += 1
            return []

    def feed_discovery_query(
        self,
        mac: str,
        protocol: str | int,
        when: datetime | None = None,
        *,
        target: str | None = None,
    ) -> list[ScanEvent]:
        """Count one discovery query sent by ``mac``.

        ``protocol``: ``"mdns"``, ``"ssdp"``, ``"netbios"`` or the UDP port (5353,
        1900, 137). ``target``: the unicast destination or the address/host the
        query asks about, when there is one (a NetBIOS node-status query to each
        host, a reverse mDNS lookup); without it only the query volume counts.
        """
        try:
            method = (
                DISCOVERY_PORTS.get(protocol)
                if isinstance(protocol, int)
                else _DISCOVERY_NAMES.get(str(protocol).lower())
            )
            norm = self._mac(mac)
            if method is None or norm is None:
                self.ignored += 1
                return []
            if norm in self._allow:
                return []
            stamp = _ts(when if when is not None else self._now())
            device = self._device(norm, stamp, known=False)
            ts = device.tick(stamp)
            key: Hashable | None = None
            if isinstance(target, str) and target:
                key = ip_to_int(target)
                if key is None:
                    key = target[:_MAX_NAME].lower()
                elif target in self._allow:
                    key = None  # asking the router or HA is not enumeration
            queue = device.volume.get(method)
            if queue is None:
                queue = device.volume[method] = deque(maxlen=self._config.discovery_min_queries)
            queue.append(ts)
            rule = None
            if len(queue) == queue.maxlen and ts - queue[0] <= self._discovery_s:
                rule = (
                    f"{method}: {len(queue)} queries within {self._discovery_s:g} s"
                    f" (threshold {queue.maxlen} in {self._discovery_s:g} s)"
                )
            return self._lan(device, norm, method, ts, key, rule)
        except Exception:  # last-resort guard: input is data, never a crash
            self.errors += 1
            return []

    def probe_requests(
        self,
        mac: str,
        count: int,
        window: timedelta,
        *,
        when: datetime | None = None,
    ) -> list[ScanEvent]:
        """Report that ``mac`` sent ``count`` 802.11 probe requests within ``window``."""
        try:
            norm = self._mac(mac)
            seconds = window.total_seconds() if isinstance(window, timedelta) else -1.0
            if norm is None or isinstance(count, bool) or not isinstance(count, int):
                self.ignored += 1
                return []
            if seconds <= 0 or count < 0 or norm in self._allow:
                return []
            needed = self._config.probe_min_requests * max(1.0, seconds / self._probe_s)
            if count < needed:
                return []
            stamp = _ts(when if when is not None else self._now())
            device = self._device(norm, stamp, known=False)
            ts = device.tick(stamp)
            detail = {
                "probe_requests": count,
                "window_s": seconds,
                "rule": f"{count} probe requests within {seconds:g} s (threshold {needed:g})",
            }
            return self._wifi(device, norm, ScanMethod.PROBE_REQUESTS, ts, detail)
        except Exception:  # last-resort guard: input is data, never a crash
            self.errors += 1
            return []

    # -- reading ----------------------------------------------------------------------

    def state(self, mac: str, now: datetime | None = None) -> ScanState:
        """Return what ``mac`` is doing (a blank state for unknown devices)."""
        norm = self._mac(mac) or str(mac)
        device = self._devices.get(norm) or self._sources.get(norm)
        if device is None:
            return ScanState(mac=norm)
        ts = _ts(now if now is not None else self._now())
        return self._state(norm, device, ts)

    def states(self, now: datetime | None = None) -> dict[str, ScanState]:
        """States of every device that was ever caught scanning (and is still tracked)."""
        ts = _ts(now if now is not None else self._now())
        found: dict[str, ScanState] = {}
        for pool in (self._devices, self._sources):
            for mac, device in pool.items():
                if device.lan is not None or device.wifi is not None:
                    found[mac] = self._state(mac, device, ts)
        return found

    def tick(self, now: datetime | None = None) -> tuple[str, ...]:
        """Housekeeping; return the MACs whose ``lan_scanning``/``wifi_scanning`` turned off.

        Call about once a minute so entities can be updated when a scan decays.
        """
        ts = _ts(now if now is not None else self._now())
        ended: list[str] = []
        for mac, (lan, wifi) in sorted(self._flagged.items()):
            device = self._devices.get(mac) or self._sources.get(mac)
            now_lan, now_wifi = self._scanning(device, ts) if device else (False, False)
            if (lan and not now_lan) or (wifi and not now_wifi):
                ended.append(mac)
            if now_lan or now_wifi:
                self._flagged[mac] = (now_lan, now_wifi)
            else:
                del self._flagged[mac]
        self._prune(ts)
        return tuple(ended)

    @property
    def stats(self) -> ScanStats:
        """Sizes and counters (bounded by the config)."""
        keys = 0
        for pool in (self._devices, self._sources):
            for device in pool.values():
                for fast, slow in device.windows.values():
                    keys += len(fast.keys) + len(slow.keys)
        return ScanStats(
            devices=len(self._devices),
            sources=len(self._sources),
            window_keys=keys,
            events=self.events,
            suppressed=self.suppressed,
            ignored=self.ignored,
            errors=self.errors,
        )

    # -- internals --------------------------------------------------------------------

    @staticmethod
    def _mac(mac: object) -> str | None:
        if type(mac) is str and len(mac) == 17 and _MAC_RE.fullmatch(mac):
            return mac
        return normalize_mac(mac) if isinstance(mac, str) else None

    def _device(self, mac: str, ts: float, *, known: bool) -> _Device:
        device = self._devices.get(mac)
        if device is not None:
            self._devices.move_to_end(mac)
            return device
        device = self._sources.get(mac)
        if device is not None:
            if known or mac in self._known:
                del self._sources[mac]
                self._protect(mac, device)
            else:
                self._sources.move_to_end(mac)
            return device
        if known or mac in self._known:
            device = _Device(ts, known=True)
            self._protect(mac, device)
        else:
            device = _Device(ts, known=False)
            self._sources[mac] = device
            while len(self._sources) > self._config.max_sources:
                old, _ = self._sources.popitem(last=False)
                self._flagged.pop(old, None)
        return device

    def _protect(self, mac: str, device: _Device) -> None:
        device.known = True
        self._devices[mac] = device
        while len(self._devices) > self._config.max_devices:
            old, _ = self._devices.popitem(last=False)
            self._flagged.pop(old, None)

    def _is_lan_address(self, value: int) -> bool:
        return any(value & mask == net for net, mask in self._networks)

    def _dns(
        self, device: _Device, mac: str, ts: float, event: DnsEvent, is_tracker: bool
    ) -> list[ScanEvent]:
        name = event.name
        if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
            self.ignored += 1
            return []
        qtype = (event.qtype or "").upper()
        if qtype == "PTR":
            target = ptr_target(name)
            if target is None or not self._is_lan_address(target):
                return []
            if _int_to_ip(target) in self._allow:
                return []  # looking up the router's or HA's name is not a sweep
            return self._lan(device, mac, ScanMethod.PTR, ts, target, None)
        provider = geolocation_provider(name)
        if provider is not None:
            detail = {"service": name, "provider": provider}
            return self._wifi(device, mac, ScanMethod.GEOLOCATION, ts, detail)
        if qtype not in _DEST_QTYPES:
            return []
        site = site_of(name)
        if site is None:
            return []
        new = self._learn(device, site, ts)
        reason = "tracker" if is_tracker else "new_domain" if new else None
        if reason is None:
            return []
        return self._contact(device, mac, ts, name, reason)

    def _learn(self, device: _Device, site: str, ts: float) -> bool:
        """Remember ``site``; True when it is new and the device's baseline is complete."""
        sites = device.sites
        if sites is None:
            sites = device.sites = OrderedDict()
        if site in sites:
            sites.move_to_end(site)
            return False
        sites[site] = None
        while len(sites) > self._config.max_domains:
            sites.popitem(last=False)
        since = device.dns_since if device.dns_since is not None else ts
        return ts - since >= self._baseline_s

    def _close_lan(self, device: _Device, ts: float) -> None:
        """End the LAN episode if it went quiet; forget what it counted (one sweep, one alarm)."""
        episode = device.lan
        if episode is None or episode.closed or ts - episode.last <= self._gap_s:
            return
        for fast, slow in device.windows.values():
            fast.drop_through(episode.last)
            slow.drop_through(episode.last)
        for queue in device.volume.values():
            while queue and queue[0] <= episode.last:
                queue.popleft()
        episode.closed = True

    def _lan(
        self,
        device: _Device,
        mac: str,
        method: ScanMethod,
        ts: float,
        key: Hashable | None,
        volume_rule: str | None,
        counter: str | None = None,
    ) -> list[ScanEvent]:
        self._close_lan(device, ts)
        rule = volume_rule
        window: _Distinct | None = None
        if key is not None:
            name = counter or method
            pair = device.windows.get(name)
            if pair is None:
                cap = self._config.max_targets
                pair = device.windows[name] = (
                    _Distinct(self._sweep_s, cap),
                    _Distinct(self._slow_s, cap),
                )
            fast, slow = pair
            n_fast, _ = fast.add(key, ts)
            n_slow, new_slow = slow.add(key, ts)
            cfg = self._config
            if n_fast >= cfg.sweep_min_targets:
                window = fast
                rule = (
                    f"{method}: {n_fast} distinct targets within {self._sweep_s:g} s"
                    f" (threshold {cfg.sweep_min_targets} in {self._sweep_s:g} s)"
                )
            elif n_slow >= cfg.slow_min_targets and new_slow:
                window = slow
                rule = (
                    f"{method}: {n_slow} distinct targets within {self._slow_s:g} s"
                    f" (threshold {cfg.slow_min_targets} in {self._slow_s:g} s)"
                )
        if rule is None:
            return []
        device.methods[method] = ts
        episode = device.lan
        if episode is not None and not episode.closed:
            episode.last = ts
            if key is not None:
                episode.add(key)
            if method not in episode.methods:
                episode.step(ts, method, {"rule": rule})
            episode.methods[method] = ts
            return []
        # a new scan
        start = window.first() if window is not None else ts
        episode = _Episode(min(start, ts), ts, rule)
        if window is not None:
            for seen in window.keys:
                episode.add(seen)
        episode.methods[method] = ts
        episode.step(ts, method, {"rule": rule, "sender_ip": device.ip})
        device.lan = episode
        device.scans += 1
        if not device.known:
            del self._sources[mac]
            self._protect(mac, device)
        self._flagged[mac] = (True, self._flagged.get(mac, (False, False))[1])
        evidence = {
            "rule": rule,
            "hosts_probed": episode.hosts,
            "sample_targets": episode.sample(),
            "sender_ip": device.ip,
            "started": _iso(episode.start),
            "scans_detected": device.scans,
        }
        events = self._emit(device, mac, ScanEventKind.LAN_SCAN, ts, (method,), evidence)
        return events + self._retro_upload(device, mac, episode, ts)

    def _wifi(
        self, device: _Device, mac: str, method: ScanMethod, ts: float, detail: dict[str, Any]
    ) -> list[ScanEvent]:
        device.methods[method] = ts
        episode = device.wifi
        if episode is not None and ts - episode.last <= self._gap_s:
            episode.last = ts
            if method not in episode.methods:
                episode.step(ts, method, detail)
            episode.methods[method] = ts
            return []
        episode = _Episode(ts, ts, str(detail.get("rule", method)))
        episode.methods[method] = ts
        episode.step(ts, method, detail)
        device.wifi = episode
        device.wifi_scans += 1
        if not device.known:
            del self._sources[mac]
            self._protect(mac, device)
        self._flagged[mac] = (self._flagged.get(mac, (False, False))[0], True)
        evidence = {**detail, "started": _iso(ts), "wifi_scans_detected": device.wifi_scans}
        events = self._emit(device, mac, ScanEventKind.WIFI_SCAN, ts, (method,), evidence)
        return events + self._retro_upload(device, mac, episode, ts)

    def _candidates(self, device: _Device, ts: float, site: str) -> list[tuple[str, _Episode]]:
        found: list[tuple[str, _Episode]] = []
        for kind, episode in (("lan_scan", device.lan), ("wifi_scan", device.wifi)):
            if episode is None or site in episode.uploads:
                continue
            if episode.start <= ts <= episode.last + self._upload_s:
                found.append((kind, episode))
        return found

    def _contact(
        self, device: _Device, mac: str, ts: float, domain: str, reason: str
    ) -> list[ScanEvent]:
        candidates = self._candidates(device, ts, site_of(domain) or domain)
        if not candidates:
            device.contacts.append((ts, domain, reason))
            return []
        return self._upload(device, mac, ts, domain, reason, candidates)

    def _retro_upload(
        self, device: _Device, mac: str, episode: _Episode, now: float
    ) -> list[ScanEvent]:
        """Report a contact logged between the start of a scan and its detection."""
        for ts, domain, reason in device.contacts:
            if episode.start <= ts <= now:
                candidates = self._candidates(device, ts, site_of(domain) or domain)
                if candidates:
                    return self._upload(device, mac, now, domain, reason, candidates, ts)
        return []

    def _upload(
        self,
        device: _Device,
        mac: str,
        ts: float,
        domain: str,
        reason: str,
        candidates: list[tuple[str, _Episode]],
        contact_ts: float | None = None,
    ) -> list[ScanEvent]:
        contact_at = ts if contact_ts is None else contact_ts
        chain: list[dict[str, Any]] = []
        methods: list[str] = []
        site = site_of(domain) or domain
        for _, episode in candidates:
            if len(episode.uploads) < _MAX_CHAIN:
                episode.uploads.add(site)
            else:
                episode.uploads = {site}
            chain.extend(episode.chain)
            methods.extend(m for m in episode.methods if m not in methods)
        chain.sort(key=lambda step: str(step["when"]))
        chain.append({"when": _iso(contact_at), "signal": reason, "domain": domain})
        first = min(episode.start for _, episode in candidates)
        device.last_upload = contact_at
        device.last_upload_domain = domain
        evidence = {
            "domain": domain,
            "reason": reason,
            "scans": [kind for kind, _ in candidates],
            "seconds_after_scan_start": round(contact_at - first, 3),
            "chain": chain,
        }
        return self._emit(device, mac, ScanEventKind.UPLOAD_SUSPECTED, ts, tuple(methods), evidence)

    def _emit(
        self,
        device: _Device,
        mac: str,
        kind: ScanEventKind,
        ts: float,
        methods: tuple[str, ...],
        evidence: dict[str, Any],
    ) -> list[ScanEvent]:
        last = device.last_event.get(kind)
        if last is not None and ts - last < self._interval_s:
            device.suppressed[kind] = device.suppressed.get(kind, 0) + 1
            self.suppressed += 1
            return []
        recent = self._recent_events
        if len(recent) == recent.maxlen and ts - recent[0] < 60.0:
            device.suppressed[kind] = device.suppressed.get(kind, 0) + 1
            self.suppressed += 1
            return []
        recent.append(ts)
        device.last_event[kind] = ts
        evidence["suppressed_since_last_event"] = device.suppressed.pop(kind, 0)
        self.events += 1
        plain = tuple(str(m) for m in methods)  # JSON-friendly plain strings
        return [ScanEvent(kind, mac, _dt(ts), plain, evidence)]

    def _scanning(self, device: _Device, ts: float) -> tuple[bool, bool]:
        horizon = ts - self._quiet_s
        active = [m for m, seen in device.methods.items() if seen >= horizon]
        return any(m in LAN_METHODS for m in active), any(m in WIFI_METHODS for m in active)

    def _state(self, mac: str, device: _Device, ts: float) -> ScanState:
        horizon = ts - self._quiet_s
        active = tuple(sorted(str(m) for m, seen in device.methods.items() if seen >= horizon))
        lan, wifi = device.lan, device.wifi
        starts = [e.start for e in (lan, wifi) if e is not None]
        return ScanState(
            mac=mac,
            lan_scanning=any(m in LAN_METHODS for m in active),
            wifi_scanning=any(m in WIFI_METHODS for m in active),
            methods=active,
            hosts_probed_last_scan=lan.hosts if lan is not None else 0,
            last_scan=_dt(max(starts)) if starts else None,
            scans_detected=device.scans,
            wifi_scans_detected=device.wifi_scans,
            last_upload_suspected=(
                _dt(device.last_upload) if device.last_upload is not None else None
            ),
            last_upload_domain=device.last_upload_domain,
        )

    def _prune(self, ts: float) -> None:
        idle_source = ts - max(self._slow_s, self._gap_s, self._discovery_s)
        for mac in [m for m, d in self._sources.items() if d.clock < idle_source]:
            device = self._sources[mac]
            if device.lan is None and device.wifi is None:
                del self._sources[mac]
        idle_device = ts - _IDLE_DEVICE_S
        for mac in list(self._devices):
            device = self._devices[mac]
            if device.clock < idle_device and mac not in self._flagged:
                del self._devices[mac]
                continue
            for fast, slow in device.windows.values():
                fast.expire(ts)
                slow.expire(ts)
