"""Which Home Assistant device a LAN device's entities sit on.

Since HA 2026.8 a device belongs to one config entry. When Cast, Samsung TV, LG
webOS, Roku, Sonos or Apple TV already has the TV, our entities join that device
(``entity.py``) instead of making a second one. When such an integration creates
its device after ours (installed later, or set up later at start), our entities
move onto it and the device we had made is removed, so the TV is listed once. The
removed device's id is remembered as an alias of the device that took over, so an
automation that still names it keeps working (``services.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo

from .const import CONF_DEVICE_ALIASES, DOMAIN, LOGGER, MAX_DEVICE_ALIASES
from .identity import device_identifier, mac_of_unique_id

if TYPE_CHECKING:
    from .tracking import TrackedDevice

_KIND_MODEL = {
    "tv": "Smart TV",
    "streamer": "Streaming device",
    "speaker": "Smart speaker",
    "other": "Network device",
}


def own_device_info(entry: ConfigEntry, device: TrackedDevice) -> DeviceInfo:
    """Describe the device we make for a LAN device no other integration has."""
    classification = device.classification
    return DeviceInfo(
        identifiers={device_identifier(entry, device.mac)},
        connections={(dr.CONNECTION_NETWORK_MAC, device.mac)},
        name=device.name,
        manufacturer=classification.vendor,
        model=_KIND_MODEL.get(str(classification.kind), "Network device"),
    )


@callback
def foreign_device(hass: HomeAssistant, mac: str) -> dr.DeviceEntry | None:
    """Return another integration's device for this MAC, the oldest one if several.

    Devices of Snoop Guard entries (another router) and disabled devices are never
    joined: joining a disabled device would disable our entities with it.
    """
    candidates = [
        device
        for device in dr.async_get(hass).async_get_devices(
            connections={(dr.CONNECTION_NETWORK_MAC, mac)}
        )
        if device.disabled_by is None
        and (owner := hass.config_entries.async_get_entry(device.config_entry_id)) is not None
        and owner.domain != DOMAIN
    ]
    return min(candidates, key=lambda d: (d.created_at, d.id), default=None)


@callback
def device_id_for_mac(hass: HomeAssistant, entry: ConfigEntry, mac: str) -> str | None:
    """Return the id of the device our entities of ``mac`` are on (the one actions take)."""
    ent_reg = er.async_get(hass)
    for ent in er.async_entries_for_config_entry(ent_reg, entry.entry_id):
        if ent.device_id is not None and mac_of_unique_id(entry, ent.unique_id) == mac:
            return ent.device_id
    own = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, mac), entry.entry_id
    )
    if own is not None:
        return own.id
    device = foreign_device(hass, mac)
    return device.id if device is not None else None


@callback
def resolve_alias(hass: HomeAssistant, device_id: str) -> str:
    """Follow the aliases of removed devices of ours to the device that took over."""
    aliases: dict[str, str] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        raw = entry.data.get(CONF_DEVICE_ALIASES)
        if isinstance(raw, dict):
            aliases.update({str(k): str(v) for k, v in raw.items()})
    registry = dr.async_get(hass)
    seen = {device_id}
    while registry.async_get(device_id) is None and (target := aliases.get(device_id)):
        if target in seen:
            break
        seen.add(target)
        device_id = target
    return device_id


@callback
def _remember_alias(hass: HomeAssistant, entry: ConfigEntry, old_id: str, new_id: str) -> None:
    raw = entry.data.get(CONF_DEVICE_ALIASES)
    aliases = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    aliases.pop(old_id, None)
    aliases[old_id] = new_id
    # Oldest first (insertion order); the newest ones are the likeliest still in use.
    kept = dict(list(aliases.items())[-MAX_DEVICE_ALIASES:])
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_DEVICE_ALIASES: kept})


@callback
def async_adopt(hass: HomeAssistant, entry: ConfigEntry, mac: str) -> bool:
    """Move our entities of ``mac`` onto another integration's device; drop our own.

    Returns whether a device of ours was replaced.
    """
    target = foreign_device(hass, mac)
    dev_reg = dr.async_get(hass)
    own = dev_reg.async_get_device_by_identifier(device_identifier(entry, mac), entry.entry_id)
    if target is None or own is None:
        return False
    ent_reg = er.async_get(hass)
    for ent in er.async_entries_for_device(ent_reg, own.id, include_disabled_entities=True):
        if ent.config_entry_id != entry.entry_id:
            continue
        # The area the user gave our device stays with its entities.
        area = ent.area_id or (own.area_id if own.area_id != target.area_id else None)
        ent_reg.async_update_entity(ent.entity_id, device_id=target.id, area_id=area)
    dev_reg.async_remove_device(own.id)
    _remember_alias(hass, entry, own.id, target.id)
    LOGGER.debug("Entities of %s moved to the device %s already has for it", mac, target.name)
    return True


@callback
def async_rehome(
    hass: HomeAssistant,
    entry: ConfigEntry,
    mac: str,
    removed_id: str,
    tracked: TrackedDevice | None,
) -> None:
    """Give our entities of ``mac`` a device again when the one they were on was removed.

    HA only detaches them (another integration's device went, e.g. Cast was removed):
    they move to another integration's device for the MAC if there is one, else to a
    device of our own (``tracked``: the watched device, None when not watched any
    more), and the removed id becomes an alias of it.
    """
    ent_reg = er.async_get(hass)
    ours = [
        ent
        for ent in er.async_entries_for_config_entry(ent_reg, entry.entry_id)
        if mac_of_unique_id(entry, ent.unique_id) == mac and ent.device_id in (None, removed_id)
    ]
    if not ours:
        return
    target = foreign_device(hass, mac)
    if target is None:
        if tracked is None:
            # Not watched any more: the stale-device cleanup removes the entities.
            return
        info = own_device_info(entry, tracked)
        target = dr.async_get(hass).async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers=info.get("identifiers"),
            connections=info.get("connections"),
            name=info.get("name"),
            manufacturer=info.get("manufacturer"),
            model=info.get("model"),
        )
    for ent in ours:
        ent_reg.async_update_entity(ent.entity_id, device_id=target.id)
    _remember_alias(hass, entry, removed_id, target.id)
    LOGGER.debug("Entities of %s moved to %s: their device was removed", mac, target.name)


@callback
def async_adopt_all(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Hand over every device of ours another integration now has (e.g. after a restart)."""
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        for kind, mac in device.connections:
            if kind == dr.CONNECTION_NETWORK_MAC and device_identifier(entry, mac) in (
                device.identifiers
            ):
                async_adopt(hass, entry, mac)


@callback
def async_track_foreign_devices(
    hass: HomeAssistant, entry: ConfigEntry, tracked: Callable[[str], TrackedDevice | None]
) -> CALLBACK_TYPE:
    """Adopt another integration's device as soon as it appears or gains a MAC.

    And when such a device is removed, give our entities that were on it a device again
    (``tracked`` returns the watched device of a MAC, or None).
    """

    @callback
    def _relevant(data: dr.EventDeviceRegistryUpdatedData) -> bool:
        if data["action"] == "update":
            changes: dict[str, Any] = data["changes"]
            return bool({"connections", "config_entry_id", "disabled_by"} & set(changes))
        return True

    @callback
    def _device_changed(event: Event[dr.EventDeviceRegistryUpdatedData]) -> None:
        if event.data["action"] == "remove":
            removed = event.data["device"]
            if removed.get("config_entry_id") == entry.entry_id:
                return
            for kind, mac in removed.get("connections") or ():
                if kind == dr.CONNECTION_NETWORK_MAC:
                    async_rehome(hass, entry, mac, event.data["device_id"], tracked(mac))
            return
        device = dr.async_get(hass).async_get(event.data["device_id"])
        if not isinstance(device, dr.DeviceEntry) or device.config_entry_id == entry.entry_id:
            return
        for kind, mac in device.connections:
            if kind == dr.CONNECTION_NETWORK_MAC:
                async_adopt(hass, entry, mac)

    return hass.bus.async_listen(
        dr.EVENT_DEVICE_REGISTRY_UPDATED, _device_changed, event_filter=_relevant
    )


@callback
def async_remove_device(hass: HomeAssistant, entry: ConfigEntry, mac: str) -> None:
    """Remove our entities of a stale device, and our device if we made it."""
    ent_reg = er.async_get(hass)
    for ent in er.async_entries_for_config_entry(ent_reg, entry.entry_id):
        if mac_of_unique_id(entry, ent.unique_id) == mac:
            ent_reg.async_remove(ent.entity_id)
    dev_reg = dr.async_get(hass)
    own = dev_reg.async_get_device_by_identifier(device_identifier(entry, mac), entry.entry_id)
    if own is not None:
        dev_reg.async_remove_device(own.id)
    LOGGER.info("Removed %s: not seen on the network for too long", mac)
