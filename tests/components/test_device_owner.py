"""TVs another integration owns: our entities move onto its device, actions and events follow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.identity import device_identifier, mac_of_unique_id
from tests.fakes import FakeRouter

from .conftest import LAPTOP_MAC, SPEAKER_MAC, TV_IP, TV_MAC
from .helpers import entity_id
from .test_blueprint import at_local_time, setup_night_automation

MAC = dr.CONNECTION_NETWORK_MAC


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A configuration directory of this test's own, to install the blueprint in."""
    return hass_tmp_config_dir


def _cast_tv(hass: HomeAssistant, mac: str = TV_MAC) -> dr.DeviceEntry:
    cast = MockConfigEntry(domain="cast")
    cast.add_to_hass(hass)
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=cast.entry_id,
        connections={(MAC, mac)},
        identifiers={("cast", f"uuid-{mac}")},
        name="Living room TV",
    )


def _own_device(hass: HomeAssistant, entry: MockConfigEntry, mac: str) -> dr.DeviceEntry | None:
    return dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, mac), entry.entry_id
    )


def _our_entities(hass: HomeAssistant, entry: MockConfigEntry, mac: str) -> list[er.RegistryEntry]:
    return [
        e
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if mac_of_unique_id(entry, e.unique_id) == mac
    ]


async def test_a_later_cast_device_takes_our_entities_and_old_automations_keep_working(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(dt_util.now().replace(hour=12, minute=0, second=0, microsecond=0))
    own = _own_device(hass, setup_entry, TV_MAC)
    assert own is not None
    living_room = ar.async_get(hass).async_create("Living room")
    dr.async_get(hass).async_update_device(own.id, area_id=living_room.id)
    # The user made the night automation with our device, before installing Cast.
    await setup_night_automation(hass, [own.id])

    tv = _cast_tv(hass)
    await hass.async_block_till_done()
    ours = _our_entities(hass, setup_entry, TV_MAC)
    assert len(ours) == 10
    assert {e.device_id for e in ours} == {tv.id}
    assert {e.area_id for e in ours} == {living_room.id}
    assert _own_device(hass, setup_entry, TV_MAC) is None
    # One device for the TV, not two.
    assert dr.async_get(hass).async_get_devices(connections={(MAC, TV_MAC)}) == [tv]
    switch = entity_id(hass, setup_entry, TV_MAC, "block_internet")
    assert hass.states.get(switch) is not None

    # The automation still names the removed device: it reaches the TV.
    await at_local_time(hass, freezer, 23, 0)
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == {TV_MAC}
    assert hass.states.get(switch).state == STATE_ON
    # So does the TV's device now.
    await hass.services.async_call(
        DOMAIN, "unblock", {"device_id": tv.id, "what": "internet"}, blocking=True
    )
    assert patch_backend.table["internet"] == frozenset()

    # A restart makes no second device.
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert dr.async_get(hass).async_get_devices(connections={(MAC, TV_MAC)}) == [tv]
    assert {e.device_id for e in _our_entities(hass, setup_entry, TV_MAC)} == {tv.id}
    assert _own_device(hass, setup_entry, SPEAKER_MAC) is not None


async def test_device_made_while_we_were_not_running_is_adopted_at_setup(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    own = _own_device(hass, setup_entry, TV_MAC)
    assert own is not None
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    tv = _cast_tv(hass)
    await hass.async_block_till_done()
    # Not running: nothing moved yet.
    assert _own_device(hass, setup_entry, TV_MAC) is not None

    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert _own_device(hass, setup_entry, TV_MAC) is None
    assert dr.async_get(hass).async_get_devices(connections={(MAC, TV_MAC)}) == [tv]
    assert {e.device_id for e in _our_entities(hass, setup_entry, TV_MAC)} == {tv.id}
    await hass.services.async_call(DOMAIN, "block", {"device_id": own.id}, blocking=True)
    assert setup_entry.runtime_data.coordinator.blocks.policies[TV_MAC].block_trackers


async def test_a_mac_added_to_an_existing_device_later_is_adopted(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain="sonos")
    other.add_to_hass(hass)
    registry = dr.async_get(hass)
    speaker = registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("sonos", "RINCON_1")}, name="Kitchen"
    )
    await hass.async_block_till_done()
    assert _own_device(hass, setup_entry, SPEAKER_MAC) is not None
    registry.async_update_device(speaker.id, new_connections={(MAC, SPEAKER_MAC)})
    await hass.async_block_till_done()
    assert _own_device(hass, setup_entry, SPEAKER_MAC) is None
    assert {e.device_id for e in _our_entities(hass, setup_entry, SPEAKER_MAC)} == {speaker.id}


