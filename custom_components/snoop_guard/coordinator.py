"""The coordinator: keeps the router in the desired state and counts tracker contacts.

Two rhythms drive it. The coordinator's own refresh (every 30 s, or sooner on
request) lists the router's clients, reads our table back and re-applies the
desired blocks whenever the router differs (router rebooted, firewall
reloaded, table flushed by hand). The DNS log stream is push: every tracker
lookup updates the counters and notifies entities at once, without touching
the refresh schedule (``async_set_updated_data`` would postpone it). Discovery
is push too, for the same reason: it swaps in a new snapshot and notifies.

The parts live in their own modules: the wanted blocks and their timers in
``policies.py``, which devices are watched and the snapshot in ``tracking.py``,
the DNS log in ``dnsfeed.py``, the tracker knowledge in ``knowledge.py``, scan
detection in ``scanning.py``. This module wires them and owns the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .addresses import RECENT, AddressBook, Method, async_read_neighbours
from .backends.base import (
    Backend,
    BackendAuthError,
    BackendError,
    Capability,
    EnforcedState,
    Enforcement,
    HostKeyMismatchError,
    NamedAddressSource,
    RouterClient,
)
from .bypass import BypassMonitor
from .connection import server_key
from .const import BLOCK_KINDS, DOMAIN, LOGGER, RECONCILE_INTERVAL, STORE_SAVE_DELAY, STORE_VERSION
from .destinations import DestinationLog
from .device_owner import async_remove_device
from .dnsfeed import DnsFeed
from .engine.counters import Contact, ContactCounters
from .engine.dnslog import DnsEvent
from .events import AutomationEvents
from .knowledge import TrackerKnowledge
from .policies import BlockPolicies
from .routerload import async_check_router_load, async_clear_router_load
from .scanning import ScanMonitor, ScanSettings
from .tracking import DeviceTracker, DiscoveryRecord, RouterSnapshot, WatchOptions


class SnoopGuardCoordinator(DataUpdateCoordinator[RouterSnapshot]):
    """Keeps the router in the desired state and counts tracker contacts."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        backend: Backend,
        knowledge: TrackerKnowledge,
    ) -> None:
        """Set up; call async_load before the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=RECONCILE_INTERVAL,
        )
        self.backend = backend
        self.roles = BackendRoles.of(backend)
        self.knowledge = knowledge
        self.addresses = AddressBook()
        self.async_check_load()
        self.blocks = BlockPolicies(hass, self._on_block_expired)
        self.devices = DeviceTracker(WatchOptions.from_options(entry.options), self.blocks)
        self.counters = ContactCounters()
        self.destinations = DestinationLog(knowledge.marks)
        self.events = AutomationEvents(self)
        self.scan = ScanMonitor(
            hass,
            entry,
            ScanSettings.from_options(entry.options, router_host=str(entry.data.get("host", ""))),
            on_change=self.async_update_listeners,
        )
        self.bypass = BypassMonitor(hass, entry)
        self.dns = DnsFeed(
            backend,
            matcher=lambda: self.knowledge.current.matcher,
            mac_of_ip=self._mac_of_ip,
            on_query=self._on_query,
            on_contact=self._record,
            on_unknown_client=self._on_unknown_client,
            on_auth_failed=self._on_auth_failed,
            on_progress=self._schedule_save,
        )
        self.reapply_count = 0
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}", private=True
        )
        self._apply_lock = asyncio.Lock()
        self._notify_pending = False

    # -- persistence -----------------------------------------------------------------

    async def async_load(self, router_clock: datetime | None = None) -> None:
        """Restore desired blocks, inventory, counters and the log cursor.

        On first setup the cursor starts at the router's clock, so the log's
        history from before Snoop Guard is not counted.
        """
        data = await self._store.async_load() or {}
        self.blocks.load(data)
        self.devices.load(data.get("inventory"))
        self.counters = ContactCounters.from_dict(data.get("counters"))
        self.destinations = DestinationLog.from_dict(data.get("destinations"), self.knowledge.marks)
        # Saved with the knowledge of the last run: lists may have changed since.
        await self._async_reclassify_destinations()
        # A poll cursor belongs to one server: after a reconfigure to another one it
        # would skip or replay that server's log.
        # Stores from before the key existed belong to the entry's server.
        stored_server = data.get("poll_server", server_key(self.config_entry.data))
        same_server = stored_server == server_key(self.config_entry.data)
        self.dns.load(
            data.get("cursor"), router_clock, data.get("poll_cursor") if same_server else None
        )

    def _data_to_store(self) -> dict[str, Any]:
        self.counters.prune(dt_util.utcnow())
        return {
            **self.blocks.to_dict(),
            "inventory": self.devices.inventory.to_dict(),
            "counters": self.counters.to_dict(),
            "destinations": self.destinations.to_dict(),
            "cursor": self.dns.cursor.to_dict(),
            "poll_cursor": self.dns.poll_cursor,
            "poll_server": server_key(self.config_entry.data),
        }

    @callback
    def _schedule_save(self) -> None:
        self._store.async_delay_save(self._data_to_store, STORE_SAVE_DELAY)

    async def async_shutdown_hub(self) -> None:
        """Save everything, stop timers and close the router connection."""
        self.blocks.async_stop_timers()
        await self._store.async_save(self._data_to_store())
        await self.backend.async_close()
        async_clear_router_load(self.hass, self.config_entry.entry_id)

    async def async_refresh_lists(self, *_: Any) -> None:
        """Fetch subscribed lists that are due; rebuild and re-apply when one changed."""
        if not await self.knowledge.async_refresh():
            self.async_update_listeners()
            return
        if await self._async_reclassify_destinations():
            self._schedule_save()
            self._notify_soon()
        self.async_check_load()
        # The next reconciliation sees another digest, uploads the snippet built with the
        # knowledge and restarts dnsmasq.
        await self.async_request_refresh()

    async def _async_reclassify_destinations(self) -> bool:
        """Re-read the kept unknown destinations with the current knowledge (in an executor).

        Up to 200 names for each watched device: classifying them is CPU work that
        does not belong on the event loop. True when something shown changed.
        """
        names = self.destinations.names()
        if not names:
            return False
        verdicts = await self.hass.async_add_executor_job(
            DestinationLog.verdicts, names, self.knowledge.current.matcher
        )
        return self.destinations.apply(verdicts)

    @callback
    def async_check_load(self) -> None:
        """Warn when the tracker lists are too heavy for the router's dnsmasq.

        Only a router holds every tracker domain in dnsmasq's memory; AdGuard Home and
        Pi-hole keep theirs in their own filter engines.
        """
        if self.roles.enforcement is Enforcement.FIREWALL:
            async_check_router_load(self.hass, self.config_entry.entry_id, self.knowledge.current)

    # -- devices ----------------------------------------------------------------------

    @callback
    def async_discovered(self, record: DiscoveryRecord) -> None:
        """Take a record from HA's discovery; new or reclassified devices appear at once."""
        mac = self.devices.inventory.add(record)
        if mac is None or self.data is None:
            return
        self._schedule_save()
        known = self.data.devices.get(mac)
        device = self.devices.device_for(mac, known)
        if device is None or (known is not None and known == device):
            return
        # A new snapshot, not a changed one: entities may hold the old one.
        self.data = self.data.with_device(device)
        self.async_update_listeners()

    @callback
    def async_forget(self, macs: Iterable[str]) -> bool:
        """Forget devices the user deletes; refuse (False) while one is blocked."""
        macs = set(macs)
        if any(self.blocks.blocked(mac) for mac in macs):
            return False
        for mac in macs:
            self.blocks.forget(mac)
        if self.data is not None:
            self.data = self.data.without(macs)
        return True

    # -- reconciliation -------------------------------------------------------------

    async def _async_update_data(self) -> RouterSnapshot:
        try:
            clients = await self._async_clients()
            ip_to_mac = dict(self.addresses.ip_to_mac)
            previous = self.data.devices if self.data else {}
            # Only what was seen now refreshes the inventory's addresses.
            devices = self.devices.track(clients, self.addresses.fresh(), previous)
            cutoff = self.devices.stale_cutoff()
            for mac in self.devices.stale(devices, cutoff):
                devices.pop(mac)
                async_remove_device(self.hass, self.config_entry, mac)
            self.devices.inventory.prune(cutoff)
            if self.roles.enforcement is Enforcement.FIREWALL:
                self.blocks.refresh_addresses({mac: d.ips for mac, d in devices.items()})
            else:
                # A DNS filter's rules name addresses: never one another device holds now.
                self.blocks.refresh_addresses(
                    self.addresses.addresses_of(), moved=self.addresses.ip_to_mac
                )
            enforced, reapplied = (
                await self._async_reconcile() if self.roles.enforces else (None, 0)
            )
        except (BackendAuthError, HostKeyMismatchError) as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except BackendError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="router_error",
                translation_placeholders={"error": str(err)},
            ) from err
        self.scan.set_known_devices({c.mac for c in clients})
        snapshot = RouterSnapshot(
            devices=devices, ip_to_mac=ip_to_mac, enforced=enforced, reapplied=reapplied
        )
        self._drain_pending(ip_to_mac)
        if enforced is not None:
            self.bypass.feed_enforced(enforced, devices, self.blocks.policies)
        return snapshot

    async def _async_clients(self) -> list[RouterClient]:
        """List the devices and map addresses to MACs from every source we have.

        A router's listing is the whole truth. A DNS filter's is not: it knows few
        MACs, so Home Assistant's neighbour table and its own DHCP/discovery records
        fill in, and devices only they know are listed too (see ``addresses.py``).
        """
        clients = (
            await self.backend.async_list_clients()
            if Capability.LIST_CLIENTS in self.roles.capabilities
            else []
        )
        if self.roles.enforcement is Enforcement.FIREWALL:
            self.addresses = AddressBook.build(clients, clients_method=Method.ROUTER)
            return clients
        self.addresses = AddressBook.build(
            clients,
            clients_method=Method.DNS_FILTER,
            neighbours=await async_read_neighbours(),
            inventory=self.devices.inventory.recent_addresses(time.time() - RECENT),
        )
        named = self.backend.named_addresses if isinstance(self.backend, NamedAddressSource) else ()
        return [*clients, *self.addresses.clients_not_in(clients, named)]

    async def _async_reconcile(self) -> tuple[EnforcedState, int]:
        """Read the router's state back and re-apply ours if it differs.

        Nothing is built here: the snippet was built with the knowledge, and the
        router is asked for its copy's digest only.
        """
        async with self._apply_lock:
            policies = self.blocks.active()
            trackers = self.knowledge.current.trackers
            state = await self.backend.async_read_state(policies, trackers)
            if state.in_sync:
                return state, 0
            LOGGER.info(
                "Router state differs from the desired blocks (table present: %s, rules intact:"
                " %s, DNS snippet current: %s); re-applying",
                state.table_present,
                state.rules_intact,
                state.dns_snippet_current,
            )
            await self.backend.async_apply(policies, trackers)
            self.reapply_count += 1
            return await self.backend.async_read_state(policies, trackers), 1

    # -- blocks -----------------------------------------------------------------------

    @callback
    def async_start_expiry_timers(self) -> None:
        """Schedule the end of every timed block (after a restart, too)."""
        self.blocks.async_start_timers()

    @callback
    def _on_block_expired(self, mac: str, what: str) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self._async_end_block(mac, what), f"{DOMAIN} unblock {what}"
        )

    async def _async_end_block(self, mac: str, what: str) -> None:
        try:
            await self.async_set_kind(mac, what, False, reason="timer")
        except HomeAssistantError as err:
            # The wish to unblock is stored; the next reconciliation applies it.
            LOGGER.warning("Ending the timed %s block of %s failed: %s", what, mac, err)

    async def async_set_kind(
        self,
        mac: str,
        what: str,
        block: bool,
        until: datetime | None = None,
        *,
        reason: str | None = None,
    ) -> None:
        """Set one kind of block ("trackers", "internet" or "bypass") of a device."""
        await self.async_set_block(
            mac,
            trackers=block if what == "trackers" else None,
            internet=block if what == "internet" else None,
            bypass=block if what == "bypass" else None,
            until=until,
            reason=reason,
        )

    async def async_set_block(
        self,
        mac: str,
        *,
        trackers: bool | None = None,
        internet: bool | None = None,
        until: datetime | None = None,
        reason: str | None = None,
        bypass: bool | None = None,
    ) -> None:
        """Change a device's desired blocks and enforce them now.

        With ``until``, the blocks turned on here end by themselves then. ``reason``
        (switch, action, timer, repair) goes into the block-changed event.
        """
        for what, wanted in (("trackers", trackers), ("internet", internet), ("bypass", bypass)):
            if wanted and not self.roles.can_block(what):
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="block_not_supported",
                    translation_placeholders={"what": what},
                )
        device = self.data.devices.get(mac) if self.data else None
        changes = self.blocks.change(
            mac,
            trackers=trackers,
            internet=internet,
            until=until,
            ips=self._addresses_for(mac, device.ips if device else ()),
            bypass=bypass,
        )
        for what, after in changes:
            self.events.block_changed(mac, what, after, reason)
        self._schedule_save()
        try:
            async with self._apply_lock:
                policies = self.blocks.active()
                trackers_set = self.knowledge.current.trackers
                await self.backend.async_apply(policies, trackers_set)
                enforced = await self.backend.async_read_state(policies, trackers_set)
        except BackendError as err:
            # The desired state is kept: the next reconciliation applies it once the
            # router is reachable again. Entities show it in their attributes now.
            self.async_update_listeners()
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="apply_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        if self.data is not None:
            self.bypass.feed_enforced(enforced, self.data.devices, self.blocks.policies)
            self.async_set_updated_data(replace(self.data, enforced=enforced))

    def _addresses_for(self, mac: str, known: tuple[str, ...]) -> tuple[str, ...]:
        """Return the addresses a new block names (a DNS filter's rules: current ones only)."""
        if self.roles.enforcement is Enforcement.FIREWALL:
            return known
        owner = self.addresses.ip_to_mac
        return self.addresses.addresses_of().get(mac) or tuple(
            ip for ip in known if owner.get(ip, mac) == mac
        )

    # -- DNS log ----------------------------------------------------------------------

    @callback
    def _on_query(self, event: DnsEvent, mac: str, is_tracker: bool) -> None:
        self.scan.feed_dns(event, mac, is_tracker)
        watched = self.data is not None and mac in self.data.devices
        if self.bypass.feed_lookup(mac, event.name, watched):
            self._notify_soon()
        if (
            watched
            and not is_tracker
            and self.destinations.feed(
                mac, event.name, dt_util.utcnow(), self.knowledge.current.matcher
            )
        ):
            self._schedule_save()
            self._notify_soon()

    @callback
    def _notify_soon(self) -> None:
        """Update entities once for a burst of queries (a poll can bring thousands)."""
        if not self._notify_pending:
            self._notify_pending = True
            # A task, not call_soon: it runs after the burst, and Home Assistant waits for it.
            self.config_entry.async_create_task(
                self.hass, self._async_notify_now(), "snoop_guard notify", eager_start=False
            )

    async def _async_notify_now(self) -> None:
        self._notify_pending = False
        self.async_update_listeners()

    def _mac_of_ip(self, ip: str) -> str | None:
        return self.data.ip_to_mac.get(ip) if self.data else None

    @callback
    def _on_auth_failed(self) -> None:
        """Ask the user to sign in again (the DNS source refused us); never retry on our own."""
        self.config_entry.async_start_reauth(self.hass)

    @callback
    def _on_unknown_client(self) -> None:
        self.hass.async_create_task(self.async_request_refresh(), eager_start=False)

    @callback
    def _record(self, mac: str, contact: Contact) -> None:
        self.events.contact(mac, contact)
        if self.counters.record(mac, contact):
            self._schedule_save()
            self._notify_soon()

    @callback
    def _drain_pending(self, ip_to_mac: dict[str, str]) -> None:
        drained = self.dns.drain(ip_to_mac)
        for mac, contact in drained:
            self.events.contact(mac, contact)
            self.counters.record(mac, contact)
        if drained:
            self._schedule_save()


_BLOCK_CAPABILITY = {
    "trackers": Capability.BLOCK_TRACKERS,
    "internet": Capability.BLOCK_INTERNET,
    "bypass": Capability.BLOCK_BYPASS,
}
assert set(_BLOCK_CAPABILITY) == set(BLOCK_KINDS)


@dataclass(frozen=True, slots=True)
class BackendRoles:
    """What the home's backend does for us: client list, DNS events, blocking.

    Entities and actions are offered only for roles a backend really plays, and
    every block says how it is enforced (``enforcement``).
    """

    capabilities: frozenset[Capability]
    enforcement: Enforcement

    @classmethod
    def of(cls, backend: Backend) -> BackendRoles:
        """Read a backend's declared roles."""
        return cls(frozenset(backend.capabilities), backend.enforcement)

    @property
    def enforces(self) -> bool:
        """Whether the backend blocks anything (and so has state to read back)."""
        return bool(self.capabilities & set(_BLOCK_CAPABILITY.values()))

    def can_block(self, what: str) -> bool:
        """Whether ``what`` (trackers, internet, bypass) can be blocked here."""
        capability = _BLOCK_CAPABILITY.get(what)
        return capability is not None and capability in self.capabilities
