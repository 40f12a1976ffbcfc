"""Base entity: one Home Assistant device per watched LAN device."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import SnoopGuardConfigEntry, SnoopGuardCoordinator, TrackedDevice

_KIND_MODEL = {
    "tv": "Smart TV",
    "streamer": "Streaming device",
    "speaker": "Smart speaker",
    "other": "Network device",
}


@callback
def async_add_per_device(
    entry: SnoopGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[SnoopGuardCoordinator, TrackedDevice], Iterable[Entity]],
) -> None:
    """Add a platform's entities for every watched device, now and whenever one appears.

    Devices that went away (stale or removed) are forgotten, so they get entities
    again if they come back.
    """
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def _add_new() -> None:
        known.intersection_update(coordinator.data.devices)
        new = [d for mac, d in coordinator.data.devices.items() if mac not in known]
        known.update(d.mac for d in new)
        async_add_entities(entity for device in new for entity in make(coordinator, device))

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


class SnoopGuardDeviceEntity(CoordinatorEntity[SnoopGuardCoordinator]):
    """An entity that belongs to one LAN device, keyed by its MAC address."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: SnoopGuardCoordinator,
        device: TrackedDevice,
        description: EntityDescription,
    ) -> None:
        """Attach to the device with this MAC."""
        super().__init__(coordinator)
        self.entity_description = description
        self.mac = device.mac
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}_{device.mac}_{description.key}"
        classification = device.classification
        # Since HA 2026.8 a device belongs to one config entry: when another
        # integration (cast, samsungtv, webostv, sonos…) already has this TV, our
        # entities join that device instead of making a second one.
        for existing in dr.async_get(coordinator.hass).async_get_devices(
            connections={(CONNECTION_NETWORK_MAC, device.mac)}
        ):
            if existing.config_entry_id != entry.entry_id:
                self.device_entry = existing
                return
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{entry.unique_id}_{device.mac}")},
            connections={(CONNECTION_NETWORK_MAC, device.mac)},
            name=device.name,
            manufacturer=classification.vendor,
            model=_KIND_MODEL.get(str(classification.kind), "Network device"),
        )

    @property
    def device(self) -> TrackedDevice | None:
        """The device as of the last refresh."""
        return self.coordinator.data.devices.get(self.mac)


class SnoopGuardRouterEntity(CoordinatorEntity[SnoopGuardCoordinator]):
    """An entity of the router (or DNS filter) itself."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: SnoopGuardCoordinator, description: EntityDescription) -> None:
        """Attach to the router's device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        info = coordinator.router_info
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, str(entry.unique_id))},
            name=entry.title,
            manufacturer="OpenWrt" if info and info.system == "openwrt" else "Linux",
            model="Router (dnsmasq + nftables)",
        )
