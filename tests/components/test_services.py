"""The block/unblock actions, timed blocks, and bad targets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.const import DOMAIN
from tests.fakes import FakeRouter

from .conftest import SPEAKER_MAC, TV_MAC
from .helpers import entity_id


def _device_id(hass: HomeAssistant, entry: MockConfigEntry, mac: str) -> str:
    device = dr.async_get(hass).async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, mac), entry.entry_id
    )
    assert device is not None
    return device.id


async def test_block_and_unblock_several_devices(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    devices = [_device_id(hass, setup_entry, m) for m in (TV_MAC, SPEAKER_MAC)]
    await hass.services.async_call(
        DOMAIN, "block", {"device_id": devices, "what": "internet"}, blocking=True
    )
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == {TV_MAC, SPEAKER_MAC}
    assert hass.states.get(entity_id(hass, setup_entry, TV_MAC, "block_internet")).state == STATE_ON
    await hass.services.async_call(
        DOMAIN, "unblock", {"device_id": devices[0], "what": "internet"}, blocking=True
    )
    assert patch_backend.table["internet"] == {SPEAKER_MAC}


async def test_timed_block_ends_by_itself_even_after_a_reload(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    tv = _device_id(hass, setup_entry, TV_MAC)
    switch = entity_id(hass, setup_entry, TV_MAC, "block_trackers")
    await hass.services.async_call(
        DOMAIN, "block", {"device_id": tv, "duration": {"hours": 2}}, blocking=True
    )
    assert hass.states.get(switch).state == STATE_ON

    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == STATE_ON

    freezer.tick(timedelta(hours=1, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == STATE_OFF
    assert patch_backend.table is not None
    assert patch_backend.table["trackers"] == frozenset()


async def test_switching_by_hand_cancels_the_timer(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    tv = _device_id(hass, setup_entry, TV_MAC)
    switch = entity_id(hass, setup_entry, TV_MAC, "block_trackers")
    await hass.services.async_call(
        DOMAIN, "block", {"device_id": tv, "duration": "00:10:00"}, blocking=True
    )
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    freezer.tick(timedelta(minutes=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == STATE_ON


async def test_foreign_device_is_rejected(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "block", {"device_id": device.id}, blocking=True)
    assert err.value.translation_key == "not_our_device"


async def test_unloaded_entry_is_rejected(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    tv = _device_id(hass, setup_entry, TV_MAC)
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "block", {"device_id": tv}, blocking=True)
    assert err.value.translation_key == "entry_not_loaded"
