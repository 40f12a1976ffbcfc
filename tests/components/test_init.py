"""Setup, unload, removal and error handling of a config entry."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard import async_remove_config_entry_device
from custom_components.snoop_guard.backends.base import (
    BackendAuthError,
    BackendConnectionError,
    HostKeyMismatchError,
)
from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.engine.discovery import MdnsRecord
from tests.fakes import FakeRouter

from .conftest import LAPTOP_MAC, SPEAKER_IP, SPEAKER_MAC, TV_MAC


async def test_setup_creates_entities_for_media_devices_only(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    assert setup_entry.state is ConfigEntryState.LOADED
    registry = er.async_get(hass)
    unique_ids = {
        e.unique_id for e in er.async_entries_for_config_entry(registry, setup_entry.entry_id)
    }
    for mac in (TV_MAC, SPEAKER_MAC):
        for key in ("tracker_contacts", "last_tracker", "block_trackers", "block_internet"):
            assert f"{setup_entry.unique_id}_{mac}_{key}" in unique_ids
    assert not any(LAPTOP_MAC in uid for uid in unique_ids)

    device = dr.async_get(hass).async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, TV_MAC), setup_entry.entry_id
    )
    assert device is not None
    assert device.name == "Skyworth-TV"


async def test_first_refresh_installs_table_and_snippet(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    assert patch_backend.table == {"trackers": frozenset(), "internet": frozenset()}
    assert patch_backend.snippet_domains
    assert "gz-data.com" in patch_backend.snippet_domains


async def test_unload_closes_the_connection(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    closed_before = patch_backend.closed
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert setup_entry.state is ConfigEntryState.NOT_LOADED
    assert patch_backend.closed > closed_before
    # Unloading is not removing: the router keeps enforcing.
    assert patch_backend.table is not None


async def test_remove_entry_cleans_the_router(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    assert await hass.config_entries.async_remove(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert patch_backend.table is None
    assert patch_backend.snippet_domains is None


async def test_auth_failure_starts_reauth(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    patch_backend.fail_with = BackendAuthError("denied")
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]


async def test_host_key_mismatch_starts_reauth(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    patch_backend.fail_with = HostKeyMismatchError("ssh-ed25519 AAAA")
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.state is ConfigEntryState.SETUP_ERROR
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_unreachable_router_retries(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    patch_backend.fail_with = BackendConnectionError("no route")
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    assert mock_entry.state is ConfigEntryState.SETUP_RETRY


async def test_device_with_active_block_cannot_be_deleted(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    coordinator = setup_entry.runtime_data.coordinator
    await coordinator.async_set_block(TV_MAC, trackers=True)
    registry = dr.async_get(hass)
    tv = registry.async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, TV_MAC), setup_entry.entry_id
    )
    speaker = registry.async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, SPEAKER_MAC), setup_entry.entry_id
    )
    assert tv is not None
    assert speaker is not None
    before = coordinator.data
    assert not await async_remove_config_entry_device(hass, setup_entry, tv)
    assert await async_remove_config_entry_device(hass, setup_entry, speaker)
    # A new snapshot without the speaker; the one entities may still hold is unchanged.
    assert SPEAKER_MAC not in coordinator.data.devices
    assert TV_MAC in coordinator.data.devices
    assert SPEAKER_MAC in before.devices
    assert SPEAKER_MAC not in coordinator.blocks.policies


async def test_snapshots_are_never_changed_in_place(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    coordinator = setup_entry.runtime_data.coordinator
    snapshot = coordinator.data
    with pytest.raises(TypeError):
        snapshot.devices[SPEAKER_MAC] = snapshot.devices[TV_MAC]  # type: ignore[index]
    with pytest.raises(TypeError):
        snapshot.ip_to_mac["198.18.0.1"] = TV_MAC  # type: ignore[index]
    # A discovery that reclassifies the speaker swaps in a new snapshot.
    coordinator.async_discovered(
        MdnsRecord(
            mac=SPEAKER_MAC,
            ip=SPEAKER_IP,
            service_type="_googlecast._tcp.local.",
            name="Living room TV",
            properties={"md": "Chromecast Ultra"},
        )
    )
    assert coordinator.data is not snapshot
    assert coordinator.data.devices[SPEAKER_MAC] != snapshot.devices[SPEAKER_MAC]
