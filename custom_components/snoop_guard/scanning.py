"""Catch devices that scan the LAN or the Wi-Fi, and the upload that follows.

Signals, each used when the setup offers it (``signals`` says which are active):
* ``dns``: PTR sweeps of private ranges, Wi-Fi geolocation lookups and, after a
  scan, lookups of trackers or never-seen domains, from the router's DNS log;
* ``arp``: ARP sweeps seen passively on Home Assistant's own LAN interface (a raw
  socket with a kernel filter that passes ARP requests only; never promiscuous).
Home Assistant itself, the router and the devices the user marks as legitimate
scanners are never reported.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .const import (
    CONF_ALLOWED_SCANNERS,
    CONF_SCAN_INTERFACE,
    CONF_SWEEP_MIN_TARGETS,
    CONF_SWEEP_WINDOW,
    CONF_UPLOAD_WINDOW,
    DOMAIN,
    EVENT_SCAN_DETECTED,
    LOGGER,
)
from .engine.arp import ArpRequest
from .engine.dnslog import DnsEvent
from .engine.routerdata import normalize_mac
from .engine.scan import ScanConfig, ScanDetector, ScanEvent, ScanEventKind, ScanState
from .listener import ArpListener, ListenerError, interface_addresses

if TYPE_CHECKING:
    from .coordinator import SnoopGuardCoordinator

TICK: Final = timedelta(minutes=1)


def scan_config(options: dict[str, Any]) -> ScanConfig:
    """Thresholds from the options; defaults follow Slips and Zeek (see engine/scan.py)."""
    defaults = ScanConfig()
    return ScanConfig(
        sweep_min_targets=int(options.get(CONF_SWEEP_MIN_TARGETS, defaults.sweep_min_targets)),
        sweep_window=timedelta(
            seconds=int(options.get(CONF_SWEEP_WINDOW, defaults.sweep_window.total_seconds()))
        ),
        upload_window=timedelta(
            minutes=int(
                options.get(CONF_UPLOAD_WINDOW, defaults.upload_window.total_seconds() / 60)
            )
        ),
    )


async def async_detect_interface(hass: HomeAssistant, router_host: str) -> str | None:
    """Return this host's interface towards the router (``ip route get``), or None."""
    try:
        proc = await asyncio.create_subprocess_exec(
            "ip",
            "-j",
            "route",
            "get",
            router_host,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=5)
        routes = json.loads(out or b"[]")
    except (OSError, TimeoutError, ValueError):
        return None
    if isinstance(routes, list) and routes and isinstance(routes[0], dict):
        dev = routes[0].get("dev")
        if isinstance(dev, str) and "gateway" not in routes[0]:
            # Only a directly connected LAN: through a gateway we would hear another network.
            return dev
    return None


class ScanMonitor:
    """Runs the detector for one config entry and turns its findings into HA events."""

    def __init__(self, hass: HomeAssistant, coordinator: SnoopGuardCoordinator) -> None:
        """Prepare; nothing listens before async_start."""
        self.hass = hass
        self.coordinator = coordinator
        options = dict(coordinator.config_entry.options)
        self.detector = ScanDetector(scan_config(options), now=dt_util.utcnow)
        self.signals: list[str] = ["dns"]
        self.listener: ArpListener | None = None
        self.listener_problem: str | None = None
        self._own: set[str] = set()
        self._unsub_tick: CALLBACK_TYPE | None = None

    def _allow(self) -> set[str]:
        options = self.coordinator.config_entry.options
        scanners = {
            m for raw in options.get(CONF_ALLOWED_SCANNERS, []) if (m := normalize_mac(raw))
        }
        return {self.coordinator.backend_host, *self._own, *scanners}

    async def async_start(self) -> None:
        """Start the passive ARP listener when the setup allows it, and the clock."""
        options = self.coordinator.config_entry.options
        interface = options.get(CONF_SCAN_INTERFACE) or await async_detect_interface(
            self.hass, self.coordinator.backend_host
        )
        if interface:
            mac, ips = await self.hass.async_add_executor_job(interface_addresses, interface)
            self._own = {a for a in (mac, *ips) if a}
            listener = ArpListener(interface, self._on_arp, on_error=self._on_listener_error)
            try:
                listener.start()
            except ListenerError as err:
                self.listener_problem = f"{err.reason}: {err}"
                LOGGER.info(
                    "Passive ARP scan detection is off on %s (%s); DNS-based detection stays on",
                    interface,
                    err,
                )
            else:
                self.listener = listener
                self.signals.append("arp")
        else:
            self.listener_problem = "no directly connected LAN interface towards the router"
        self.detector.set_allow(self._allow())
        self._unsub_tick = async_track_time_interval(self.hass, self._tick, TICK)

    @callback
    def async_stop(self) -> None:
        """Stop listening."""
        if self._unsub_tick is not None:
            self._unsub_tick()
            self._unsub_tick = None
        if self.listener is not None:
            self.listener.stop()
            self.listener = None

    @callback
    def set_known_devices(self, macs: set[str]) -> None:
        """Real devices are never evicted by floods of forged MAC addresses."""
        self.detector.set_known_devices(macs)

    @callback
    def _on_listener_error(self, err: ListenerError) -> None:
        self.listener_problem = f"{err.reason}: {err}"
        if "arp" in self.signals:
            self.signals.remove("arp")
        LOGGER.warning("Passive ARP scan detection stopped: %s", err)

    @callback
    def _on_arp(self, request: ArpRequest) -> None:
        self.handle(self.detector.feed_arp(request))

    @callback
    def feed_dns(self, event: DnsEvent, mac: str, is_tracker: bool) -> None:
        """Hand one query of a known device to the detector."""
        self.handle(self.detector.feed_dns(event, mac, is_tracker))

    @callback
    def _tick(self, now: datetime) -> None:
        if self.detector.tick(now):
            self.coordinator.async_update_listeners()

    def state(self, mac: str) -> ScanState:
        """Return the scanning state of one device now."""
        return self.detector.state(mac)

    @callback
    def handle(self, events: list[ScanEvent]) -> None:
        """Fire events (and a repair issue for an upload) for what the detector found."""
        if not events:
            return
        registry = dr.async_get(self.hass)
        for event in events:
            device = registry.async_get_device_by_connection(
                (dr.CONNECTION_NETWORK_MAC, event.mac), self.coordinator.config_entry.entry_id
            ) or next(
                iter(
                    registry.async_get_devices(connections={(dr.CONNECTION_NETWORK_MAC, event.mac)})
                ),
                None,
            )
            data = event.as_event_data() | {
                "config_entry_id": self.coordinator.config_entry.entry_id,
                "device_id": device.id if device else None,
            }
            self.hass.bus.async_fire(EVENT_SCAN_DETECTED, data)
            if event.kind is ScanEventKind.UPLOAD_SUSPECTED:
                self._raise_upload_issue(event, device.name if device else None)
        self.coordinator.async_update_listeners()

    def _raise_upload_issue(self, event: ScanEvent, name: str | None) -> None:
        entry_id = self.coordinator.config_entry.entry_id
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"upload_{entry_id}_{event.mac}",
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key="inventory_upload",
            translation_placeholders={
                "device": name or event.mac,
                "domain": str(event.evidence.get("domain", "?")),
                "methods": ", ".join(event.methods) or "?",
            },
            data={"entry_id": entry_id, "mac": event.mac},
        )
