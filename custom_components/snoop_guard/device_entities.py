"""Our entities on one Home Assistant device, by key (for device automations).

The device may be ours or another integration's (Cast, webOS…): our entities
on it say which LAN device it is. The router's own device has none of them.
(Home Assistant refuses device automations naming a removed device, so the
aliases ``services.py`` follows cannot reach here.)
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .identity import mac_of_unique_id


@callback
def device_entities(hass: HomeAssistant, device_id: str) -> dict[str, str]:
    """Return {key: entity_id} of our LAN-device entities on ``device_id``.

    ``key`` is the entity's description key (``block_trackers``, ``lan_scanning``…).
    """
    found: dict[str, str] = {}
    for ent in er.async_entries_for_device(er.async_get(hass), device_id):
        if ent.platform != DOMAIN or ent.config_entry_id is None:
            continue
        entry = hass.config_entries.async_get_entry(ent.config_entry_id)
        if entry is None or (mac := mac_of_unique_id(entry, ent.unique_id)) is None:
            continue
        key = ent.unique_id.rsplit(f"{mac}_", 1)[-1]
        found.setdefault(key, ent.entity_id)
    return found
