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

Modules: :mod:`.model` (what is reported), :mod:`.config` (thresholds and why),
:mod:`.signals` (reading the signals out of raw input), :mod:`.windows` (time
and sliding windows), :mod:`.records` and :mod:`.pools` (bounded memory per
device), :mod:`.correlation` (scan, then upload), :mod:`.ratelimit` (event rate
limits), :mod:`.detector` (:class:`ScanDetector`, which feeds them all),
:mod:`.store` (memory across restarts).

Time: every feed method takes an explicit ``when`` (timezone-aware; naive is
taken as UTC) or uses the injectable ``now`` clock. Time is made monotonic per
device, so out-of-order input cannot corrupt the windows. DNS events are fed
with the time they are processed (``when=None``) by default: a dnsmasq log
timestamp is router-local with one-second resolution.

Everything here is pure and stdlib-only; the feed methods never raise (a last
resort guard counts unexpected errors in :attr:`ScanDetector.errors`).
"""

from __future__ import annotations

from .config import ScanConfig
from .detector import ScanDetector
from .model import (
    LAN_METHODS,
    WIFI_METHODS,
    ScanEvent,
    ScanEventKind,
    ScanMethod,
    ScanState,
    ScanStats,
)
from .signals import (
    DISCOVERY_PORTS,
    GEOLOCATION_SERVICES,
    geolocation_provider,
    ptr_target,
    site_of,
)

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
