"""Snoop Guard: see and block what smart TVs and speakers send to trackers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .backends.base import BackendAuthError, BackendError, HostKeyMismatchError
from .card import async_register_card
from .connection import build_backend, describe
from .const import (
    CONF_ROUTER_ID,
    CONF_SUBSCRIPTIONS,
    DEFAULT_LISTS_DELAY,
    DOMAIN,
    LIST_CHECK_INTERVAL,
    LOGGER,
    STORE_VERSION,
)
from .coordinator import SnoopGuardCoordinator
from .device_owner import async_adopt_all, async_track_foreign_devices
from .engine import vendorlists
from .knowledge import TrackerKnowledge, marks_store, remove_cache, validate_list
from .runtime import SnoopGuardConfigEntry, SnoopGuardRuntimeData
from .scanning import scan_store
from .services import async_setup_services
from .subscriptions import SubscriptionManager
from .watchers import DiscoveryWatchers

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR, Platform.SWITCH]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and serve its dashboard card."""
    async_setup_services(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SnoopGuardConfigEntry) -> bool:
    """Connect to the router, restore state and start following its DNS log."""
    backend = build_backend(hass, entry.data)
    try:
        info = await backend.async_connect()
    except (BackendAuthError, HostKeyMismatchError) as err:
        await backend.async_close()
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="auth_failed"
        ) from err
    except BackendError as err:
        await backend.async_close()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        ) from err

    try:
        knowledge = await TrackerKnowledge.async_create(hass, entry.entry_id, entry.options)
        coordinator = SnoopGuardCoordinator(hass, entry, backend, knowledge)
        await coordinator.async_load(info.clock)
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        # Whatever failed, the connection goes (Pi-hole has few API sessions to spare).
        await backend.async_close()
        raise
    # Nothing is subscribed before async_start (below, in the background).
    watchers = DiscoveryWatchers(
        hass,
        coordinator.async_discovered,
        entry=entry,
        on_change=coordinator.async_update_listeners,
    )
    entry.runtime_data = SnoopGuardRuntimeData(
        coordinator=coordinator,
        knowledge=knowledge,
        scan=coordinator.scan,
        watchers=watchers,
        router_info=info,
    )
    entry.async_on_unload(coordinator.async_shutdown_hub)
    coordinator.async_start_expiry_timers()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Our devices that Cast, webOS… took over while we were not running, then live.
    async_adopt_all(hass, entry)
    entry.async_on_unload(
        async_track_foreign_devices(
            hass, entry, lambda mac: coordinator.data.devices.get(mac) if coordinator.data else None
        )
    )
    # Counting starts first and waits on nothing else.
    entry.async_create_background_task(
        hass, coordinator.dns.async_follow(), f"{DOMAIN} DNS log {entry.title}"
    )
    await coordinator.scan.async_start()
    entry.async_on_unload(coordinator.scan.async_stop)
    # Discovery sources are subscribed in the background, each with a time limit: a
    # source that hangs (a poisoned SSDP description cache) must never hold up setup.
    entry.async_on_unload(watchers.async_stop)
    entry.async_create_background_task(hass, watchers.async_start(), f"{DOMAIN} discovery")
    if urls := knowledge.subscriptions.urls:
        # Lists are fetched in the background; the saved copies are in use meanwhile.
        # Only default lists: they wait a little. Setup (and Home Assistant's start) comes
        # first, and a user who opts out right after adding Snoop Guard downloads nothing.
        # A list of the user's own is fetched at once (with any defaults).
        if all(url in vendorlists.CATALOGUE_BY_URL for url in urls):

            @callback
            def _fetch_later(_now: datetime) -> None:
                entry.async_create_background_task(
                    hass, coordinator.async_refresh_lists(), f"{DOMAIN} tracker lists"
                )

            entry.async_on_unload(
                async_call_later(
                    hass, DEFAULT_LISTS_DELAY, HassJob(_fetch_later, cancel_on_shutdown=True)
                )
            )
        else:
            entry.async_create_background_task(
                hass, coordinator.async_refresh_lists(), f"{DOMAIN} tracker lists"
            )
        entry.async_on_unload(
            async_track_time_interval(hass, coordinator.async_refresh_lists, LIST_CHECK_INTERVAL)
        )
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: SnoopGuardConfigEntry) -> bool:
    """Bring an entry from an older version of Snoop Guard up to date.

    1.1 → 1.2: ids stop depending on the host-key fingerprint (the unique_id, which
    reauth changes). The router id is set to that fingerprint, so every existing
    unique id and device identifier stays as it is.
    """
    if entry.version > 1:
        # Written by a newer Snoop Guard: do not guess.
        return False
    if entry.minor_version < 2:
        data = dict(entry.data)
        data.setdefault(CONF_ROUTER_ID, str(entry.unique_id))
        hass.config_entries.async_update_entry(entry, data=data, minor_version=2)
        LOGGER.debug("Migrated %s to version 1.2 (router id kept)", entry.title)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SnoopGuardConfigEntry) -> bool:
    """Stop the stream and close the router connection (blocks stay on the router)."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SnoopGuardConfigEntry) -> None:
    """Take our table and dnsmasq snippet off the router, and forget stored state."""
    backend = build_backend(hass, entry.data)
    try:
        await backend.async_connect()
        await backend.async_remove_all()
    except BackendError as err:
        LOGGER.warning(
            "Could not remove Snoop Guard's rules from %s: %s; remove %s by hand",
            describe(entry.data),
            err,
            backend.manual_removal,
        )
    finally:
        await backend.async_close()
    await Store[dict[str, Any]](hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}").async_remove()
    await scan_store(hass, entry.entry_id).async_remove()
    await marks_store(hass, entry.entry_id).async_remove()
    lists = SubscriptionManager(
        hass, entry.entry_id, list(entry.options.get(CONF_SUBSCRIPTIONS, [])), validate_list
    )
    # Loading moves files an older version left in .storage into the cache first.
    await lists.async_load()
    await lists.async_remove()
    await hass.async_add_executor_job(remove_cache, hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SnoopGuardConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device that no longer blocks anything."""
    macs = {mac for kind, mac in device.connections if kind == dr.CONNECTION_NETWORK_MAC}
    return entry.runtime_data.coordinator.async_forget(macs)
