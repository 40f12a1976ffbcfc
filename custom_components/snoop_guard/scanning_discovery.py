"""Passive discovery-query detection for :class:`~.scanning.ScanMonitor` (signal ``discovery``).

mDNS and SSDP ``M-SEARCH`` queries, NetBIOS name queries and IPv6 neighbour
solicitations seen on Home Assistant's LAN interface
(:class:`~.listener_discovery.DiscoveryListener`, a filtered packet socket that
never answers and is never promiscuous) go through the enumeration rules of
:mod:`.engine.scan_discovery` into the monitor's detector, attributed to the
sending device's MAC. Without CAP_NET_RAW, off Linux, or without a LAN
interface the signal is simply off (``problem`` says why); the other signals
are not affected.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import callback

from .const import LOGGER
from .engine.arp import ArpRequest
from .engine.discovery_frame import DiscoveryQuery
from .engine.scan import ScanDetector, ScanEvent
from .engine.scan_discovery import DiscoveryWatch
from .listener import ListenerError
from .listener_discovery import DiscoveryListener

SIGNAL = "discovery"


class DiscoverySignal:
    """Own the discovery listener and the rules; hand events to ``handle``."""

    def __init__(
        self,
        detector: ScanDetector,
        handle: Callable[[list[ScanEvent]], None],
        signals: list[str],
    ) -> None:
        """Feed ``detector``; ``signals`` is the monitor's list of active signals."""
        self.watch = DiscoveryWatch(detector)
        self._handle = handle
        self._signals = signals
        self.listener: DiscoveryListener | None = None
        self.problem: str | None = None

    def start(self, interface: str | None) -> None:
        """Start listening on ``interface`` (from the event loop); failures are logged."""
        if not interface:
            self.problem = "no directly connected LAN interface towards the router"
            return
        listener = DiscoveryListener(interface, self._on_query, on_error=self._on_error)
        try:
            listener.start()
        except ListenerError as err:
            self.problem = f"{err.reason}: {err}"
            LOGGER.info(
                "Passive mDNS/SSDP/NetBIOS scan detection is off on %s (%s)", interface, err
            )
            return
        self.listener = listener
        self.problem = None
        if SIGNAL not in self._signals:
            self._signals.append(SIGNAL)

    def stop(self) -> None:
        """Stop listening (idempotent)."""
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if SIGNAL in self._signals:
            self._signals.remove(SIGNAL)

    @callback
    def learn_arp(self, request: ArpRequest) -> None:
        """Never count the MAC of an allow-listed address (the router) seen in ARP."""
        if request.sender_ip in self.watch.detector.allow:
            self.watch.allow_mac(request.sender_mac)

    @callback
    def _on_query(self, query: DiscoveryQuery) -> None:
        events = self.watch.feed(query)
        if events:
            self._handle(events)

    @callback
    def _on_error(self, err: ListenerError) -> None:
        self.problem = f"{err.reason}: {err}"
        self.listener = None
        if SIGNAL in self._signals:
            self._signals.remove(SIGNAL)
        LOGGER.warning("Passive mDNS/SSDP/NetBIOS scan detection stopped: %s", err)
