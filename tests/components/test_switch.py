"""Block switches: desired state, read-back and re-application."""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.backends.base import BackendConnectionError
from tests.fakes import FakeRouter

from .conftest import TV_MAC
from .helpers import entity_id


async def _switch(hass: HomeAssistant, service: str, target: str) -> None:
    await hass.services.async_call(SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: target}, blocking=True)


async def test_turning_block_trackers_on_and_off(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    block = entity_id(hass, setup_entry, TV_MAC, "block_trackers")
    assert hass.states.get(block).state == STATE_OFF
    await _switch(hass, SERVICE_TURN_ON, block)
    assert patch_backend.table is not None
    assert patch_backend.table["trackers"] == {TV_MAC}
    assert hass.states.get(block).state == STATE_ON
    await _switch(hass, SERVICE_TURN_OFF, block)
    assert patch_backend.table["trackers"] == frozenset()
    assert hass.states.get(block).state == STATE_OFF


async def test_block_internet_is_independent(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    internet = entity_id(hass, setup_entry, TV_MAC, "block_internet")
    trackers = entity_id(hass, setup_entry, TV_MAC, "block_trackers")
    await _switch(hass, SERVICE_TURN_ON, internet)
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == {TV_MAC}
    assert hass.states.get(internet).state == STATE_ON
    assert hass.states.get(trackers).state == STATE_OFF


async def test_flushed_table_is_reapplied_within_30_seconds(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    block = entity_id(hass, setup_entry, TV_MAC, "block_trackers")
    await _switch(hass, SERVICE_TURN_ON, block)
    patch_backend.table = None  # the router rebooted
    freezer.tick(30)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert patch_backend.table is not None
    assert patch_backend.table["trackers"] == {TV_MAC}
    assert hass.states.get(block).state == STATE_ON


async def test_failed_apply_keeps_the_wish_and_applies_later(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    block = entity_id(hass, setup_entry, TV_MAC, "block_trackers")
    patch_backend.fail_with = BackendConnectionError("router down")
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_ON, block)
    assert err.value.translation_key == "apply_failed"
    assert hass.states.get(block).attributes["desired"] is True
    assert hass.states.get(block).state != STATE_ON

    patch_backend.fail_with = None
    freezer.tick(30)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(block).state == STATE_ON


async def test_blocks_survive_a_reload(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    block = entity_id(hass, setup_entry, TV_MAC, "block_trackers")
    await _switch(hass, SERVICE_TURN_ON, block)
    patch_backend.table = None
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert patch_backend.table is not None
    assert patch_backend.table["trackers"] == {TV_MAC}
    assert hass.states.get(block).state == STATE_ON
