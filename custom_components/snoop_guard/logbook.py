"""Logbook entries for scan detections, suspected uploads, new tracker companies and blocks.

Each event carries the entity_id of the entity it is about, so it shows on that
entity's page and on its device's page too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, EVENT_SCAN_DETECTED
from .events import EVENT_BLOCK_CHANGED, EVENT_NEW_TRACKER_COMPANY

_SCAN_MESSAGES: Final = {
    "lan_scan": "started scanning the LAN",
    "wifi_scan": "started scanning Wi-Fi",
    "upload_suspected": "is suspected of uploading a network inventory",
}
_REASONS: Final = {
    "switch": "by its switch",
    "action": "by an action",
    "timer": "when its timer ended",
    "repair": "from a repair",
}


@callback
def _device_name(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    device_id = data.get(ATTR_DEVICE_ID)
    device = dr.async_get(hass).async_get(device_id) if isinstance(device_id, str) else None
    if device is not None and (name := device.name_by_user or device.name):
        return name
    return "Snoop Guard"


@callback
def _scan_message(data: Mapping[str, Any]) -> str:
    message = _SCAN_MESSAGES.get(str(data.get("kind")), "was caught scanning")
    if methods := data.get("methods"):
        message += f" ({', '.join(str(m) for m in methods)})"
    return message


@callback
def _company_message(data: Mapping[str, Any]) -> str:
    return f"contacted a new tracker company: {data.get('company')} ({data.get('domain')})"


@callback
def _block_message(data: Mapping[str, Any]) -> str:
    what = {"internet": "internet access", "bypass": "DNS bypass"}.get(
        str(data.get("what")), "trackers"
    )
    verb = "blocked" if data.get("blocked") else "unblocked"
    reason = _REASONS.get(str(data.get("reason")))
    return f"{what} {verb}" + (f" {reason}" if reason else "")


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe Snoop Guard's events for the logbook."""

    def _describer(
        message: Callable[[Mapping[str, Any]], str],
    ) -> Callable[[Event], dict[str, Any]]:
        @callback
        def _describe(event: Event) -> dict[str, Any]:
            data = event.data
            described = {
                LOGBOOK_ENTRY_NAME: _device_name(hass, data),
                LOGBOOK_ENTRY_MESSAGE: message(data),
            }
            if entity_id := data.get(ATTR_ENTITY_ID):
                described[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
            return described

        return _describe

    async_describe_event(DOMAIN, EVENT_SCAN_DETECTED, _describer(_scan_message))
    async_describe_event(DOMAIN, EVENT_NEW_TRACKER_COMPANY, _describer(_company_message))
    async_describe_event(DOMAIN, EVENT_BLOCK_CHANGED, _describer(_block_message))
