"""Small helpers for harness tests."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, mac: str, key: str) -> str:
    """Return the entity id of one of our entities, found by its unique id."""
    platform = "switch" if key.startswith("block_") else "sensor"
    found = er.async_get(hass).async_get_entity_id(
        platform, "snoop_guard", f"{entry.unique_id}_{mac}_{key}"
    )
    assert found is not None, f"no {key} entity for {mac}"
    return found
