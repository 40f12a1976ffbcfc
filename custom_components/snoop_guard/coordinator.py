"""The hub: router state, DNS log stream, contact counters and desired blocks.

Two rhythms drive it. The coordinator's own refresh (every 30 s, or sooner on
request) lists the router's clients, reads our table back and re-applies the
desired blocks whenever the router differs (router rebooted, firewall
reloaded, table flushed by hand). The DNS log stream is push: every tracker
lookup updates the counters and notifies entities at once, without touching
the refresh schedule (``async_set_updated_data`` would postpone it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .backends.base import (
    Backend,
    BackendAuthError,
    BackendError,
    DevicePolicy,
    EnforcedState,
    HostKeyMismatchError,
    RouterClient,
    RouterInfo,
)
from .const import (
    BLOCK_KINDS,
    CONF_ALLOW_OVERRIDES,
    CONF_EXCLUDE,
    CONF_INCLUDE,
    CONF_KINDS,
    CONF_STALE_DAYS,
    DEFAULT_KINDS,
    DEFAULT_STALE_DAYS,
    DOMAIN,
    LOG_BACKLOG,
    LOGGER,
    MAX_PENDING_CONTACTS,
    RECONCILE_INTERVAL,
    STORE_SAVE_DELAY,
    STORE_VERSION,
    STREAM_BACKOFF_MAX,
)
from .engine.classify import Classification, DeviceKind
from .engine.counters import Contact, ContactCounters
from .engine.discovery import DeviceInventory, DhcpRecord, MdnsRecord, RouterRecord, SsdpRecord
from .engine.dnslog import DnsEventKind, DnsmasqLogParser, LogCursor
from .engine.routerdata import display_name, normalize_mac
from .engine.trackers import TrackerMatcher
from .knowledge import Knowledge, build_knowledge, cache_dir, summary
from .scanning import ScanMonitor
from .subscriptions import SubscriptionManager

if TYPE_CHECKING:
    from .watchers import DiscoveryWatchers

type SnoopGuardConfigEntry = ConfigEntry[SnoopGuardCoordinator]
type DiscoveryRecord = MdnsRecord | SsdpRecord | DhcpRecord | RouterRecord


@dataclass(frozen=True, slots=True)
class TrackedDevice:
    """A LAN device Snoop Guard watches."""

    mac: str
    name: str
    hostname: str | None
    ips: tuple[str, ...]
    classification: Classification
    last_seen: float | None = None


@dataclass(frozen=True, slots=True)
class RouterSnapshot:
    """What the last refresh found on the router."""

    devices: dict[str, TrackedDevice] = field(default_factory=dict)
    ip_to_mac: dict[str, str] = field(default_factory=dict)
    enforced: EnforcedState | None = None
    reapplied: int = 0


class SnoopGuardCoordinator(DataUpdateCoordinator[RouterSnapshot]):
    """Keeps the router in the desired state and counts tracker contacts."""

    config_entry: SnoopGuardConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SnoopGuardConfigEntry,
        backend: Backend,
        knowledge: Knowledge,
        subscriptions: SubscriptionManager,
    ) -> None:
        """Set up the hub; call async_load before the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=RECONCILE_INTERVAL,
        )
        self.backend = backend
        self.router_info: RouterInfo | None = None
        self.watchers: DiscoveryWatchers | None = None
        self.backend_host: str = str(entry.data.get("host", ""))
        self.scan = ScanMonitor(hass, self)
        self.subscriptions = subscriptions
        self.knowledge = knowledge
        self.matcher: TrackerMatcher = knowledge.matcher
        self.tracker_domains: list[str] = knowledge.domains
        self.counters = ContactCounters()
        self.inventory = DeviceInventory()
        self.parser = DnsmasqLogParser()
        self.cursor = LogCursor()
        self.policies: dict[str, DevicePolicy] = {}
        self.reapply_count = 0
        self.stream_connected = False
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}", private=True
        )
        self._pending: dict[str, deque[Contact]] = defaultdict(
            lambda: deque(maxlen=MAX_PENDING_CONTACTS)
        )
        self._apply_lock = asyncio.Lock()
        self._stream_down_logged = False
        # Timed blocks: (mac, "trackers"|"internet") -> when the block ends.
        self.expiry: dict[tuple[str, str], datetime] = {}
        self._expiry_timers: dict[tuple[str, str], CALLBACK_TYPE] = {}

    # -- persistence -----------------------------------------------------------------

    async def async_load(self, router_clock: datetime | None = None) -> None:
        """Restore desired blocks, counters and the log cursor.

        On first setup the cursor starts at the router's clock, so the log's
        history from before Snoop Guard is not counted.
        """
        data = await self._store.async_load() or {}
        raw_policies = data.get("policies")
        if isinstance(raw_policies, dict):
            for raw_mac, raw in raw_policies.items():
                mac = normalize_mac(str(raw_mac))
                if mac is None or not isinstance(raw, dict):
                    continue
                ips = raw.get("ips")
                self.policies[mac] = DevicePolicy(
                    mac=mac,
                    ips=tuple(str(ip) for ip in ips) if isinstance(ips, list) else (),
                    block_trackers=raw.get("block_trackers") is True,
                    block_internet=raw.get("block_internet") is True,
                )
        raw_expiry = data.get("expiry")
        if isinstance(raw_expiry, dict):
            for key, value in raw_expiry.items():
                mac, _, what = str(key).partition("|")
                when = dt_util.parse_datetime(str(value))
                if (mac := normalize_mac(mac) or "") and what in BLOCK_KINDS and when:
                    self.expiry[(mac, what)] = when
        self.inventory = DeviceInventory.from_dict(data.get("inventory"))
        self.counters = ContactCounters.from_dict(data.get("counters"))
        self.cursor = LogCursor.from_dict(data.get("cursor"))
        if router_clock is not None:
            self.cursor.start_at(router_clock)

    def _data_to_store(self) -> dict[str, Any]:
        self.counters.prune(dt_util.utcnow())
        return {
            "policies": {
                mac: {
                    "ips": list(p.ips),
                    "block_trackers": p.block_trackers,
                    "block_internet": p.block_internet,
                }
                for mac, p in self.policies.items()
                if p.block_trackers or p.block_internet
            },
            "expiry": {
                f"{mac}|{what}": when.isoformat() for (mac, what), when in self.expiry.items()
            },
            "inventory": self.inventory.to_dict(),
            "counters": self.counters.to_dict(),
            "cursor": self.cursor.to_dict(),
        }

    @callback
    def _schedule_save(self) -> None:
        self._store.async_delay_save(self._data_to_store, STORE_SAVE_DELAY)

    async def async_shutdown_hub(self) -> None:
        """Save everything, stop timers and close the router connection."""
        for cancel in self._expiry_timers.values():
            cancel()
        self._expiry_timers.clear()
        await self._store.async_save(self._data_to_store())
        await self.backend.async_close()

    async def async_remove_store(self) -> None:
        """Forget everything stored for this entry."""
        await self._store.async_remove()

    def knowledge_summary(self) -> dict[str, Any]:
        """Describe what the tracker knowledge is made of (for the diagnostic sensor)."""
        return summary(self.knowledge, self.subscriptions.status)

    async def async_refresh_lists(self, *_: Any) -> None:
        """Fetch subscribed lists that are due; rebuild and re-apply when one changed."""
        if not await self.subscriptions.async_refresh():
            self.async_update_listeners()
            return
        texts = await self.subscriptions.async_texts()
        overrides = list(self.config_entry.options.get(CONF_ALLOW_OVERRIDES, []))
        knowledge = await self.hass.async_add_executor_job(
            build_knowledge, texts, overrides, cache_dir(self.hass, self.config_entry.entry_id)
        )
        self.knowledge = knowledge
        self.matcher = knowledge.matcher
        self.tracker_domains = knowledge.domains
        LOGGER.info(
            "Tracker lists changed: %d rules, %d domains for dnsmasq",
            knowledge.matcher.rule_count,
            len(knowledge.domains),
        )
        # The next reconciliation rewrites the dnsmasq snippet and restarts dnsmasq.
        await self.async_request_refresh()

    # -- reconciliation -------------------------------------------------------------

    def _active_policies(self) -> list[DevicePolicy]:
        return [p for p in self.policies.values() if p.block_trackers or p.block_internet]

    def _option_macs(self, key: str) -> set[str]:
        raw = self.config_entry.options.get(key, [])
        return {m for item in raw if (m := normalize_mac(str(item)))}

    def _kinds(self) -> set[str]:
        return set(self.config_entry.options.get(CONF_KINDS, DEFAULT_KINDS))

    @callback
    def async_discovered(self, record: DiscoveryRecord) -> None:
        """Take a record from HA's discovery; new or reclassified devices appear at once."""
        mac = self.inventory.add(record)
        if mac is None or self.data is None:
            return
        self._schedule_save()
        device = self._device_for(mac, self.data.devices.get(mac))
        known = self.data.devices.get(mac)
        if device is None or (known is not None and known == device):
            return
        self.data.devices[mac] = device
        self.async_update_listeners()

    def _device_for(self, mac: str, previous: TrackedDevice | None) -> TrackedDevice | None:
        """Build the tracked device for ``mac``, or None when it is not to be watched."""
        record = self.inventory.get(mac)
        policy = self.policies.get(mac)
        blocked = policy is not None and (policy.block_trackers or policy.block_internet)
        if mac in self._option_macs(CONF_EXCLUDE) and not blocked:
            return None
        if record is not None:
            classification = record.classification
            hostname = record.hostname
            ips = record.ips
            name = record.hostname or (record.names[0] if record.names else None)
        elif previous is not None:
            return previous
        elif blocked and policy is not None:
            classification = Classification(DeviceKind.OTHER, None, "blocked earlier")
            hostname, ips, name = None, policy.ips, None
        else:
            return None
        watched = (
            str(classification.kind) in self._kinds()
            or mac in self._option_macs(CONF_INCLUDE)
            or blocked
            or previous is not None
        )
        if not watched:
            return None
        return TrackedDevice(
            mac=mac,
            name=display_name(name, fallback=mac.upper()),
            hostname=hostname,
            ips=tuple(ips),
            classification=classification,
            last_seen=record.last_seen if record is not None else None,
        )

    def _tracked(
        self, clients: Sequence[RouterClient], ip_to_mac: dict[str, str]
    ) -> dict[str, TrackedDevice]:
        for client in clients:
            self.inventory.add(
                RouterRecord(
                    mac=client.mac,
                    ips=client.ips,
                    hostname=client.hostname,
                    interface=client.interface,
                )
            )
        self.inventory.update_neighbours(ip_to_mac)
        previous = self.data.devices if self.data else {}
        candidates = (
            {d.mac for d in self.inventory.devices()}
            | set(previous)
            | set(self.policies)
            | self._option_macs(CONF_INCLUDE)
        )
        devices: dict[str, TrackedDevice] = {}
        for mac in sorted(candidates):
            # A device missing from one listing is not gone: it keeps its entities
            # (and its block) until it is stale or the user removes it.
            if (device := self._device_for(mac, previous.get(mac))) is not None:
                devices[mac] = device
        return devices

    def _stale_cutoff(self) -> float:
        days = int(self.config_entry.options.get(CONF_STALE_DAYS, DEFAULT_STALE_DAYS))
        return dt_util.utcnow().timestamp() - days * 86400

    def _stale(self, devices: dict[str, TrackedDevice], cutoff: float) -> list[str]:
        """Return watched devices unseen since ``cutoff``; never blocked or included ones."""
        return [
            mac
            for mac, device in devices.items()
            if device.last_seen is not None
            and device.last_seen < cutoff
            and mac not in self._option_macs(CONF_INCLUDE)
            and not ((p := self.policies.get(mac)) and (p.block_trackers or p.block_internet))
        ]

    def _refresh_policy_addresses(self, devices: dict[str, TrackedDevice]) -> None:
        for mac, policy in list(self.policies.items()):
            device = devices.get(mac)
            if device is not None and device.ips and set(device.ips) != set(policy.ips):
                self.policies[mac] = replace(policy, ips=device.ips)

    async def _async_update_data(self) -> RouterSnapshot:
        try:
            clients = await self.backend.async_list_clients()
            ip_to_mac = {ip: client.mac for client in clients for ip in client.ips}
            devices = self._tracked(clients, ip_to_mac)
            cutoff = self._stale_cutoff()
            for mac in self._stale(devices, cutoff):
                devices.pop(mac)
                self._remove_device_entities(mac)
            self.inventory.prune(cutoff)
            self._refresh_policy_addresses(devices)
            enforced, reapplied = await self._async_reconcile()
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
        return snapshot

    async def _async_reconcile(self) -> tuple[EnforcedState, int]:
        """Read the router's state back and re-apply ours if it differs."""
        async with self._apply_lock:
            policies = self._active_policies()
            state = await self.backend.async_read_state(policies, self.tracker_domains)
            if state.in_sync:
                return state, 0
            LOGGER.info(
                "Router state differs from the desired blocks (table present: %s, rules intact:"
                " %s, DNS snippet current: %s); re-applying",
                state.table_present,
                state.rules_intact,
                state.dns_snippet_current,
            )
            await self.backend.async_apply(policies, self.tracker_domains)
            self.reapply_count += 1
            return await self.backend.async_read_state(policies, self.tracker_domains), 1

    @callback
    def async_start_expiry_timers(self) -> None:
        """Schedule the end of every timed block (after a restart, too)."""
        for key, when in list(self.expiry.items()):
            self._schedule_expiry(key, when)

    @callback
    def _schedule_expiry(self, key: tuple[str, str], when: datetime) -> None:
        if (cancel := self._expiry_timers.pop(key, None)) is not None:
            cancel()

        @callback
        def _expired(_now: datetime) -> None:
            self._expiry_timers.pop(key, None)
            self.expiry.pop(key, None)
            mac, what = key
            self.config_entry.async_create_background_task(
                self.hass, self._async_end_block(mac, what), f"{DOMAIN} unblock {what}"
            )

        self._expiry_timers[key] = async_track_point_in_utc_time(self.hass, _expired, when)

    async def _async_end_block(self, mac: str, what: str) -> None:
        try:
            await self.async_set_kind(mac, what, False)
        except HomeAssistantError as err:
            # The wish to unblock is stored; the next reconciliation applies it.
            LOGGER.warning("Ending the timed %s block of %s failed: %s", what, mac, err)

    @callback
    def _set_expiry(self, mac: str, what: str, block: bool, until: datetime | None) -> None:
        key = (mac, what)
        if block and until is not None:
            self.expiry[key] = until
            self._schedule_expiry(key, until)
            return
        self.expiry.pop(key, None)
        if (cancel := self._expiry_timers.pop(key, None)) is not None:
            cancel()

    async def async_set_kind(
        self, mac: str, what: str, block: bool, until: datetime | None = None
    ) -> None:
        """Set one kind of block ("trackers" or "internet") of a device."""
        await self.async_set_block(
            mac,
            trackers=block if what == "trackers" else None,
            internet=block if what == "internet" else None,
            until=until,
        )

    async def async_set_block(
        self,
        mac: str,
        *,
        trackers: bool | None = None,
        internet: bool | None = None,
        until: datetime | None = None,
    ) -> None:
        """Change a device's desired blocks and enforce them now.

        With ``until``, the blocks turned on here end by themselves then.
        """
        for what, value in (("trackers", trackers), ("internet", internet)):
            if value is not None:
                self._set_expiry(mac, what, value, until)
        device = self.data.devices.get(mac) if self.data else None
        current = self.policies.get(mac) or DevicePolicy(mac=mac)
        policy = replace(
            current,
            ips=device.ips if device and device.ips else current.ips,
            block_trackers=current.block_trackers if trackers is None else trackers,
            block_internet=current.block_internet if internet is None else internet,
        )
        self.policies[mac] = policy
        self._schedule_save()
        try:
            async with self._apply_lock:
                policies = self._active_policies()
                await self.backend.async_apply(policies, self.tracker_domains)
                enforced = await self.backend.async_read_state(policies, self.tracker_domains)
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
            self.async_set_updated_data(replace(self.data, enforced=enforced))

    @callback
    def _remove_device_entities(self, mac: str) -> None:
        """Remove our entities of a stale device, and our device if we made it."""
        entry = self.config_entry
        ent_reg = er.async_get(self.hass)
        prefix = f"{entry.unique_id}_{mac}_"
        for ent in er.async_entries_for_config_entry(ent_reg, entry.entry_id):
            if ent.unique_id.startswith(prefix):
                ent_reg.async_remove(ent.entity_id)
        dev_reg = dr.async_get(self.hass)
        own = dev_reg.async_get_device_by_identifier(
            (DOMAIN, f"{entry.unique_id}_{mac}"), entry.entry_id
        )
        if own is not None:
            dev_reg.async_remove_device(own.id)
        LOGGER.info("Removed %s: not seen on the network for too long", mac)

    # -- DNS log stream ---------------------------------------------------------------

    async def async_follow_dns(self) -> None:
        """Follow the router's DNS log forever, reconnecting with backoff."""
        backoff = 1.0
        while True:
            try:
                async with contextlib.aclosing(self.backend.stream_dns_lines(LOG_BACKLOG)) as lines:
                    async for line in lines:
                        if not self.stream_connected:
                            self._mark_stream(up=True)
                            backoff = 1.0
                        self.handle_log_line(line)
            except BackendError as err:
                self._mark_stream(up=False, error=err)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, STREAM_BACKOFF_MAX)

    @callback
    def _mark_stream(self, *, up: bool, error: Exception | None = None) -> None:
        self.stream_connected = up
        if up and self._stream_down_logged:
            LOGGER.info("Following the router's DNS log again")
            self._stream_down_logged = False
        elif not up and not self._stream_down_logged:
            LOGGER.warning("Lost the router's DNS log (%s); retrying", error)
            self._stream_down_logged = True

    @callback
    def handle_log_line(self, line: str) -> None:
        """Count a tracker lookup in one dnsmasq log line, if it is one."""
        event = self.parser.parse_line(line)
        if event is None or event.kind is not DnsEventKind.QUERY or not event.client_ip:
            return
        if not self.cursor.should_process(event):
            return
        tracker = self.matcher.match(event.name)
        mac = self.data.ip_to_mac.get(event.client_ip) if self.data else None
        if mac is not None:
            # PTR sweeps and geolocation lookups are no trackers: feed every query.
            self.scan.feed_dns(event, mac, tracker is not None)
        if tracker is None:
            return
        contact = Contact(
            when=dt_util.utcnow(),
            domain=event.name,
            company=tracker.company,
            category=tracker.category,
        )
        if mac is None:
            # A device we have not listed yet: keep the contact until the next
            # listing tells us its MAC.
            self._pending[event.client_ip].append(contact)
            self.hass.async_create_task(self.async_request_refresh(), eager_start=False)
            return
        self._record(mac, contact)

    @callback
    def _record(self, mac: str, contact: Contact) -> None:
        if self.counters.record(mac, contact):
            self._schedule_save()
            self.async_update_listeners()

    @callback
    def _drain_pending(self, ip_to_mac: dict[str, str]) -> None:
        for ip in [ip for ip in self._pending if ip in ip_to_mac]:
            for contact in self._pending.pop(ip):
                self.counters.record(ip_to_mac[ip], contact)
            self._schedule_save()
        if len(self._pending) > MAX_PENDING_CONTACTS:
            self._pending.clear()
