"""Devices that avoid the home's DNS: plain DNS elsewhere, DNS-over-TLS, DNS-over-HTTPS (pure).

A watched device that resolves names somewhere else escapes the tracker block
(dnsmasq's ``nftset=`` never sees the names) and the scan detector's DNS signals.
:class:`BypassDetector` recognises it from what a backend can observe:

``plain_dns``
    A flow to UDP/TCP port 53 of an address that is not the home's resolver (a
    connection-tracking entry on the router). Port 53 carries nothing but DNS.
``dot``
    A flow to port 853 (DNS over TLS, RFC 7858; DNS over QUIC, RFC 9250 uses UDP
    853): used for nothing else.
``doh``
    A flow to port 443 of a *known resolver address*: the anycast addresses of the
    public DoH services (:data:`DOH_ADDRESSES`, which serve DNS and nothing else on
    443) or an address the device's own lookup of a DoH bootstrap name returned
    (:meth:`BypassDetector.feed_answer`). An ordinary HTTPS connection to a CDN is
    never counted: only addresses tied to DNS resolvers are.
``doh_bootstrap``
    A lookup, through the home's resolver, of a DoH service's bootstrap name
    (:data:`DOH_BOOTSTRAP_NAMES`, e.g. ``dns.google``, ``cloudflare-dns.com``): a
    client configured for DoH resolves its resolver's name before switching to it.
    The Firefox canary domain ``use-application-dns.net`` is *not* counted: Firefox
    asks it to learn whether the network wants DoH *off*.

What each backend can observe (the caller feeds what it has):

* router over SSH (dnsmasq + nftables): the DNS query log (``doh_bootstrap``, and
  the answers that tie a bootstrap name to addresses) and the router's connection
  tracking (``/proc/net/nf_conntrack`` or ``conntrack -L``: ``plain_dns``, ``dot``,
  ``doh``), source address mapped to the device by the DHCP leases;
* AdGuard Home, Pi-hole: the query log only (``doh_bootstrap``); they never see
  traffic that does not reach them;
* a router that only reports per-device counters: ``plain_dns`` and ``dot`` if it
  counts per destination port.

One observation is enough (each is specific to DNS); ``quiet_period`` (1 hour)
after the last one the device is reported as not bypassing again. Bounded: at most
``max_devices`` devices (least recently active evicted) and ``max_resolvers``
learnt resolver addresses. Nothing here raises on input.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from .routerdata import normalize_mac

__all__ = [
    "DOH_ADDRESSES",
    "DOH_BOOTSTRAP_NAMES",
    "BypassDetector",
    "BypassEvent",
    "BypassMethod",
    "BypassState",
    "is_doh_bootstrap",
]


class BypassMethod(StrEnum):
    """How a device avoided the home's DNS."""

    PLAIN_DNS = "plain_dns"
    DOT = "dot"
    DOH = "doh"
    DOH_BOOTSTRAP = "doh_bootstrap"


# Bootstrap names of public DoH services (the host part of their DoH URL templates).
DOH_BOOTSTRAP_NAMES: frozenset[str] = frozenset(
    {
        "dns.google",
        "dns.google.com",
        "cloudflare-dns.com",
        "mozilla.cloudflare-dns.com",
        "chrome.cloudflare-dns.com",
        "security.cloudflare-dns.com",
        "family.cloudflare-dns.com",
        "one.one.one.one",
        "dns.quad9.net",
        "dns9.quad9.net",
        "dns10.quad9.net",
        "dns11.quad9.net",
        "doh.opendns.com",
        "doh.familyshield.opendns.com",
        "dns.adguard-dns.com",
        "dns.adguard.com",
        "dns.nextdns.io",
        "doh.cleanbrowsing.org",
        "doh.mullvad.net",
        "dns.controld.com",
        "freedns.controld.com",
        "doh.dns.sb",
        "dns.alidns.com",
        "doh.pub",
        "doh.360.cn",
    }
)
_DOH_SUFFIXES = (".dns.nextdns.io", ".dns.controld.com", ".cloudflare-gateway.com")

