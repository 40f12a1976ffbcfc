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

from .backends.base import Capability
from .engine.scan import ScanState
from .entity import SnoopGuardDeviceEntity, async_add_per_device
from .runtime import SnoopGuardConfigEntry, SnoopGuardRuntimeData
from .tracking import TrackedDevice

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
# On while the detector's upload window after a suspected inventory upload runs.
UPLOAD_SENSOR = BinarySensorEntityDescription(
    key="upload_suspected", translation_key="upload_suspected"
)
# On while the device resolves names past the home's DNS (bypass.py).
BYPASS_SENSOR = BinarySensorEntityDescription(key="dns_bypass", translation_key="dns_bypass")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SnoopGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add scan sensors for every watched device, now and whenever one appears.

    The DNS bypass sensor needs a router that sees forwarded DNS: a DNS filter
    never sees the queries that go past it, so it gets no such sensor.
    """
    bypass = Capability.BLOCK_BYPASS in entry.runtime_data.coordinator.roles.capabilities
    async_add_per_device(
        entry,
        async_add_entities,
        lambda runtime, device: (
            *(ScanBinarySensor(runtime, device, d) for d in SCAN_SENSORS),
            UploadSuspectedBinarySensor(runtime, device, UPLOAD_SENSOR),
            *((DnsBypassBinarySensor(runtime, device, BYPASS_SENSOR),) if bypass else ()),
        ),
    )


class ScanBinarySensor(SnoopGuardDeviceEntity, BinarySensorEntity):
    """On while the device scans (turns off after a quiet period)."""

    entity_description: ScanSensorDescription
    # Lists that change with every scan; on/off and the counts are the history.
    _unrecorded_attributes = frozenset({"methods", "signals"})

    def __init__(
        self,
        runtime: SnoopGuardRuntimeData,
        device: TrackedDevice,
        description: ScanSensorDescription,
    ) -> None:
        """Set up the sensor."""
        super().__init__(runtime, device, description)

    @property
    def is_on(self) -> bool:
        """Return whether the device is scanning."""
        return self.entity_description.is_on_fn(self.runtime.scan.state(self.mac))

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Hosts probed, methods, last scan, last suspected upload, active signals."""
        state = self.runtime.scan.state(self.mac)
        return {
            "hosts_probed": state.hosts_probed_last_scan,
            "methods": list(state.methods),
            "last_scan": state.last_scan.isoformat() if state.last_scan else None,
            "scans_detected": state.scans_detected,
            "last_upload_suspected": state.last_upload_suspected.isoformat()
            if state.last_upload_suspected
            else None,
            "last_upload_domain": state.last_upload_domain,
            "signals": list(self.runtime.scan.signals),
        }


class UploadSuspectedBinarySensor(SnoopGuardDeviceEntity, BinarySensorEntity):
    """On while a network-inventory upload by the device is suspected."""

    @property
    def is_on(self) -> bool:
        """Return whether an upload was suspected within the upload window."""
        return self.runtime.scan.upload_suspected(self.mac)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """When, and to which site (the scan sensors carry the rest)."""
        state = self.runtime.scan.state(self.mac)
        last = state.last_upload_suspected
        return {
            "last_upload_suspected": last.isoformat() if last else None,
            "last_upload_domain": state.last_upload_domain,
        }


class DnsBypassBinarySensor(SnoopGuardDeviceEntity, BinarySensorEntity):
    """On while the device avoids the home's DNS; unavailable where that cannot be seen."""

    @property
    def available(self) -> bool:
        """Only a backend that sees forwarded DNS can tell."""
        enforced = self.coordinator.data.enforced
        return super().available and enforced is not None and enforced.observes_bypass

    @property
    def is_on(self) -> bool:
        """Return whether the device bypasses the home's DNS now."""
        return self.coordinator.bypass.bypassing(self.mac)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """How, when last, and to how many resolvers (never the device's MAC)."""
        bypass = self.coordinator.bypass
        state = bypass.evidence(self.mac)
        return {
            "method": bypass.method(state),
            "last_seen": state.last_seen.isoformat() if state.last_seen else None,
            "resolver_count": len(state.resolvers),
        }
