"""Base entity: one Home Assistant device per watched LAN device."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import SnoopGuardCoordinator
from .device_owner import foreign_device, own_device_info
from .identity import device_unique_id, router_identifier, router_unique_id
from .runtime import SnoopGuardConfigEntry, SnoopGuardRuntimeData
from .tracking import TrackedDevice


@callback
def async_add_per_device(
    entry: SnoopGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[SnoopGuardRuntimeData, TrackedDevice], Iterable[Entity]],
) -> None:
    """Add a platform's entities for every watched device, now and whenever one appears.

    Devices that went away (stale or removed) are forgotten, so they get entities
    again if they come back.
    """
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    known: set[str] = set()

    @callback
    def _add_new() -> None:
        known.intersection_update(coordinator.data.devices)
        new = [d for mac, d in coordinator.data.devices.items() if mac not in known]
        known.update(d.mac for d in new)
        async_add_entities(entity for device in new for entity in make(runtime, device))

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


class SnoopGuardDeviceEntity(CoordinatorEntity[SnoopGuardCoordinator]):
    """An entity that belongs to one LAN device, keyed by its MAC address."""

    _attr_has_entity_name = True

    def __init__(
        self,
        runtime: SnoopGuardRuntimeData,
        device: TrackedDevice,
        description: EntityDescription,
    ) -> None:
        """Attach to the device with this MAC."""
        super().__init__(runtime.coordinator)
        self.runtime = runtime
        self.entity_description = description
        self.mac = device.mac
        entry = runtime.coordinator.config_entry
        self._attr_unique_id = device_unique_id(entry, device.mac, description.key)
        # Since HA 2026.8 a device belongs to one config entry: when another
        # integration (cast, samsungtv, webostv, sonos…) already has this TV, our
        # entities join that device instead of making a second one (device_owner.py
        # moves them there when that device appears later).
        if (existing := foreign_device(runtime.coordinator.hass, device.mac)) is not None:
            self.device_entry = existing
            return
        self._attr_device_info = own_device_info(entry, device)

    @property
    def device(self) -> TrackedDevice | None:
        """The device as of the last refresh."""
        return self.coordinator.data.devices.get(self.mac)


class SnoopGuardRouterEntity(CoordinatorEntity[SnoopGuardCoordinator]):
    """An entity of the router (or DNS filter) itself."""

    _attr_has_entity_name = True

    def __init__(self, runtime: SnoopGuardRuntimeData, description: EntityDescription) -> None:
        """Attach to the router's device."""
        super().__init__(runtime.coordinator)
        self.runtime = runtime
        self.entity_description = description
        entry = runtime.coordinator.config_entry
        self._attr_unique_id = router_unique_id(entry, description.key)
        info = runtime.router_info
        self._attr_device_info = DeviceInfo(
            identifiers={router_identifier(entry)},
            name=entry.title,
            manufacturer="OpenWrt" if info.system == "openwrt" else "Linux",
            model="Router (dnsmasq + nftables)",
        )
