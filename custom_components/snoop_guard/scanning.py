"""Catch devices that scan the LAN or the Wi-Fi, and the upload that follows.

Signals, each used when the setup offers it (``signals`` says which are active):
* ``dns``: PTR sweeps of private ranges, Wi-Fi geolocation lookups and, after a
  scan, lookups of trackers or never-seen domains, from the router's DNS log;
* ``arp``: ARP sweeps seen passively on Home Assistant's own LAN interface (a raw
  socket with a kernel filter that passes ARP requests only; never promiscuous);
* ``discovery``: mDNS, SSDP M-SEARCH and NetBIOS queries and IPv6 neighbour
  solicitations on the same interface (``scanning_discovery.py``).
Home Assistant itself, the router and the devices the user marks as legitimate
scanners are never reported.

What the detector learnt (DNS baselines, sites each device looks up, recent scans
and their evidence, event times) is kept in its own store,
``.storage/snoop_guard.<entry_id>.scan``, apart from the coordinator's: saved at
most once a minute when it changed (and at shutdown or unload), restored at start,
so a scan just before a restart and the upload just after it are still correlated
and the one-hour baseline is not started again. The engine validates and caps
the stored data (``engine/scan/store.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
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
    STORE_SAVE_DELAY,
)
from .device_owner import device_id_for_mac
from .engine import psl
from .engine.arp import ArpRequest
from .engine.dnslog import DnsEvent
from .engine.routerdata import normalize_mac
from .engine.scan import ScanConfig, ScanDetector, ScanEvent, ScanEventKind, ScanState
from .events import SCAN_ENTITY, entity_id_for
from .listener import ArpListener, ListenerError, interface_addresses
from .plaintext import code_span, plain_name
from .scanning_discovery import DiscoverySignal

TICK: Final = timedelta(minutes=1)


def upload_issue_id(entry_id: str, mac: str) -> str:
    """Return the repair issue id of a device's suspected upload.

    Home Assistant's diagnostics download lists issue ids, so the MAC (kept in the
    issue's data for the fix flow) is only present as a digest here.
    """
    digest = hashlib.sha256(f"{entry_id}|{mac}".encode()).hexdigest()[:16]
    return f"upload_{entry_id}_{digest}"


SCAN_STORE_VERSION: Final = 1  # the engine's data carries its own format version


def scan_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store of one entry's detector memory (remove it with the entry)."""
    return Store(hass, SCAN_STORE_VERSION, f"{DOMAIN}.{entry_id}.scan", private=True)


