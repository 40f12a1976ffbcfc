"""Per-device scan detection: is it sweeping the LAN, or looking around the Wi-Fi."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SnoopGuardConfigEntry, SnoopGuardCoordinator, TrackedDevice
from .engine.scan import ScanState
from .entity import SnoopGuardDeviceEntity, async_add_per_device

# Push-driven: no polling of our own.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ScanSensorDescription(BinarySensorEntityDescription):
    """How one scan sensor reads the detector."""

    is_on_fn: Callable[[ScanState], bool]


SCAN_SENSORS: tuple[ScanSensorDescription, ...] = (
    ScanSensorDescription(
        key="lan_scanning",
        translation_key="lan_scanning",
        is_on_fn=lambda state: state.lan_scanning,
    ),
    ScanSensorDescription(
        key="wifi_scanning",
        translation_key="wifi_scanning",
        is_on_fn=lambda state: state.wifi_scanning,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SnoopGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add scan sensors for every watched device, now and whenever one appears."""
    async_add_per_device(
        entry,
        async_add_entities,
        lambda coordinator, device: (
            ScanBinarySensor(coordinator, device, d) for d in SCAN_SENSORS
        ),
    )


class ScanBinarySensor(SnoopGuardDeviceEntity, BinarySensorEntity):
    """On while the device scans (turns off after a quiet period)."""

    entity_description: ScanSensorDescription

    def __init__(
        self,
        coordinator: SnoopGuardCoordinator,
        device: TrackedDevice,
        description: ScanSensorDescription,
    ) -> None:
        """Set up the sensor."""
        super().__init__(coordinator, device, description)

    @property
    def is_on(self) -> bool:
        """Return whether the device is scanning."""
        return self.entity_description.is_on_fn(self.coordinator.scan.state(self.mac))

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Hosts probed, methods, last scan, last suspected upload, active signals."""
        state = self.coordinator.scan.state(self.mac)
        return {
            "hosts_probed": state.hosts_probed_last_scan,
            "methods": list(state.methods),
            "last_scan": state.last_scan.isoformat() if state.last_scan else None,
            "scans_detected": state.scans_detected,
            "last_upload_suspected": state.last_upload_suspected.isoformat()
            if state.last_upload_suspected
            else None,
            "last_upload_domain": state.last_upload_domain,
            "signals": list(self.coordinator.scan.signals),
        }
