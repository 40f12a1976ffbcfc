"""Protocol-aware rules for discovery queries, in front of :class:`~.scan.ScanDetector`.

The detector's own discovery rules count query *volume* (40 in 30 s) and distinct
unicast *targets* (5 in 30 s, 25 in 5 minutes). An SDK that collects the names of
every device stays under both: one DNS-SD meta query, PTR queries for 25 service
types and their instances, or a few ``M-SEARCH ssdp:all`` rounds. This module
reads what each query asks for (:mod:`.discovery_frame`) and adds the rules that
tell such enumeration from ordinary discovery. Every query still reaches
:meth:`ScanDetector.feed_discovery_query` (volume, targets, evidence, events);
when a rule below is broken, the query carries it as the ``verdict``.

Rules (per sending MAC, within ``window``, 60 s) and why
--------------------------------------------------------
* **mDNS, DNS-SD meta query and 8 service types browsed.** The meta query
  ``_services._dns-sd._udp.local`` (RFC 6763 section 9) asks every device to
  list the service types it offers; following it with browses of many of them is
  a walk of the whole LAN. Ordinary clients browse the one or few types they use
  and do not ask the meta query.
* **mDNS, 20 distinct service types browsed** (no meta query needed). A phone
  opening a cast menu browses one or two types (``_googlecast._tcp``, ``_airplay``);
  an Apple device's routine Bonjour about a dozen (AirPlay, RAOP, companion link,
  HomeKit, sleep proxy, remote pairing...); a Sonos app one or two. RFC 6762
  section 5.2 paces repeats of a question (1 s, then doubling), which adds no
  *distinct* type, so counting distinct types is immune to query pacing.
  Home Assistant's own zeroconf browses well over 20 types, but it runs on this
  host (its frames are outgoing and never captured) and is on the allow-list.
* **mDNS, 48 distinct names asked** (types, instances and host names together):
  resolving every instance of every type. An AirPlay picker resolving five
  speakers (SRV, TXT and the host's A/AAAA) stays near 30.
* **SSDP, 5 wide searches** (``ssdp:all`` or ``upnp:rootdevice``). UPnP control
  points send each M-SEARCH two or three times, because UDP may lose it (UPnP
  Device Architecture, section 1.3.2); an enumerator that repeats a wide search
  in rounds (the SDK: two targets, three rounds) goes beyond that. Two apps on
  one device each doing a full wide search in the same minute would too.
* **SSDP, 8 distinct search targets**: a control point looks for its own device
  type (a Sonos app ``ZonePlayer``, a cast sender ``dial``); asking for many
  device types one by one enumerates them.
* Unicast queries (an M-SEARCH, a NetBIOS node-status query, an mDNS query sent
  to one host) and mDNS reverse lookups give the detector a *target* each, so its
  sweep rules apply (``nbtscan``-style sweeps). IPv6 neighbour solicitations give
  their target address (method ``ndp_sweep``); those for duplicate address
  detection (sender ``::``) and mDNS probes (a device checking its own name) are
  not counted.

Bounded: at most ``max_sources`` senders (least recently active evicted), at most
``max_keys`` remembered names per sender and rule, at most ``_MAX_TARGETS`` targets
per query. Nothing here raises on input.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import timedelta

from .discovery_frame import DiscoveryProtocol, DiscoveryQuery
from .mdns_query import MdnsAsk, classify, reverse_address
from .netbios import NBSTAT
from .scan import ScanDetector, ScanEvent
from .ssdp_query import WIDE_TARGETS

__all__ = ["DiscoveryStats", "DiscoveryThresholds", "DiscoveryWatch"]

_MAX_TARGETS = 4
_MAX_ALLOWED_MACS = 16


@dataclass(frozen=True, slots=True)
class DiscoveryThresholds:
    """The rules' thresholds (see the module docstring)."""

    window: timedelta = timedelta(seconds=60)
    mdns_meta_types: int = 8
    mdns_types: int = 20
    mdns_names: int = 48
    ssdp_wide_searches: int = 5
    ssdp_targets: int = 8
    max_sources: int = 1024
    max_keys: int = 64

    def __post_init__(self) -> None:
        """Validate; raises ValueError."""
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")
        counts = (
            self.mdns_meta_types,
            self.mdns_types,
            self.mdns_names,
            self.ssdp_wide_searches,
            self.ssdp_targets,
        )
        if any(c < 2 for c in counts) or self.max_sources < 1:
            raise ValueError("thresholds must be at least 2, bounds at least 1")
        if self.max_keys < max(counts):
            raise ValueError("max_keys must hold the thresholds")


class _Recent:
    """Distinct keys seen within a window, each with its last time; at most ``cap``."""

    __slots__ = ("cap", "keys", "span")

    def __init__(self, span: float, cap: int) -> None:
        self.span = span
        self.cap = cap
        self.keys: dict[str, float] = {}

    def add(self, key: str, ts: float) -> int:
        keys = self.keys
        keys.pop(key, None)
        keys[key] = ts
        cutoff = ts - self.span
        while keys:  # oldest first; stops at the first recent key
            old = next(iter(keys))
            if keys[old] >= cutoff and len(keys) <= self.cap:
                break
            del keys[old]
        return len(keys)

    def count(self, ts: float) -> int:
        cutoff = ts - self.span
        return sum(1 for t in self.keys.values() if t >= cutoff)


@dataclass(slots=True)
class _Source:
    types: _Recent
    names: _Recent
    search_targets: _Recent
    wide: deque[float]
    meta: float | None = None


@dataclass(slots=True)
class DiscoveryStats:
    """What the watch saw."""

    queries: int = 0
    verdicts: int = 0
    ignored: int = 0  # probes, DAD, allow-listed senders
    errors: int = 0
    by_protocol: dict[str, int] = field(default_factory=dict)


