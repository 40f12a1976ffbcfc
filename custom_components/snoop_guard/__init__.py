"""Snoop Guard: see and block what smart TVs and speakers send to trackers."""

from __future__ import annotations

import shutil
from functools import partial
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .backends.base import BackendAuthError, BackendError, HostKeyMismatchError
from .backends.linux_ssh import LinuxSshBackend, LogSource, SshSettings
from .const import (
    CONF_ALLOW_OVERRIDES,
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
    CONF_HOST_KEY,
    CONF_LEASES_PATH,
    CONF_LOG_PATH,
    CONF_LOG_SOURCE,
    CONF_PRIVATE_KEY,
    CONF_SUBSCRIPTIONS,
    DOMAIN,
    LIST_CHECK_INTERVAL,
    LOGGER,
    STORE_VERSION,
)
from .coordinator import SnoopGuardConfigEntry, SnoopGuardCoordinator
from .knowledge import build_knowledge, cache_dir, validate_list
from .services import async_setup_services
from .subscriptions import SubscriptionManager
from .watchers import DiscoveryWatchers

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR, Platform.SWITCH]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    async_setup_services(hass)
    return True


def settings_from_data(data: dict[str, Any]) -> SshSettings:
    """Build backend settings from a config entry's data."""
    return SshSettings(
        host=data[CONF_HOST],
        port=int(data[CONF_PORT]),
        username=data[CONF_USERNAME],
        password=data.get(CONF_PASSWORD) or None,
        private_key=data.get(CONF_PRIVATE_KEY) or None,
        host_key=data.get(CONF_HOST_KEY),
        log_source=LogSource(data.get(CONF_LOG_SOURCE, LogSource.FILE)),
        log_path=data.get(CONF_LOG_PATH, ""),
        leases_path=data[CONF_LEASES_PATH],
        dnsmasq_conf_dir=data[CONF_DNSMASQ_CONF_DIR],
        dnsmasq_restart=data[CONF_DNSMASQ_RESTART],
    )


async def async_setup_entry(hass: HomeAssistant, entry: SnoopGuardConfigEntry) -> bool:
    """Connect to the router, restore state and start following its DNS log."""
    backend = LinuxSshBackend(settings_from_data(dict(entry.data)))
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

    subscriptions = SubscriptionManager(
        hass, entry.entry_id, list(entry.options.get(CONF_SUBSCRIPTIONS, [])), validate_list
    )
    await subscriptions.async_load()
    knowledge = await hass.async_add_executor_job(
        build_knowledge,
        await subscriptions.async_texts(),
        list(entry.options.get(CONF_ALLOW_OVERRIDES, [])),
        cache_dir(hass, entry.entry_id),
    )
    coordinator = SnoopGuardCoordinator(hass, entry, backend, knowledge, subscriptions)
    coordinator.router_info = info
    await coordinator.async_load(info.clock)
    try:
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await backend.async_close()
        raise
    entry.runtime_data = coordinator
    entry.async_on_unload(coordinator.async_shutdown_hub)
    coordinator.async_start_expiry_timers()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await coordinator.scan.async_start()
    entry.async_on_unload(coordinator.scan.async_stop)
    watchers = DiscoveryWatchers(hass, coordinator.async_discovered)
    coordinator.watchers = watchers
    await watchers.async_start()
    entry.async_on_unload(watchers.async_stop)
    entry.async_create_background_task(
        hass, coordinator.async_follow_dns(), f"{DOMAIN} DNS log {entry.title}"
    )
    if subscriptions.urls:
        # Lists are fetched in the background; the saved copies are in use meanwhile.
        entry.async_create_background_task(
            hass, coordinator.async_refresh_lists(), f"{DOMAIN} tracker lists"
        )
        entry.async_on_unload(
            async_track_time_interval(hass, coordinator.async_refresh_lists, LIST_CHECK_INTERVAL)
        )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SnoopGuardConfigEntry) -> bool:
    """Stop the stream and close the router connection (blocks stay on the router)."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SnoopGuardConfigEntry) -> None:
    """Take our table and dnsmasq snippet off the router, and forget stored state."""
    backend = LinuxSshBackend(settings_from_data(dict(entry.data)))
    try:
        await backend.async_connect()
        await backend.async_remove_all()
    except BackendError as err:
        LOGGER.warning(
            "Could not remove Snoop Guard's rules from the router %s: %s; remove the nftables"
            " table 'inet snoop_guard' and %s by hand",
            entry.data[CONF_HOST],
            err,
            backend.snippet_path,
        )
    finally:
        await backend.async_close()
    await Store[dict[str, Any]](hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}").async_remove()
    lists = SubscriptionManager(
        hass, entry.entry_id, list(entry.options.get(CONF_SUBSCRIPTIONS, [])), validate_list
    )
    await lists.async_load()
    await lists.async_remove()
    await hass.async_add_executor_job(
        partial(shutil.rmtree, cache_dir(hass, entry.entry_id), ignore_errors=True)
    )


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SnoopGuardConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device that no longer blocks anything."""
    coordinator = entry.runtime_data
    macs = {mac for kind, mac in device.connections if kind == dr.CONNECTION_NETWORK_MAC}
    if any(
        (p := coordinator.policies.get(mac)) and (p.block_trackers or p.block_internet)
        for mac in macs
    ):
        return False
    for mac in macs:
        coordinator.policies.pop(mac, None)
        if coordinator.data is not None:
            coordinator.data.devices.pop(mac, None)
    return True
