"""Device actions in plain words: block trackers, block internet (optionally for a while), unblock.

They run the ``snoop_guard.block`` / ``snoop_guard.unblock`` actions, so the
logbook and the block-changed event say "action" as the reason.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

import probatio
from homeassistant.const import CONF_DEVICE_ID, CONF_DOMAIN, CONF_TYPE
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType, TemplateVarsType

from .const import BLOCK_KINDS, DOMAIN
from .device_entities import device_entities
from .services import ATTR_DURATION, ATTR_WHAT, SERVICE_BLOCK, SERVICE_UNBLOCK

# Action type -> what it blocks (None: unblock every kind the device has).
ACTIONS: Final[dict[str, str | None]] = {
    "block_trackers": "trackers",
    "block_internet": "internet",
    "unblock": None,
}

ACTION_SCHEMA = cv.DEVICE_ACTION_BASE_SCHEMA.extend(
    {
        probatio.Required(CONF_TYPE): probatio.In(list(ACTIONS)),
        probatio.Optional(ATTR_DURATION): probatio.All(
            cv.positive_time_period_dict,
            probatio.Range(min=timedelta(minutes=1), max=timedelta(days=30)),
        ),
    }
)


def _kinds(hass: HomeAssistant, device_id: str) -> list[str]:
    """Return the kinds of block the device has a switch for (its router supports)."""
    keys = device_entities(hass, device_id)
    return [what for what in BLOCK_KINDS if f"block_{what}" in keys]


async def async_get_actions(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """List the actions of one of our LAN devices."""
    kinds = _kinds(hass, device_id)
    return [
        {CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: action_type}
        for action_type, what in ACTIONS.items()
        # "unblock" needs one kind of block at least.
        if (what in kinds if what is not None else bool(kinds))
    ]


async def async_get_action_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, probatio.Schema]:
    """Ask how long a block lasts (optional); an unblock has nothing to ask."""
    if ACTIONS.get(config[CONF_TYPE]) is None:
        return {}
    return {
        "extra_fields": probatio.Schema(
            {probatio.Optional(ATTR_DURATION): cv.positive_time_period_dict}
        )
    }


async def async_call_action_from_config(
    hass: HomeAssistant,
    config: ConfigType,
    variables: TemplateVarsType,
    context: Context | None,
) -> None:
    """Run the block or unblock action for this device."""
    device_id: str = config[CONF_DEVICE_ID]
    what = ACTIONS[config[CONF_TYPE]]
    if what is None:
        for kind in _kinds(hass, device_id):
            await hass.services.async_call(
                DOMAIN,
                SERVICE_UNBLOCK,
                {CONF_DEVICE_ID: device_id, ATTR_WHAT: kind},
                blocking=True,
                context=context,
            )
        return
    data: dict[str, Any] = {CONF_DEVICE_ID: device_id, ATTR_WHAT: what}
    if (duration := config.get(ATTR_DURATION)) is not None:
        data[ATTR_DURATION] = duration
    await hass.services.async_call(DOMAIN, SERVICE_BLOCK, data, blocking=True, context=context)
