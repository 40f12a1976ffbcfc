"""Devices found by discovery: classification, dynamic entities, joining, exclusion, staleness."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.backends.base import RouterClient
from custom_components.snoop_guard.const import CONF_EXCLUDE, CONF_STALE_DAYS
from custom_components.snoop_guard.engine.discovery import MdnsRecord
from custom_components.snoop_guard.watchers import DiscoveryWatchers, ssdp_record
from tests.fakes import FakeRouter

from .conftest import SPEAKER_MAC, TV_MAC
from .helpers import entity_id

SAMSUNG_MAC = "8c:79:f5:aa:bb:01"
SAMSUNG_IP = "198.18.5.170"


def _samsung_ssdp() -> SsdpServiceInfo:
    return SsdpServiceInfo(
        ssdp_usn="uuid:0ee3e9c1-0000-0000-0000-8c79f5aabb01::urn:samsung.com:device:RemoteControlReceiver:1",
        ssdp_st="urn:samsung.com:device:RemoteControlReceiver:1",
        ssdp_location=f"http://{SAMSUNG_IP}:7676/smp_15_",
        ssdp_server="SHP, UPnP/1.0, Samsung UPnP SDK/1.0",
        upnp={
            "deviceType": "urn:samsung.com:device:RemoteControlReceiver:1",
            "friendlyName": "[TV] Samsung Q70 Series (55)",
            "manufacturer": "Samsung Electronics",
            "modelName": "QE55Q70TATXXU",
        },
    )


async def test_ssdp_announcement_adds_a_tv_without_reload(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    coordinator = setup_entry.runtime_data.coordinator
    # The router knows the address (no host name), SSDP tells what it is.
    patch_backend.clients.append(RouterClient(mac=SAMSUNG_MAC, ips=(SAMSUNG_IP,)))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    watchers = DiscoveryWatchers(hass, coordinator.async_discovered)
    watchers._on_ssdp(_samsung_ssdp(), "ALIVE")
    await hass.async_block_till_done()

    state = hass.states.get(entity_id(hass, setup_entry, SAMSUNG_MAC, "tracker_contacts"))
    assert state.attributes["kind"] == "tv"
    assert state.attributes["vendor"] == "Samsung"
    assert any(
        "urn:samsung.com:device:RemoteControlReceiver" in e for e in state.attributes["evidence"]
    )
    assert entity_id(hass, setup_entry, SAMSUNG_MAC, "block_trackers")
    # Restart: the inventory is stored, nothing duplicates.
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    ours = [
        e
        for e in er.async_entries_for_config_entry(er.async_get(hass), setup_entry.entry_id)
        if SAMSUNG_MAC in e.unique_id
    ]
    assert len(ours) == 10


async def test_entities_join_the_device_another_integration_made(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    cast = MockConfigEntry(domain="cast")
    cast.add_to_hass(hass)
    registry = dr.async_get(hass)
    tv = registry.async_get_or_create(
        config_entry_id=cast.entry_id,
        connections={(dr.CONNECTION_NETWORK_MAC, TV_MAC)},
        identifiers={("cast", "tv-uuid")},
        name="Living room TV",
    )
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    entry = er.async_get(hass).async_get(entity_id(hass, mock_entry, TV_MAC, "block_trackers"))
    assert entry is not None
    assert entry.device_id == tv.id
    # No second device for the same TV.
    assert (
        registry.async_get_device_by_connection(
            (dr.CONNECTION_NETWORK_MAC, TV_MAC), mock_entry.entry_id
        )
        is None
    )


async def test_excluded_device_gets_no_entities(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    hass.config_entries.async_update_entry(mock_entry, options={CONF_EXCLUDE: [SPEAKER_MAC]})
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    unique_ids = {
        e.unique_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), mock_entry.entry_id)
    }
    assert not any(SPEAKER_MAC in uid for uid in unique_ids)
    assert any(TV_MAC in uid for uid in unique_ids)


async def test_stale_devices_are_removed_but_blocked_ones_stay(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.config_entries.async_update_entry(mock_entry, options={CONF_STALE_DAYS: 3})
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = mock_entry.runtime_data.coordinator
    await coordinator.async_set_block(TV_MAC, trackers=True)
    # Both leave the network for good.
    patch_backend.clients = [c for c in patch_backend.clients if c.mac not in (TV_MAC, SPEAKER_MAC)]
    freezer.tick(timedelta(days=3, minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    unique_ids = {
        e.unique_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), mock_entry.entry_id)
    }
    assert not any(SPEAKER_MAC in uid for uid in unique_ids)
    assert any(TV_MAC in uid for uid in unique_ids)
    assert (
        dr.async_get(hass).async_get_device_by_identifier(
            ("snoop_guard", f"{mock_entry.unique_id}_{SPEAKER_MAC}"), mock_entry.entry_id
        )
        is None
    )


async def test_hostile_announcement_is_data(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    coordinator = setup_entry.runtime_data.coordinator
    record = MdnsRecord(
        service_type="_googlecast._tcp.local.",
        name="x" * 10_000 + "\x00\n$(reboot)._googlecast._tcp.local.",
        addresses=("198.18.5.150",),
        properties={f"k{i}": "v" * 100_000 for i in range(1000)},
    )
    coordinator.async_discovered(record)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id(hass, setup_entry, TV_MAC, "tracker_contacts"))


def test_ssdp_record_conversion() -> None:
    record = ssdp_record(_samsung_ssdp())
    assert record.manufacturer == "Samsung Electronics"
    assert record.ip == SAMSUNG_IP
