"""The scan detector: every signal fed in, scans and uploads reported (orchestration).

The signals, the correlation and the time model are described in the package
docstring (``engine/scan/__init__.py``); thresholds in :mod:`.config`, the memory
bounds in :mod:`.pools`.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime, timedelta
from typing import Any, Concatenate

from ..arp import NO_ADDRESS, ArpRequest, ip_to_int
from ..dnslog import DnsEvent, DnsEventKind
from ..ptr6 import HomePrefixes, ip6_ptr_address
from ..routerdata import normalize_ip, normalize_mac
from .config import PRIVATE_V4, ScanConfig, parse_v4_network
from .correlation import Candidates, candidates, earlier_contact, learn_site, record_upload
from .model import SCAN_METHODS, ScanEvent, ScanEventKind, ScanMethod, ScanState, ScanStats
from .pools import DevicePools
from .ratelimit import EventLimiter
from .records import Device, Episode, device_state, restored_device, scanning
from .signals import (
    DEST_QTYPES,
    MAC_RE,
    MAX_NAME,
    discovery_method,
    geolocation_provider,
    int_to_ip,
    ptr_target,
    site_of,
)
from .store import dump_state, parse_state, stored_device
from .windows import Distinct, SweepRules, iso, seconds, to_dt, to_ts, utcnow

__all__ = ["ScanDetector"]

_PROBES = "arp_probes"  # the window of RFC 5227 probes (method: arp_sweep)


def _guarded[**P](
    feed: Callable[Concatenate[ScanDetector, P], list[ScanEvent]],
) -> Callable[Concatenate[ScanDetector, P], list[ScanEvent]]:
    """Run a feed method under the last-resort guard: input is data, never a crash.

    An unexpected error is counted in :attr:`ScanDetector.errors` and gives no events.
    """

    @functools.wraps(feed)
    def guarded(self: ScanDetector, /, *args: P.args, **kwargs: P.kwargs) -> list[ScanEvent]:
        try:
            return feed(self, *args, **kwargs)
        except Exception:
            self.errors += 1
            return []

    return guarded


class ScanDetector:
    """Recognise network/Wi-Fi inventory scans and the upload that follows.

    Feed it from wherever the signals are visible; every feed method returns the
    :class:`ScanEvent` list it produced (usually empty) and never raises:

    * :meth:`feed_arp` - each :class:`~..arp.ArpRequest` of ``listener.ArpListener``;
    * :meth:`feed_dns` - each dnsmasq ``query`` :class:`~..dnslog.DnsEvent` with the
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
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._config = config if config is not None else ScanConfig()
        cfg = self._config
        self._now = now
        self._sweeps = SweepRules(cfg)
        self._slow_s = seconds(cfg.slow_window)
        self._gap_s = seconds(cfg.sweep_gap)
        self._discovery_s = seconds(cfg.discovery_window)
        self._probe_s = seconds(cfg.probe_window)
        self._upload_s = seconds(cfg.upload_window)
        self._baseline_s = seconds(cfg.baseline)
        self._quiet_s = seconds(cfg.quiet_period)
        self._interval_s = seconds(cfg.event_interval)
        self._networks = PRIVATE_V4 + tuple(parse_v4_network(n) for n in cfg.lan_networks)
        self._allow: frozenset[str] = frozenset()
        self._pools = DevicePools(cfg.max_devices, cfg.max_sources)
        self._limiter = EventLimiter(self._interval_s, cfg.max_events_per_minute)
        self.home6 = HomePrefixes()  # IPv6 prefixes whose ip6.arpa lookups are sweeps
        self.events = 0
        self.suppressed = 0
        self.ignored = 0
        self.errors = 0
        self.revision = 0  # grows when what to_dict() keeps changes (save when it moved)
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
        self._pools.forget(self._allow)

    def set_known_devices(self, macs: Iterable[str]) -> None:
        """Name the router's clients: they are kept when spoofed-MAC floods churn the rest."""
        known = {m for mac in macs if isinstance(mac, str) and (m := normalize_mac(mac))}
        self._pools.known = frozenset(list(known)[: self._config.max_devices])

    # -- feeding ----------------------------------------------------------------------

    @_guarded
    def feed_arp(self, request: ArpRequest) -> list[ScanEvent]:
        """Count one captured ARP request (probes from 0.0.0.0 included)."""
        mac = self._mac(request.sender_mac)
        target = ip_to_int(request.target_ip)
        if mac is None or target is None:
            self.ignored += 1
            return []
        allow = self._allow
        if mac in allow or request.sender_ip in allow or request.sender_ip == request.target_ip:
            return []  # allow-listed, or a gratuitous announcement (probes nobody)
        stamp = to_ts(request.when)
        device = self._pools.track(mac, stamp, known=False)
        ts = device.tick(stamp)
        if request.sender_ip == NO_ADDRESS:
            # RFC 5227 probes count apart from ordinary requests: a device's probe of
            # the address it is about to use is not a look at another host, but many
            # probes are a sweep
            return self._lan(device, mac, ScanMethod.ARP, ts, target, None, _PROBES)
        device.ip = request.sender_ip
        return self._lan(device, mac, ScanMethod.ARP, ts, target, None)

    @_guarded
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
        if event.kind is not DnsEventKind.QUERY:
            return []
        norm = self._mac(mac)
        if norm is None:
            self.ignored += 1
            return []
        if norm in self._allow or (event.client_ip and event.client_ip in self._allow):
            return []
        stamp = to_ts(when if when is not None else self._now())
        device = self._pools.track(norm, stamp, known=True)
        ts = device.tick(stamp)
        if event.client_ip:
            device.ip = event.client_ip
            self.home6.learn(event.client_ip)
        if device.dns_since is None:
            device.dns_since = ts
            self.revision += 1
        return self._dns(device, norm, ts, event, bool(is_tracker))

    @_guarded
    def feed_discovery_query(
        self,
        mac: str,
        protocol: str | int,
        when: datetime | None = None,
        *,
        target: str | None = None,
        verdict: str | None = None,
    ) -> list[ScanEvent]:
        """Count one discovery query sent by ``mac``.

        ``protocol``: ``"mdns"``, ``"ssdp"``, ``"netbios"`` or the UDP port (5353,
        1900, 137). ``target``: the unicast destination or the address/host the
        query asks about, when there is one (a NetBIOS node-status query to each
        host, a reverse mDNS lookup); without it only the query volume counts.
        ``verdict``: the rule a protocol-aware caller (``scan_discovery``) found
        broken by this query, e.g. a DNS-SD meta query and many service types.
        """
        method = discovery_method(protocol)
        norm = self._mac(mac)
        if method is None or norm is None:
            self.ignored += 1
            return []
        if norm in self._allow:
            return []
        stamp = to_ts(when if when is not None else self._now())
        device = self._pools.track(norm, stamp, known=False)
        ts = device.tick(stamp)
        key: Hashable | None = None
        if isinstance(target, str) and target:
            key = ip_to_int(target)
            if key is None:
                key = target[:MAX_NAME].lower()
            elif target in self._allow:
                key = None  # asking the router or HA is not enumeration
        queue = device.volume.get(method)
        if queue is None:
            queue = device.volume[method] = deque(maxlen=self._config.discovery_min_queries)
        queue.append(ts)
        rule = verdict[:MAX_NAME] if isinstance(verdict, str) and verdict else None
        if rule is None and len(queue) == queue.maxlen and ts - queue[0] <= self._discovery_s:
            rule = (
                f"{method}: {len(queue)} queries within {self._discovery_s:g} s"
                f" (threshold {queue.maxlen} in {self._discovery_s:g} s)"
            )
        return self._lan(device, norm, method, ts, key, rule)

    @_guarded
    def probe_requests(
        self,
        mac: str,
        count: int,
        window: timedelta,
        *,
        when: datetime | None = None,
    ) -> list[ScanEvent]:
        """Report that ``mac`` sent ``count`` 802.11 probe requests within ``window``."""
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
        stamp = to_ts(when if when is not None else self._now())
        device = self._pools.track(norm, stamp, known=False)
        ts = device.tick(stamp)
        detail = {
            "probe_requests": count,
            "window_s": seconds,
            "rule": f"{count} probe requests within {seconds:g} s (threshold {needed:g})",
        }
        return self._wifi(device, norm, ScanMethod.PROBE_REQUESTS, ts, detail)

    # -- persistence ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return what was learnt, JSON-ready and bounded (format: :mod:`.store`).

        Protected devices, most recently active first: baselines, learnt sites, the
        last scans with their evidence, counters and event times (no sweep windows).
        """
        devices = reversed(self._pools.devices.items())
        return dump_state((mac, stored_device(device)) for mac, device in devices)

    def restore(self, data: object, now: datetime | None = None) -> int:
        """Add the devices of a :meth:`to_dict` result; return how many. Never raises.

        ``data`` is untrusted: validated and capped (:func:`.store.parse_state`);
        bad records are counted in :attr:`ignored`. Tracked and allow-listed devices
        keep their live state.
        """
        try:
            ts = to_ts(now if now is not None else self._now())
            cfg = self._config
            stored, dropped = parse_state(
                data,
                now=ts,
                methods=SCAN_METHODS,
                kinds=frozenset(ScanEventKind),
                max_devices=cfg.max_devices,
                max_sites=cfg.max_domains,
            )
            self.ignored += dropped
            added = 0
            for mac, item in reversed(stored.items()):  # oldest first: LRU order is kept
                if mac in self._allow or mac in self._pools.devices or mac in self._pools.sources:
                    continue
                device = self._pools.protect(mac, restored_device(item))
                lan, wifi = self._scanning(device, ts)
                if lan or wifi:
                    self._pools.flagged[mac] = (lan, wifi)
                added += 1
            return added
        except Exception:  # last-resort guard: stored data is data, never a crash
            self.errors += 1
            return 0

    # -- reading ----------------------------------------------------------------------

    def state(self, mac: str, now: datetime | None = None) -> ScanState:
        """Return what ``mac`` is doing (a blank state for unknown devices)."""
        norm = self._mac(mac) or str(mac)
        device = self._pools.get(norm)
        if device is None:
            return ScanState(mac=norm)
        ts = to_ts(now if now is not None else self._now())
        return self._state(norm, device, ts)

    def states(self, now: datetime | None = None) -> dict[str, ScanState]:
        """States of every device that was ever caught scanning (and is still tracked)."""
        ts = to_ts(now if now is not None else self._now())
        found: dict[str, ScanState] = {}
        for pool in (self._pools.devices, self._pools.sources):
            for mac, device in pool.items():
                if device.lan is not None or device.wifi is not None:
                    found[mac] = self._state(mac, device, ts)
        return found

    def tick(self, now: datetime | None = None) -> tuple[str, ...]:
        """Housekeeping; return the MACs whose ``lan_scanning``/``wifi_scanning`` turned off.

        Call about once a minute so entities can be updated when a scan decays.
        """
        ts = to_ts(now if now is not None else self._now())
        ended: list[str] = []
        for mac, (lan, wifi) in sorted(self._pools.flagged.items()):
            device = self._pools.get(mac)
            now_lan, now_wifi = self._scanning(device, ts) if device else (False, False)
            if (lan and not now_lan) or (wifi and not now_wifi):
                ended.append(mac)
            if now_lan or now_wifi:
                self._pools.flagged[mac] = (now_lan, now_wifi)
            else:
                del self._pools.flagged[mac]
        self._prune(ts)
        return tuple(ended)

    @property
    def stats(self) -> ScanStats:
        """Sizes and counters (bounded by the config)."""
        return ScanStats(
            devices=len(self._pools.devices),
            sources=len(self._pools.sources),
            window_keys=self._pools.window_keys(),
            events=self.events,
            suppressed=self.suppressed,
            ignored=self.ignored,
            errors=self.errors,
        )

    # -- internals --------------------------------------------------------------------

    @staticmethod
    def _mac(mac: object) -> str | None:
        if type(mac) is str and len(mac) == 17 and MAC_RE.fullmatch(mac):
            return mac
        return normalize_mac(mac) if isinstance(mac, str) else None

    def _is_lan_address(self, value: int) -> bool:
        return any(value & mask == net for net, mask in self._networks)

    def _dns(
        self, device: Device, mac: str, ts: float, event: DnsEvent, is_tracker: bool
    ) -> list[ScanEvent]:
        name = event.name
        if not isinstance(name, str) or not name or len(name) > MAX_NAME:
            self.ignored += 1
            return []
        qtype = (event.qtype or "").upper()
        if qtype == "PTR":
            target = ptr_target(name)
            if target is None and (v6 := ip6_ptr_address(name)) is not None:
                if v6 not in self.home6 or str(v6) in self._allow:
                    return []  # an Internet server's name, or the router's
                return self._lan(device, mac, ScanMethod.PTR, ts, str(v6), None)
            if target is None or not self._is_lan_address(target):
                return []
            if int_to_ip(target) in self._allow:
                return []  # looking up the router's or HA's name is not a sweep
            return self._lan(device, mac, ScanMethod.PTR, ts, target, None)
        provider = geolocation_provider(name)
        if provider is not None:
            detail = {"service": name, "provider": provider}
            return self._wifi(device, mac, ScanMethod.GEOLOCATION, ts, detail)
        if qtype not in DEST_QTYPES:
            return []
        site = site_of(name)
        if site is None:
            return []
        added, new = learn_site(
            device, site, ts, max_domains=self._config.max_domains, baseline_s=self._baseline_s
        )
        if added:
            self.revision += 1
        reason = "tracker" if is_tracker else "new_domain" if new else None
        if reason is None:
            return []
        return self._contact(device, mac, ts, name, reason)

    def _lan(
        self,
        device: Device,
        mac: str,
        method: ScanMethod,
        ts: float,
        key: Hashable | None,
        volume_rule: str | None,
        counter: str | None = None,
    ) -> list[ScanEvent]:
        device.close_lan(ts, self._gap_s)
        rule = volume_rule
        window: Distinct | None = None
        if key is not None:
            broken = self._sweeps.add(device.windows, counter or method, method, key, ts)
            if broken is not None:
                rule, window = broken
        if rule is None:
            return []
        self.revision += 1
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
        episode = Episode(min(start, ts), ts, rule)
        if window is not None:
            for seen in window.keys:
                episode.add(seen)
        episode.methods[method] = ts
        episode.step(ts, method, {"rule": rule, "sender_ip": device.ip})
        device.lan = episode
        device.scans += 1
        self._pools.promote(mac, device)
        self._pools.flagged[mac] = (True, self._pools.flagged.get(mac, (False, False))[1])
        evidence = {
            "rule": rule,
            "hosts_probed": episode.hosts,
            "sample_targets": episode.sample(),
            "sender_ip": device.ip,
            "started": iso(episode.start),
            "scans_detected": device.scans,
        }
        events = self._emit(device, mac, ScanEventKind.LAN_SCAN, ts, (method,), evidence)
        return events + self._retro_upload(device, mac, episode, ts)

    def _wifi(
        self, device: Device, mac: str, method: ScanMethod, ts: float, detail: dict[str, Any]
    ) -> list[ScanEvent]:
        self.revision += 1
        device.methods[method] = ts
        episode = device.wifi
        if episode is not None and ts - episode.last <= self._gap_s:
            episode.last = ts
            if method not in episode.methods:
                episode.step(ts, method, detail)
            episode.methods[method] = ts
            return []
        episode = Episode(ts, ts, str(detail.get("rule", method)))
        episode.methods[method] = ts
        episode.step(ts, method, detail)
        device.wifi = episode
        device.wifi_scans += 1
        self._pools.promote(mac, device)
        self._pools.flagged[mac] = (self._pools.flagged.get(mac, (False, False))[0], True)
        evidence = {**detail, "started": iso(ts), "wifi_scans_detected": device.wifi_scans}
        events = self._emit(device, mac, ScanEventKind.WIFI_SCAN, ts, (method,), evidence)
        return events + self._retro_upload(device, mac, episode, ts)

    def _contact(
        self, device: Device, mac: str, ts: float, domain: str, reason: str
    ) -> list[ScanEvent]:
        found = candidates(device, ts, site_of(domain) or domain, self._upload_s)
        if not found:
            device.contacts.append((ts, domain, reason))
            return []
        return self._upload(device, mac, ts, domain, reason, found)

    def _retro_upload(
        self, device: Device, mac: str, episode: Episode, now: float
    ) -> list[ScanEvent]:
        """Report a contact logged between the start of a scan and its detection."""
        earlier = earlier_contact(device, episode, now, self._upload_s)
        if earlier is None:
            return []
        contact_ts, domain, reason, found = earlier
        return self._upload(device, mac, now, domain, reason, found, contact_ts)

    def _upload(
        self,
        device: Device,
        mac: str,
        ts: float,
        domain: str,
        reason: str,
        found: Candidates,
        contact_ts: float | None = None,
    ) -> list[ScanEvent]:
        contact_at = ts if contact_ts is None else contact_ts
        methods, evidence = record_upload(device, domain, reason, found, contact_at)
        self.revision += 1
        return self._emit(device, mac, ScanEventKind.UPLOAD_SUSPECTED, ts, methods, evidence)

    def _emit(
        self,
        device: Device,
        mac: str,
        kind: ScanEventKind,
        ts: float,
        methods: tuple[str, ...],
        evidence: dict[str, Any],
    ) -> list[ScanEvent]:
        if not self._limiter.admit(device, kind, ts):
            self.suppressed += 1
            return []
        evidence["suppressed_since_last_event"] = device.suppressed.pop(kind, 0)
        self.events += 1
        plain = tuple(str(m) for m in methods)  # JSON-friendly plain strings
        return [ScanEvent(kind, mac, to_dt(ts), plain, evidence)]

    def _scanning(self, device: Device, ts: float) -> tuple[bool, bool]:
        return scanning(device, ts - self._quiet_s)

    def _state(self, mac: str, device: Device, ts: float) -> ScanState:
        return device_state(mac, device, ts - self._quiet_s)

    def _prune(self, ts: float) -> None:
        self._pools.prune(ts, ts - max(self._slow_s, self._gap_s, self._discovery_s))
