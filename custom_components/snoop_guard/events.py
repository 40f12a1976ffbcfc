"""Bus events for automations and the logbook: block changes and new tracker companies.

Every event carries the ``device_id`` our entities are on and the ``entity_id`` of
the entity it is about, so it shows on that entity's and that device's logbook
page. No MAC address goes into event data.

``snoop_guard_new_tracker_company`` fires the first time a device contacts a
company within the contact counters' retention (24 h): the counters are stored,
so a restart does not fire again for companies already known. A global cap per
minute keeps a flood (a new list, a device looking up hundreds of hosts) from
flooding the bus; a company held back by the cap fires on its next contact.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .device_owner import device_id_for_mac
from .identity import device_unique_id

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .engine.counters import Contact, ContactCounters

EVENT_BLOCK_CHANGED: Final = "snoop_guard_block_changed"
EVENT_NEW_TRACKER_COMPANY: Final = "snoop_guard_new_tracker_company"
# Why a block changed, as carried in EVENT_BLOCK_CHANGED.
REASONS: Final = ("switch", "action", "timer", "repair")
NEW_COMPANY_EVENTS_PER_MINUTE: Final = 20
# The companies a device contacted are read from the counters again this often, so
# one that left their window can be reported again.
_KNOWN_REFRESH: Final = timedelta(hours=1)
_MAX_KNOWN_DEVICES: Final = 4096

# The entity each scan event kind is about (platform, key).
SCAN_ENTITY: Final = {
    "lan_scan": ("binary_sensor", "lan_scanning"),
    "wifi_scan": ("binary_sensor", "wifi_scanning"),
    "upload_suspected": ("binary_sensor", "upload_suspected"),
}


@callback
def entity_id_for(
    hass: HomeAssistant, entry: ConfigEntry, mac: str, platform: str, key: str
) -> str | None:
    """Return the entity id of one of our entities of a LAN device, or None."""
    return er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, device_unique_id(entry, mac, key)
    )


class EventSource(Protocol):
    """What the events read of the coordinator (no import of it: no cycle)."""

    @property
    def hass(self) -> HomeAssistant:
        """Home Assistant."""

    @property
    def config_entry(self) -> ConfigEntry:
        """The entry the devices and entities belong to."""

    @property
    def counters(self) -> ContactCounters:
        """The contact counters (replaced when they are loaded)."""


class AutomationEvents:
    """Fires the coordinator's events for automations and the logbook."""

    def __init__(self, coordinator: EventSource) -> None:
        """Remember the coordinator (its counters are replaced when they are loaded)."""
        self._coordinator = coordinator
        self._known: dict[str, tuple[datetime, set[str]]] = {}
        self._recent: deque[datetime] = deque(maxlen=NEW_COMPANY_EVENTS_PER_MINUTE)

    def _base(self, mac: str, platform: str, key: str) -> dict[str, str | None]:
        coordinator = self._coordinator
        hass, entry = coordinator.hass, coordinator.config_entry
        return {
            "config_entry_id": entry.entry_id,
            "device_id": device_id_for_mac(hass, entry, mac),
            "entity_id": entity_id_for(hass, entry, mac, platform, key),
        }

    @callback
    def block_changed(self, mac: str, what: str, blocked: bool, reason: str | None) -> None:
        """Fire EVENT_BLOCK_CHANGED for one kind of block ("trackers" or "internet")."""
        data = self._base(mac, "switch", f"block_{what}") | {
            "what": what,
            "blocked": blocked,
            "reason": reason,
        }
        self._coordinator.hass.bus.async_fire(EVENT_BLOCK_CHANGED, data)

    @callback
    def contact(self, mac: str, contact: Contact) -> None:
        """Fire EVENT_NEW_TRACKER_COMPANY if this is the device's first contact of the company.

        Call before the contact is counted.
        """
        now = dt_util.utcnow()
        seeded = self._known.get(mac)
        if seeded is None or now - seeded[0] > _KNOWN_REFRESH:
            companies = set(self._coordinator.counters.companies(mac, now))
            self._known[mac] = seeded = (now, companies)
            if len(self._known) > _MAX_KNOWN_DEVICES:
                del self._known[next(iter(self._known))]
        known = seeded[1]
        if contact.company in known:
            return
        recent = self._recent
        if len(recent) == recent.maxlen and now - recent[0] < timedelta(minutes=1):
            return  # over the cap: not marked known, so the next contact fires
        recent.append(now)
        known.add(contact.company)
        data = self._base(mac, "sensor", "tracker_contacts") | {
            "company": contact.company,
            "category": contact.category,
            "domain": contact.domain,
        }
        self._coordinator.hass.bus.async_fire(EVENT_NEW_TRACKER_COMPANY, data)
