"""Actions: block or unblock devices, optionally for a while ("no internet until 7:00")."""

from __future__ import annotations

from datetime import timedelta

import probatio
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from .const import BLOCK_KINDS, DOMAIN
from .coordinator import SnoopGuardConfigEntry

SERVICE_BLOCK = "block"
SERVICE_UNBLOCK = "unblock"
ATTR_WHAT = "what"
ATTR_DURATION = "duration"

_BASE = {
    probatio.Required(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
    probatio.Optional(ATTR_WHAT, default="trackers"): probatio.In(BLOCK_KINDS),
}
BLOCK_SCHEMA = probatio.Schema(
    {
        **_BASE,
        probatio.Optional(ATTR_DURATION): probatio.All(
            cv.time_period, probatio.Range(min=timedelta(minutes=1), max=timedelta(days=30))
        ),
    }
)
UNBLOCK_SCHEMA = probatio.Schema(_BASE)


def _targets(hass: HomeAssistant, device_ids: list[str]) -> list[tuple[SnoopGuardConfigEntry, str]]:
    """Resolve device ids to (loaded entry, MAC); raise a translated error otherwise."""
    registry = dr.async_get(hass)
    targets: list[tuple[SnoopGuardConfigEntry, str]] = []
    for device_id in device_ids:
        device = registry.async_get(device_id)
        entry = None
        macs: list[str] = []
        if isinstance(device, dr.DeviceEntry) and device.config_entry_id:
            entry = hass.config_entries.async_get_entry(device.config_entry_id)
            macs = [m for kind, m in device.connections if kind == dr.CONNECTION_NETWORK_MAC]
        if entry is None or entry.domain != DOMAIN or not macs:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_our_device",
                translation_placeholders={"device_id": device_id},
            )
        if entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={"entry": entry.title},
            )
        targets.append((entry, macs[0]))
    return targets


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once, for every entry."""

    async def _block(call: ServiceCall) -> None:
        duration: timedelta | None = call.data.get(ATTR_DURATION)
        until = dt_util.utcnow() + duration if duration else None
        for entry, mac in _targets(hass, call.data[ATTR_DEVICE_ID]):
            await entry.runtime_data.async_set_kind(mac, call.data[ATTR_WHAT], True, until)

    async def _unblock(call: ServiceCall) -> None:
        for entry, mac in _targets(hass, call.data[ATTR_DEVICE_ID]):
            await entry.runtime_data.async_set_kind(mac, call.data[ATTR_WHAT], False)

    hass.services.async_register(DOMAIN, SERVICE_BLOCK, _block, schema=BLOCK_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_UNBLOCK, _unblock, schema=UNBLOCK_SCHEMA)
