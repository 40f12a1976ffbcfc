"""Actions: block or unblock devices, optionally for a while ("no internet until 7:00").

And ``mark_destination``: the user's verdict on a name a device looked up
(tracker or needed), which the tracker knowledge then knows.
"""

from __future__ import annotations

from datetime import timedelta

import probatio
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from .const import BLOCK_KINDS, DOMAIN
from .destinations import VERDICTS
from .device_owner import resolve_alias
from .engine.names import normalize_domain, rule_domain_problem
from .identity import mac_of_unique_id
from .runtime import SnoopGuardConfigEntry

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
SERVICE_MARK_DESTINATION = "mark_destination"
ATTR_NAME = "name"
ATTR_VERDICT = "verdict"
MARK_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_NAME): cv.string,
        probatio.Required(ATTR_VERDICT): probatio.In(VERDICTS),
        probatio.Optional(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
    }
)
# How much of a refused name an error message repeats (names are data).
_SHOWN_NAME_CHARS = 80


def _check_name(raw: str) -> str:
    """Return the normalised name a verdict may be given to; raise a translated error.

    Blocking on the first call (the Public Suffix List): run it in an executor.
    """
    name = normalize_domain(raw.strip())
    problem = "invalid-domain" if name is None else rule_domain_problem(name)
    if name is None or problem is not None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_destination",
            translation_placeholders={
                "name": ascii(raw[:_SHOWN_NAME_CHARS]),
                "reason": str(problem),
            },
        )
    return name


async def _async_mark(hass: HomeAssistant, call: ServiceCall) -> None:
    """Keep the verdict in each affected entry, rebuild its knowledge and re-apply."""
    name = await hass.async_add_executor_job(_check_name, call.data[ATTR_NAME])
    verdict: str = call.data[ATTR_VERDICT]
    if ATTR_DEVICE_ID in call.data:
        entries = list(
            {e.entry_id: e for e, _ in _targets(hass, call.data[ATTR_DEVICE_ID])}.values()
        )
    else:
        entries = list(hass.config_entries.async_loaded_entries(DOMAIN))
    if not entries:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_loaded_entry")
    for entry in entries:
        runtime = entry.runtime_data
        runtime.coordinator.destinations.mark(name, verdict)
        await runtime.knowledge.async_mark(name, verdict)
        runtime.coordinator.async_check_load()
        # The next reconciliation uploads the snippet built with the new knowledge.
        await runtime.coordinator.async_request_refresh()
        runtime.coordinator.async_update_listeners()


@callback
def _macs_of_device(hass: HomeAssistant, device_id: str) -> dict[tuple[str, str], ConfigEntry]:
    """Return {(entry id, MAC): entry} of the Snoop Guard devices behind one device id.

    Whoever owns the device (Cast, Samsung TV, webOS… or we), our entities on it say
    which router entry and MAC it is. A device with none of our entities still counts
    when we own it, or when a running entry watches the MAC it carries.
    """
    device_id = resolve_alias(hass, device_id)
    found: dict[tuple[str, str], ConfigEntry] = {}
    for ent in er.async_entries_for_device(
        er.async_get(hass), device_id, include_disabled_entities=True
    ):
        if ent.platform != DOMAIN or ent.config_entry_id is None:
            continue
        entry = hass.config_entries.async_get_entry(ent.config_entry_id)
        if entry is not None and (mac := mac_of_unique_id(entry, ent.unique_id)):
            found[(entry.entry_id, mac)] = entry
    device = dr.async_get(hass).async_get(device_id)
    if found or not isinstance(device, dr.DeviceEntry):
        return found
    macs = [m for kind, m in device.connections if kind == dr.CONNECTION_NETWORK_MAC]
    owner = hass.config_entries.async_get_entry(device.config_entry_id)
    if owner is not None and owner.domain == DOMAIN:
        return {(owner.entry_id, mac): owner for mac in macs[:1]}
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        data = entry.runtime_data.coordinator.data
        for mac in macs:
            if data is not None and mac in data.devices:
                found[(entry.entry_id, mac)] = entry
    return found


def _targets(hass: HomeAssistant, device_ids: list[str]) -> list[tuple[SnoopGuardConfigEntry, str]]:
    """Resolve device ids to (loaded entry, MAC); raise a translated error otherwise."""
    targets: dict[tuple[str, str], SnoopGuardConfigEntry] = {}
    for device_id in device_ids:
        found = _macs_of_device(hass, device_id)
        if not found:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_our_device",
                translation_placeholders={"device_id": device_id},
            )
        for entry in found.values():
            if entry.state is not ConfigEntryState.LOADED:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="entry_not_loaded",
                    translation_placeholders={"entry": entry.title},
                )
        targets.update(found)
    return [(entry, mac) for (_, mac), entry in targets.items()]


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once, for every entry."""

    async def _block(call: ServiceCall) -> None:
        duration: timedelta | None = call.data.get(ATTR_DURATION)
        until = dt_util.utcnow() + duration if duration else None
        for entry, mac in _targets(hass, call.data[ATTR_DEVICE_ID]):
            await entry.runtime_data.coordinator.async_set_kind(
                mac, call.data[ATTR_WHAT], True, until, reason="action"
            )

    async def _unblock(call: ServiceCall) -> None:
        for entry, mac in _targets(hass, call.data[ATTR_DEVICE_ID]):
            await entry.runtime_data.coordinator.async_set_kind(
                mac, call.data[ATTR_WHAT], False, reason="action"
            )

    hass.services.async_register(DOMAIN, SERVICE_BLOCK, _block, schema=BLOCK_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_UNBLOCK, _unblock, schema=UNBLOCK_SCHEMA)

    async def _mark(call: ServiceCall) -> None:
        await _async_mark(hass, call)

    hass.services.async_register(DOMAIN, SERVICE_MARK_DESTINATION, _mark, schema=MARK_SCHEMA)