class DiscoveryWatch:
    """Apply the enumeration rules to captured queries and feed ``detector``.

    Not thread-safe: use it where the detector is used (Home Assistant's loop).
    """

    def __init__(
        self, detector: ScanDetector, thresholds: DiscoveryThresholds | None = None
    ) -> None:
        """Feed ``detector``; ``thresholds`` default to :class:`DiscoveryThresholds`."""
        self.detector = detector
        self.thresholds = thresholds if thresholds is not None else DiscoveryThresholds()
        self._span = self.thresholds.window.total_seconds()
        self._sources: OrderedDict[str, _Source] = OrderedDict()
        self._allowed_macs: OrderedDict[str, None] = OrderedDict()
        self.stats = DiscoveryStats()

    def allow_mac(self, mac: str) -> None:
        """Never count ``mac``: the router or Home Assistant seen under an allow-listed IP."""
        self._allowed_macs.pop(mac, None)
        self._allowed_macs[mac] = None
        while len(self._allowed_macs) > _MAX_ALLOWED_MACS:
            self._allowed_macs.popitem(last=False)
        self._sources.pop(mac, None)

    def feed(self, query: DiscoveryQuery) -> list[ScanEvent]:
        """Count one captured query; return what the detector reported."""
        try:
            stats = self.stats
            allow = self.detector.allow
            if query.mac in allow or query.src_ip in allow or query.mac in self._allowed_macs:
                stats.ignored += 1
                return []
            if query.probe:
                stats.ignored += 1
                return []
            stats.queries += 1
            if ":" in query.src_ip:
                self.detector.home6.learn(query.src_ip)  # a global /64 the home uses
            protocol = str(query.protocol)
            stats.by_protocol[protocol] = stats.by_protocol.get(protocol, 0) + 1
            ts = query.when.timestamp()
            verdict: str | None = None
            targets: list[str] = []
            if query.protocol is DiscoveryProtocol.MDNS:
                verdict = self._mdns(query, ts, targets)
            elif query.protocol is DiscoveryProtocol.SSDP:
                verdict = self._ssdp(query, ts)
                if not query.group:
                    targets.append(query.dst_ip)
            elif query.protocol is DiscoveryProtocol.NETBIOS:
                if not query.group:
                    targets.append(query.dst_ip)
                elif query.netbios is not None and query.netbios.qtype != NBSTAT:
                    targets.append(query.netbios.name)
            elif query.target is not None:
                targets.append(query.target)
            if verdict is not None:
                stats.verdicts += 1
            feed = self.detector.feed_discovery_query
            events = feed(
                query.mac,
                protocol,
                query.when,
                target=targets[0] if targets else None,
                verdict=verdict,
            )
            for target in targets[1:_MAX_TARGETS]:
                events += feed(query.mac, protocol, query.when, target=target)
        except Exception:  # last-resort guard: input is data, never a crash
            self.stats.errors += 1
            return []
        return events

    def _source(self, mac: str) -> _Source:
        source = self._sources.get(mac)
        if source is None:
            limits = self.thresholds
            cap = limits.max_keys
            source = _Source(
                _Recent(self._span, cap),
                _Recent(self._span, cap),
                _Recent(self._span, cap),
                deque(maxlen=limits.ssdp_wide_searches),
            )
            self._sources[mac] = source
            while len(self._sources) > limits.max_sources:
                self._sources.popitem(last=False)
        else:
            self._sources.move_to_end(mac)
        return source

    def _mdns(self, query: DiscoveryQuery, ts: float, targets: list[str]) -> str | None:
        source = self._source(query.mac)
        limits = self.thresholds
        n_types = n_names = 0
        for question in query.questions:
            kind = classify(question)
            if kind is MdnsAsk.REVERSE:
                address = reverse_address(question.name)
                if address is not None:
                    targets.append(address)
                continue
            if kind is MdnsAsk.OTHER:
                continue
            if kind is MdnsAsk.META:
                source.meta = ts
            elif kind is MdnsAsk.BROWSE:
                n_types = source.types.add(question.name, ts)
            n_names = source.names.add(question.name, ts)
        span = f"{self._span:g} s"
        if not n_types and not n_names:
            return None
        n_types = n_types or source.types.count(ts)
        meta = source.meta is not None and ts - source.meta <= self._span
        if meta and n_types >= limits.mdns_meta_types:
            return (
                f"mdns: DNS-SD service type enumeration and {n_types} service types"
                f" browsed within {span} (threshold: meta query and {limits.mdns_meta_types})"
            )
        if n_types >= limits.mdns_types:
            return (
                f"mdns: {n_types} service types browsed within {span}"
                f" (threshold {limits.mdns_types})"
            )
        if n_names >= limits.mdns_names:
            return (
                f"mdns: {n_names} distinct names asked within {span}"
                f" (threshold {limits.mdns_names})"
            )
        return None

    def _ssdp(self, query: DiscoveryQuery, ts: float) -> str | None:
        target = query.search_target
        if target is None:
            return None
        source = self._source(query.mac)
        limits = self.thresholds
        span = f"{self._span:g} s"
        if target in WIDE_TARGETS:
            wide = source.wide
            wide.append(ts)
            if len(wide) == wide.maxlen and ts - wide[0] <= self._span:
                return (
                    f"ssdp: {len(wide)} M-SEARCH for all devices within {span}"
                    f" (threshold {limits.ssdp_wide_searches})"
                )
        if target:
            n_targets = source.search_targets.add(target, ts)
            if n_targets >= limits.ssdp_targets:
                return (
                    f"ssdp: {n_targets} distinct search targets within {span}"
                    f" (threshold {limits.ssdp_targets})"
                )
        return None
