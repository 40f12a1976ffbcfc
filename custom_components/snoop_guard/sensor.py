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
from homeassistant.const import MATCH_ALL, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .entity import SnoopGuardDeviceEntity, SnoopGuardRouterEntity, async_add_per_device
from .plaintext import public_url
from .runtime import SnoopGuardConfigEntry, SnoopGuardRuntimeData
from .tracking import TrackedDevice

# Push-driven: no polling of our own, no update concurrency to limit.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SnoopGuardSensorDescription(SensorEntityDescription):
    """How one sensor reads the entry's runtime data."""

    value_fn: Callable[[SnoopGuardRuntimeData, str], int | str | None]
    attrs_fn: Callable[[SnoopGuardRuntimeData, str], Mapping[str, Any]]


def _contacts(runtime: SnoopGuardRuntimeData, mac: str) -> int:
    return runtime.coordinator.counters.count(mac, dt_util.utcnow())


def _contacts_attrs(runtime: SnoopGuardRuntimeData, mac: str) -> dict[str, Any]:
    coordinator = runtime.coordinator
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
        **_suspected_attrs(runtime, mac),
    }


# How many suspected contacts and unknown names the attributes list.
SHOWN_SUSPECTED = 5
SHOWN_UNKNOWN = 20


def _suspected_attrs(runtime: SnoopGuardRuntimeData, mac: str) -> dict[str, Any]:
    """Return suspected trackers (never blocked).

    Names that look like telemetry, or that a list names but that were held back as
    a device function.
    """
    suspected = runtime.coordinator.destinations.suspected(mac, dt_util.utcnow())
    return {
        "suspected_contacts": len(suspected),
        "suspected": [
            {"name": d.name, "category": d.category, "evidence": list(d.evidence)}
            for d in suspected[:SHOWN_SUSPECTED]
        ],
    }


def _unknown_count(runtime: SnoopGuardRuntimeData, mac: str) -> int:
    return len(runtime.coordinator.destinations.unknown(mac, None, dt_util.utcnow()))


def _unknown_attrs(runtime: SnoopGuardRuntimeData, mac: str) -> dict[str, Any]:
    """Return the most looked-up names no list classifies (mark_destination marks one)."""
    found = runtime.coordinator.destinations.unknown(mac, SHOWN_UNKNOWN, dt_util.utcnow())
    return {
        "destinations": [
            {"name": d.name, "count": d.count, "suspected": d.suspected} for d in found
        ],
    }


def _last_tracker(runtime: SnoopGuardRuntimeData, mac: str) -> str | None:
    last = runtime.coordinator.counters.last(mac)
    return last.domain if last else None


def _last_attrs(runtime: SnoopGuardRuntimeData, mac: str) -> dict[str, Any]:
    last = runtime.coordinator.counters.last(mac)
    if last is None:
        return {}
    return {"company": last.company, "category": last.category, "seen": last.when.isoformat()}


def _hosts_probed(runtime: SnoopGuardRuntimeData, mac: str) -> int:
    return runtime.scan.state(mac).hosts_probed_last_scan


def _no_attrs(runtime: SnoopGuardRuntimeData, mac: str) -> dict[str, Any]:
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
        # The LAN scanning sensor carries the same number (attribute hosts_probed).
        entity_registry_enabled_default=False,
        value_fn=_hosts_probed,
        attrs_fn=_no_attrs,
    ),
    SnoopGuardSensorDescription(
        key="last_tracker",
        translation_key="last_tracker",
        value_fn=_last_tracker,
        attrs_fn=_last_attrs,
    ),
    SnoopGuardSensorDescription(
        key="unknown_destinations",
        translation_key="unknown_destinations",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_unknown_count,
        attrs_fn=_unknown_attrs,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SnoopGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for every watched device, now and whenever one appears."""
    runtime = entry.runtime_data
    async_add_entities(
        [
            TrackerRulesSensor(runtime, TRACKER_RULES),
            DiscoverySourcesSensor(runtime, DISCOVERY_SOURCES),
        ]
    )
    async_add_per_device(
        entry,
        async_add_entities,
        lambda runtime, device: (SnoopGuardSensor(runtime, device, d) for d in SENSORS),
    )


TRACKER_RULES = SensorEntityDescription(
    key="tracker_rules",
    translation_key="tracker_rules",
    entity_category=EntityCategory.DIAGNOSTIC,
    state_class=SensorStateClass.MEASUREMENT,
)


class TrackerRulesSensor(SnoopGuardRouterEntity, SensorEntity):
    """How many tracker rules are in force, and where they come from."""

    # The rules summary (list versions, per-list results) is for now, not history.
    _unrecorded_attributes = frozenset({MATCH_ALL})

    @property
    def native_value(self) -> int:
        """Return the number of tracker rules."""
        return self.runtime.knowledge.current.matcher.rule_count

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Return list versions, rule counts and the last update.

        Every user can read attributes: a list's address is shown without the
        credentials, query or fragment that can carry an access token.
        """
        summary = self.runtime.knowledge.summary()
        summary["subscriptions"] = [
            {**item, "url": public_url(str(item.get("url", "")))}
            for item in summary.get("subscriptions", [])
        ]
        return summary


class SnoopGuardSensor(SnoopGuardDeviceEntity, SensorEntity):
    """A tracker-contact sensor of one device."""

    entity_description: SnoopGuardSensorDescription
    # Large or changing with every lookup; the states themselves are the history.
    _unrecorded_attributes = frozenset(
        {
            "companies",
            "evidence",
            "last_tracker",
            "last_company",
            "seen",
            "suspected",
            "suspected_contacts",
            "destinations",
        }
    )

    def __init__(
        self,
        runtime: SnoopGuardRuntimeData,
        device: TrackedDevice,
        description: SnoopGuardSensorDescription,
    ) -> None:
        """Set up the sensor."""
        super().__init__(runtime, device, description)

    @property
    def native_value(self) -> int | str | None:
        """Return the current value."""
        return self.entity_description.value_fn(self.runtime, self.mac)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Return the details behind the value."""
        return self.entity_description.attrs_fn(self.runtime, self.mac)


DISCOVERY_SOURCES = SensorEntityDescription(
    key="discovery_sources",
    translation_key="discovery_sources",
    entity_category=EntityCategory.DIAGNOSTIC,
)


class DiscoverySourcesSensor(SnoopGuardRouterEntity, SensorEntity):
    """How many of HA's discovery sources (zeroconf, SSDP, DHCP) feed Snoop Guard."""

    @property
    def native_value(self) -> int:
        """Return the number of active discovery sources."""
        return len(self.runtime.watchers.active)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Return each source's state, and why the ones that failed failed."""
        watchers = self.runtime.watchers
        return {
            **{source: str(status.state) for source, status in watchers.status.items()},
            "errors": {s: st.error for s, st in watchers.status.items() if st.error},
        }