# Anycast addresses of public resolvers: on port 443 they serve DNS over HTTPS only.
DOH_ADDRESSES: frozenset[str] = frozenset(
    str(ipaddress.ip_address(a))
    for a in (
        "8.8.8.8",
        "8.8.4.4",
        "2001:4860:4860::8888",
        "2001:4860:4860::8844",
        "1.1.1.1",
        "1.0.0.1",
        "1.1.1.2",
        "1.0.0.2",
        "1.1.1.3",
        "1.0.0.3",
        "2606:4700:4700::1111",
        "2606:4700:4700::1001",
        "9.9.9.9",
        "149.112.112.112",
        "9.9.9.11",
        "2620:fe::fe",
        "2620:fe::9",
        "208.67.222.222",
        "208.67.220.220",
        "2620:119:35::35",
        "94.140.14.14",
        "94.140.15.15",
        "2a10:50c0::ad1:ff",
        "45.90.28.0",
        "45.90.30.0",
        "185.228.168.168",
        "194.242.2.2",
        "223.5.5.5",
        "223.6.6.6",
    )
)

# Home networks (RFC 1918, link-local, loopback, ULA and the RFC 2544 range the lab uses).
_LOCAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "127.0.0.0/8",
        "198.18.0.0/15",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
_PORTS = {53: BypassMethod.PLAIN_DNS, 853: BypassMethod.DOT}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _address(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return str(ipaddress.ip_address(value.split("%", 1)[0]))
    except ValueError:
        return None


def is_doh_bootstrap(name: object) -> bool:
    """Return whether ``name`` is the bootstrap name of a known DoH service."""
    if not isinstance(name, str) or len(name) > 253:
        return False
    name = name.lower().rstrip(".")
    return name in DOH_BOOTSTRAP_NAMES or name.endswith(_DOH_SUFFIXES)


@dataclass(frozen=True, slots=True)
class BypassEvent:
    """A device started (``bypassing``) or stopped avoiding the home's DNS."""

    mac: str
    when: datetime
    bypassing: bool
    methods: tuple[str, ...]
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BypassState:
    """What is known about one device now."""

    bypassing: bool = False
    methods: tuple[str, ...] = ()
    resolvers: tuple[str, ...] = ()
    last_seen: datetime | None = None


@dataclass(slots=True)
class _Device:
    methods: dict[str, float] = field(default_factory=dict)
    resolvers: OrderedDict[str, float] = field(default_factory=OrderedDict)
    bypassing: bool = False


class BypassDetector:
    """Recognise devices that resolve names outside the home's DNS (see the module docstring).

    ``home_resolvers``: the addresses of the router's / filter's DNS (never a bypass).
    Feed methods return the :class:`BypassEvent` list they produced and never raise.
    Not thread-safe.
    """

    def __init__(
        self,
        home_resolvers: tuple[str, ...] = (),
        *,
        quiet_period: timedelta = timedelta(hours=1),
        max_devices: int = 512,
        max_resolvers: int = 256,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        """Prepare an empty detector."""
        self._home = {a for r in home_resolvers if (a := _address(r))}
        self._quiet = quiet_period.total_seconds()
        self._max_devices = max(1, max_devices)
        self._max_resolvers = max(1, max_resolvers)
        self._now = now
        self._devices: OrderedDict[str, _Device] = OrderedDict()
        self._learnt: OrderedDict[str, str] = OrderedDict()  # resolver address -> name
        self.errors = 0

    def feed_lookup(self, mac: str, name: str, when: datetime | None = None) -> list[BypassEvent]:
        """Count one name the device looked up through the home's DNS."""
        try:
            if not is_doh_bootstrap(name):
                return []
            detail = {"bootstrap_name": name.lower().rstrip(".")}
            return self._observe(mac, BypassMethod.DOH_BOOTSTRAP, None, when, detail)
        except Exception:  # last-resort guard: input is data, never a crash
            self.errors += 1
            return []

    def feed_answer(self, name: str, address: str) -> None:
        """Remember the address the home's DNS gave for a DoH bootstrap name."""
        try:
            resolved = _address(address)
            if resolved is None or not is_doh_bootstrap(name):
                return
            self._learnt.pop(resolved, None)
            self._learnt[resolved] = name.lower().rstrip(".")
            while len(self._learnt) > self._max_resolvers:
                self._learnt.popitem(last=False)
        except Exception:  # last-resort guard: input is data, never a crash
            self.errors += 1

    def feed_flow(
        self,
        mac: str,
        dst: str,
        dport: int,
        when: datetime | None = None,
    ) -> list[BypassEvent]:
        """Count one connection (TCP or UDP) of the device to ``dst``:``dport`` (conntrack)."""
        try:
            address = _address(dst)
            if address is None or address in self._home or isinstance(dport, bool):
                return []
            parsed = ipaddress.ip_address(address)
            if any(parsed in net for net in _LOCAL if net.version == parsed.version):
                return []  # a LAN resolver (a second Pi-hole) is still the home's DNS
            method = _PORTS.get(dport)
            detail: dict[str, Any] = {"resolver": address, "port": dport}
            if method is None and dport == 443:
                if address in DOH_ADDRESSES:
                    method = BypassMethod.DOH
                elif address in self._learnt:
                    method = BypassMethod.DOH
                    detail["bootstrap_name"] = self._learnt[address]
            if method is None:
                return []
            return self._observe(mac, method, address, when, detail)
        except Exception:  # last-resort guard: input is data, never a crash
            self.errors += 1
            return []

    def tick(self, when: datetime | None = None) -> list[BypassEvent]:
        """Report devices quiet for ``quiet_period`` as no longer bypassing."""
        ts = (when or self._now()).timestamp()
        events = []
        for mac, device in self._devices.items():
            if device.bypassing and ts - max(device.methods.values()) > self._quiet:
                device.bypassing = False
                events.append(BypassEvent(mac, datetime.fromtimestamp(ts, UTC), False, (), {}))
        return events

    def state(self, mac: str, now: datetime | None = None) -> BypassState:
        """Return whether ``mac`` bypasses the home's DNS now, how and to where."""
        norm = normalize_mac(mac) if isinstance(mac, str) else None
        device = self._devices.get(norm) if norm else None
        if device is None or not device.methods:
            return BypassState()
        ts = (now or self._now()).timestamp()
        recent = {m: t for m, t in device.methods.items() if ts - t <= self._quiet}
        last = max(device.methods.values())
        return BypassState(
            bypassing=bool(recent),
            methods=tuple(sorted(recent)),
            resolvers=tuple(device.resolvers),
            last_seen=datetime.fromtimestamp(last, UTC),
        )

    def _observe(
        self,
        mac: str,
        method: BypassMethod,
        resolver: str | None,
        when: datetime | None,
        detail: dict[str, Any],
    ) -> list[BypassEvent]:
        norm = normalize_mac(mac) if isinstance(mac, str) else None
        if norm is None:
            return []
        stamp = when if when is not None else self._now()
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        ts = stamp.timestamp()
        device = self._devices.get(norm)
        if device is None:
            device = self._devices[norm] = _Device()
            while len(self._devices) > self._max_devices:
                self._devices.popitem(last=False)
        else:
            self._devices.move_to_end(norm)
        device.methods[method] = max(ts, device.methods.get(method, ts))
        if resolver is not None:
            device.resolvers.pop(resolver, None)
            device.resolvers[resolver] = ts
            while len(device.resolvers) > 8:
                device.resolvers.popitem(last=False)
        if device.bypassing:
            return []
        device.bypassing = True
        evidence = {"method": str(method), **detail}
        return [BypassEvent(norm, stamp, True, (str(method),), evidence)]
