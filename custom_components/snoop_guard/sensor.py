"""Per-device tracker contact sensors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import SnoopGuardConfigEntry, SnoopGuardCoordinator, TrackedDevice
from .entity import SnoopGuardDeviceEntity, SnoopGuardRouterEntity, async_add_per_device

# Push-driven: no polling of our own, no update concurrency to limit.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SnoopGuardSensorDescription(SensorEntityDescription):
    """How one sensor reads the coordinator."""

    value_fn: Callable[[SnoopGuardCoordinator, str], int | str | None]
    attrs_fn: Callable[[SnoopGuardCoordinator, str], Mapping[str, Any]]


def _contacts(coordinator: SnoopGuardCoordinator, mac: str) -> int:
    return coordinator.counters.count(mac, dt_util.utcnow())


def _contacts_attrs(coordinator: SnoopGuardCoordinator, mac: str) -> dict[str, Any]:
    last = coordinator.counters.last(mac)
    device = coordinator.data.devices.get(mac)
    found = device.classification if device else None
    return {
        "kind": str(found.kind) if found else None,
        "vendor": found.vendor if found else None,
        "model": found.model if found else None,
        "confidence": round(found.confidence, 2) if found else None,
        "evidence": list(found.evidence or (found.reason,)) if found else [],
        "companies": coordinator.counters.companies(mac, dt_util.utcnow()),
        "last_tracker": last.domain if last else None,
        "last_company": last.company if last else None,
    }


def _last_tracker(coordinator: SnoopGuardCoordinator, mac: str) -> str | None:
    last = coordinator.counters.last(mac)
    return last.domain if last else None


def _last_attrs(coordinator: SnoopGuardCoordinator, mac: str) -> dict[str, Any]:
    last = coordinator.counters.last(mac)
    if last is None:
        return {}
    return {"company": last.company, "category": last.category, "seen": last.when.isoformat()}


def _hosts_probed(coordinator: SnoopGuardCoordinator, mac: str) -> int:
    return coordinator.scan.state(mac).hosts_probed_last_scan


def _no_attrs(coordinator: SnoopGuardCoordinator, mac: str) -> dict[str, Any]:
    return {}


SENSORS: tuple[SnoopGuardSensorDescription, ...] = (
    SnoopGuardSensorDescription(
        key="tracker_contacts",
        translation_key="tracker_contacts",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_contacts,
        attrs_fn=_contacts_attrs,
    ),
    SnoopGuardSensorDescription(
        key="hosts_probed",
        translation_key="hosts_probed",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_hosts_probed,
        attrs_fn=_no_attrs,
    ),
    SnoopGuardSensorDescription(
        key="last_tracker",
        translation_key="last_tracker",
        value_fn=_last_tracker,
        attrs_fn=_last_attrs,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SnoopGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for every watched device, now and whenever one appears."""
    coordinator = entry.runtime_data
    async_add_entities([TrackerRulesSensor(coordinator, TRACKER_RULES)])
    async_add_per_device(
        entry,
        async_add_entities,
        lambda coordinator, device: (SnoopGuardSensor(coordinator, device, d) for d in SENSORS),
    )


TRACKER_RULES = SensorEntityDescription(
    key="tracker_rules",
    translation_key="tracker_rules",
    entity_category=EntityCategory.DIAGNOSTIC,
    state_class=SensorStateClass.MEASUREMENT,
)


class TrackerRulesSensor(SnoopGuardRouterEntity, SensorEntity):
    """How many tracker rules are in force, and where they come from."""

    @property
    def native_value(self) -> int:
        """Return the number of tracker rules."""
        return self.coordinator.matcher.rule_count

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Return list versions, rule counts and the last update."""
        return self.coordinator.knowledge_summary()


class SnoopGuardSensor(SnoopGuardDeviceEntity, SensorEntity):
    """A tracker-contact sensor of one device."""

    entity_description: SnoopGuardSensorDescription

    def __init__(
        self,
        coordinator: SnoopGuardCoordinator,
        device: TrackedDevice,
        description: SnoopGuardSensorDescription,
    ) -> None:
        """Set up the sensor."""
        super().__init__(coordinator, device, description)

    @property
    def native_value(self) -> int | str | None:
        """Return the current value."""
        return self.entity_description.value_fn(self.coordinator, self.mac)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Return the details behind the value."""
        return self.entity_description.attrs_fn(self.coordinator, self.mac)
