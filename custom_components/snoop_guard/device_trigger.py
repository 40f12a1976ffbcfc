"""Device triggers in plain words: scans, a suspected upload, a new tracker company.

Home Assistant asks this module only for devices Snoop Guard owns. On a TV another
integration owns (Cast, webOS…) the editor offers the generic triggers of our
entities instead ("LAN scanning turned on", "Upload suspected turned on").
"""

from __future__ import annotations

from typing import Any, Final

import probatio
from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, EVENT_SCAN_DETECTED
from .device_entities import device_entities
from .events import EVENT_NEW_TRACKER_COMPANY

# Trigger type -> (event, the entity the device needs for it, the scan kind).
TRIGGERS: Final[dict[str, tuple[str, str, str | None]]] = {
    "lan_scan": (EVENT_SCAN_DETECTED, "lan_scanning", "lan_scan"),
    "wifi_scan": (EVENT_SCAN_DETECTED, "wifi_scanning", "wifi_scan"),
    "upload_suspected": (EVENT_SCAN_DETECTED, "upload_suspected", "upload_suspected"),
    "new_tracker_company": (EVENT_NEW_TRACKER_COMPANY, "tracker_contacts", None),
}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In(list(TRIGGERS))}
)


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """List the triggers of one of our LAN devices (none for the router's device)."""
    keys = device_entities(hass, device_id)
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: trigger_type,
        }
        for trigger_type, (_, key, _) in TRIGGERS.items()
        if key in keys
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the event behind the trigger, for this device."""
    event_type, _, kind = TRIGGERS[config[CONF_TYPE]]
    event_data: dict[str, str] = {CONF_DEVICE_ID: config[CONF_DEVICE_ID]}
    if kind is not None:
        event_data["kind"] = kind
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: event_type,
            CONF_EVENT_DATA: event_data,
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
