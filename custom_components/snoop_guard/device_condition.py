"""Device conditions in plain words: "trackers are blocked", "internet is blocked".

A condition holds when the block switch is on, that is when the router really
enforces the block (read back from it), not merely when it was asked for.
"""

from __future__ import annotations

from typing import Any, Final

import probatio
from homeassistant.const import (
    CONF_CONDITION,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_TYPE,
    STATE_ON,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.condition import ConditionCheckerType
from homeassistant.helpers.typing import ConfigType, TemplateVarsType

from .const import DOMAIN
from .device_entities import device_entities

# Condition type -> the switch whose state answers it.
CONDITIONS: Final = {
    "trackers_blocked": "block_trackers",
    "internet_blocked": "block_internet",
}

CONDITION_SCHEMA = cv.DEVICE_CONDITION_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In(list(CONDITIONS))}
)


async def async_get_conditions(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """List the conditions of one of our LAN devices (those its router supports)."""
    keys = device_entities(hass, device_id)
    return [
        {
            CONF_CONDITION: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: condition_type,
        }
        for condition_type, key in CONDITIONS.items()
        if key in keys
    ]


@callback
def async_condition_from_config(hass: HomeAssistant, config: ConfigType) -> ConditionCheckerType:
    """Check the block switch's state (looked up at each check: entities may move)."""
    device_id: str = config[CONF_DEVICE_ID]
    key = CONDITIONS[config[CONF_TYPE]]

    @callback
    def _check(hass: HomeAssistant, variables: TemplateVarsType = None) -> bool:
        entity_id = device_entities(hass, device_id).get(key)
        state = hass.states.get(entity_id) if entity_id else None
        return state is not None and state.state == STATE_ON

    return _check