def scan_config(options: Mapping[str, Any]) -> ScanConfig:
    """Thresholds from the options; defaults follow Slips and Zeek (see engine/scan/config.py)."""
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


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """What the monitor takes from the entry (it reloads when the options change)."""

    config: ScanConfig
    router_host: str
    allowed_scanners: frozenset[str] = frozenset()
    interface: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, router_host: str) -> ScanSettings:
        """Read them from a config entry's options; ``router_host`` never counts as a scanner."""
        return cls(
            config=scan_config(options),
            router_host=router_host,
            allowed_scanners=frozenset(
                m for raw in options.get(CONF_ALLOWED_SCANNERS, []) if (m := normalize_mac(raw))
            ),
            interface=options.get(CONF_SCAN_INTERFACE) or None,
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

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        settings: ScanSettings,
        *,
        on_change: Callable[[], None],
    ) -> None:
        """Prepare; nothing listens before async_start.

        ``entry`` names the devices and entities in events; ``on_change`` tells the
        entities that a device's scanning state changed.
        """
        self.hass = hass
        self._entry = entry
        self._settings = settings
        self._on_change = on_change
        self.detector = ScanDetector(settings.config, now=dt_util.utcnow)
        self.signals: list[str] = ["dns"]
        self.listener: ArpListener | None = None
        self.listener_problem: str | None = None
        self._own: set[str] = set()
        self._unsub_tick: CALLBACK_TYPE | None = None
        self._unsub_stop: CALLBACK_TYPE | None = None
        self._store = scan_store(hass, entry.entry_id)
        self._saved_revision = 0
        self._uploads_on: set[str] = set()
        self.discovery = DiscoverySignal(self.detector, self.handle, self.signals)

    def _allow(self) -> set[str]:
        settings = self._settings
        return {settings.router_host, *self._own, *settings.allowed_scanners}

    async def async_start(self) -> None:
        """Restore the detector's memory; start the ARP listener (if possible) and the clock."""
        # Lookups run on the event loop: the Public Suffix List is read here, in the
        # executor (a no-op when the knowledge build already loaded it).
        await self.hass.async_add_executor_job(psl.bundled)
        restored = self.detector.restore(await self._store.async_load())
        self._saved_revision = self.detector.revision
        if restored:
            LOGGER.debug("Scan detection: restored the memory of %d devices", restored)
        interface = self._settings.interface or await async_detect_interface(
            self.hass, self._settings.router_host
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
        self.discovery.start(interface)
        self.detector.set_allow(self._allow())
        self._unsub_tick = async_track_time_interval(self.hass, self._tick, TICK)
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._on_hass_stop
        )

    async def async_stop(self) -> None:
        """Stop listening and save the detector's memory."""
        for unsub in (self._unsub_tick, self._unsub_stop):
            if unsub is not None:
                unsub()
        self._unsub_tick = self._unsub_stop = None
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        self.discovery.stop()
        await self._store.async_save(self.detector.to_dict())

    @callback
    def _on_hass_stop(self, _: Event) -> None:
        # Entries are not unloaded at shutdown: the store writes this at its final write.
        self._unsub_stop = None
        self._schedule_save()

    @callback
    def _schedule_save(self) -> None:
        """Save within STORE_SAVE_DELAY when the memory changed (called at most each tick)."""
        if self.detector.revision != self._saved_revision:
            self._saved_revision = self.detector.revision
            self._store.async_delay_save(self.detector.to_dict, STORE_SAVE_DELAY)

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
        self.discovery.learn_arp(request)
        self.handle(self.detector.feed_arp(request))

    @callback
    def feed_dns(self, event: DnsEvent, mac: str, is_tracker: bool) -> None:
        """Hand one query of a known device to the detector."""
        self.handle(self.detector.feed_dns(event, mac, is_tracker))

    @callback
    def _tick(self, now: datetime) -> None:
        uploads_on = {mac for mac in self.detector.states(now) if self.upload_suspected(mac)}
        if self.detector.tick(now) or uploads_on != self._uploads_on:
            self._on_change()
        self._uploads_on = uploads_on
        # Once a minute, not per change: the store's delay restarts with every call.
        self._schedule_save()

    def state(self, mac: str) -> ScanState:
        """Return the scanning state of one device now."""
        return self.detector.state(mac)

    def upload_suspected(self, mac: str) -> bool:
        """Return whether an upload was suspected within the upload window until now."""
        last = self.detector.state(mac).last_upload_suspected
        return last is not None and dt_util.utcnow() - last < self.detector.config.upload_window

    @callback
    def handle(self, events: list[ScanEvent]) -> None:
        """Fire events (and a repair issue for an upload) for what the detector found."""
        if not events:
            return
        registry = dr.async_get(self.hass)
        for event in events:
            # The device our entities are on, whoever owns it: the one the actions take.
            device_id = device_id_for_mac(self.hass, self._entry, event.mac)
            device = registry.async_get(device_id) if device_id else None
            data = event.as_event_data() | {
                "config_entry_id": self._entry.entry_id,
                "device_id": device.id if device else None,
                # For the logbook of the entity that shows this kind (and its device).
                "entity_id": entity_id_for(
                    self.hass, self._entry, event.mac, *SCAN_ENTITY[event.kind]
                ),
            }
            self.hass.bus.async_fire(EVENT_SCAN_DETECTED, data)
            if event.kind is ScanEventKind.UPLOAD_SUSPECTED:
                self._raise_upload_issue(
                    event, (device.name_by_user or device.name) if device else None
                )
        self._on_change()

    def _raise_upload_issue(self, event: ScanEvent, name: str | None) -> None:
        entry_id = self._entry.entry_id
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            upload_issue_id(entry_id, event.mac),
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key="inventory_upload",
            translation_placeholders={
                "device": plain_name(name, fallback=event.mac.upper()),
                "domain": code_span(str(event.evidence.get("domain", "?"))),
                "methods": ", ".join(event.methods) or "?",
            },
            data={"entry_id": entry_id, "mac": event.mac},
        )