async def test_disabled_or_snoop_guard_devices_are_not_joined(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    registry = dr.async_get(hass)
    cast = MockConfigEntry(domain="cast")
    cast.add_to_hass(hass)
    registry.async_get_or_create(
        config_entry_id=cast.entry_id,
        connections={(MAC, TV_MAC)},
        identifiers={("cast", "off")},
        disabled_by=dr.DeviceEntryDisabler.USER,
    )
    second_router = MockConfigEntry(domain=DOMAIN, unique_id="other-router")
    second_router.add_to_hass(hass)
    registry.async_get_or_create(
        config_entry_id=second_router.entry_id,
        connections={(MAC, SPEAKER_MAC)},
        identifiers={(DOMAIN, "other")},
    )
    await hass.async_block_till_done()
    assert _own_device(hass, setup_entry, TV_MAC) is not None
    assert _own_device(hass, setup_entry, SPEAKER_MAC) is not None


async def test_scan_event_names_the_device_our_entities_are_on(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: Callable[..., str],
) -> None:
    """The README's automation: a scan event's device_id goes straight into the action."""
    tv = _cast_tv(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "id": "scan",
                    "triggers": [
                        {
                            "trigger": "event",
                            "event_type": "snoop_guard_scan_detected",
                            "event_data": {"kind": "lan_scan"},
                        }
                    ],
                    "actions": [
                        {
                            "action": "snoop_guard.block",
                            "data": {
                                "device_id": "{{ trigger.event.data.device_id }}",
                                "what": "internet",
                            },
                        }
                    ],
                }
            ]
        },
    )
    events = async_capture_events(hass, "snoop_guard_scan_detected")
    for host in range(10, 22):
        patch_backend.log(log_line(TV_IP, f"{host}.5.18.198.in-addr.arpa", "PTR"))
    await hass.async_block_till_done()
    assert events[0].data["device_id"] == tv.id
    # The stream is a background task; the automation it triggered runs after it.
    await hass.async_block_till_done()
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == {TV_MAC}


async def test_foreign_device_without_our_entities_but_a_watched_mac(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    """A second device for the TV (say webOS next to Cast) still resolves by its MAC."""
    tv = _cast_tv(hass)
    await hass.async_block_till_done()
    webos = MockConfigEntry(domain="webostv")
    webos.add_to_hass(hass)
    second = dr.async_get(hass).async_get_or_create(
        config_entry_id=webos.entry_id,
        connections={(MAC, TV_MAC)},
        identifiers={("webostv", "tv")},
    )
    await hass.async_block_till_done()
    # Our entities stay on the older device; the newer one still works as a target.
    assert {e.device_id for e in _our_entities(hass, setup_entry, TV_MAC)} == {tv.id}
    await hass.services.async_call(
        DOMAIN, "block", {"device_id": second.id, "what": "internet"}, blocking=True
    )
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == {TV_MAC}

    # A device whose MAC Snoop Guard does not watch is still refused.
    laptop = dr.async_get(hass).async_get_or_create(
        config_entry_id=webos.entry_id,
        connections={(MAC, LAPTOP_MAC)},
        identifiers={("webostv", "laptop")},
    )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "block", {"device_id": laptop.id}, blocking=True)
    assert err.value.translation_key == "not_our_device"


async def test_hidden_entities_still_identify_the_device(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    tv = _cast_tv(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    for ent in _our_entities(hass, mock_entry, TV_MAC):
        registry.async_update_entity(ent.entity_id, hidden_by=er.RegistryEntryHider.USER)
    await hass.services.async_call(
        DOMAIN, "block", {"device_id": [tv.id], "what": "trackers"}, blocking=True
    )
    assert patch_backend.table is not None
    assert patch_backend.table["trackers"] == {TV_MAC}


async def test_removed_foreign_device_gives_our_entities_a_device_again(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    """Cast is removed: our entities get a device of their own; its old id still works."""
    tv = _cast_tv(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert _own_device(hass, mock_entry, TV_MAC) is None

    dr.async_get(hass).async_remove_device(tv.id)
    await hass.async_block_till_done()
    own = _own_device(hass, mock_entry, TV_MAC)
    assert own is not None
    assert own.name == "Skyworth-TV"
    ours = _our_entities(hass, mock_entry, TV_MAC)
    assert len(ours) == 10
    assert {e.device_id for e in ours} == {own.id}
    await hass.services.async_call(
        DOMAIN, "block", {"device_id": tv.id, "what": "internet"}, blocking=True
    )
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == {TV_MAC}

    # After a restart the same device is used, no second one.
    assert await hass.config_entries.async_reload(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert dr.async_get(hass).async_get_devices(connections={(MAC, TV_MAC)}) == [own]


async def test_removed_foreign_device_hands_over_to_another_integrations_device(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    tv = _cast_tv(hass)
    webos = MockConfigEntry(domain="webostv")
    webos.add_to_hass(hass)
    second = dr.async_get(hass).async_get_or_create(
        config_entry_id=webos.entry_id,
        connections={(MAC, TV_MAC)},
        identifiers={("webostv", "tv")},
    )
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert {e.device_id for e in _our_entities(hass, mock_entry, TV_MAC)} == {tv.id}

    dr.async_get(hass).async_remove_device(tv.id)
    await hass.async_block_till_done()
    assert {e.device_id for e in _our_entities(hass, mock_entry, TV_MAC)} == {second.id}
    assert _own_device(hass, mock_entry, TV_MAC) is None
