"""Entity and device identities survive reauth with a new host key, and old entries migrate."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.config_flow import SnoopGuardConfigFlow
from custom_components.snoop_guard.const import (
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
    CONF_LEASES_PATH,
    CONF_LOG_PATH,
    CONF_LOG_SOURCE,
    CONF_PRIVATE_KEY,
    CONF_ROUTER_ID,
    DOMAIN,
)
from custom_components.snoop_guard.device_owner import async_remove_device
from custom_components.snoop_guard.identity import (
    device_identifier,
    device_unique_id,
    mac_of_unique_id,
    router_unique_id,
)
from tests.fakes import FakeRouter

from .conftest import SPEAKER_MAC, TV_MAC


def _ids(hass: HomeAssistant, entry: ConfigEntry) -> tuple[set[str], set[str]]:
    """The entity ids and device ids of one entry."""
    entities = {
        e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    devices = {d.id for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)}
    return entities, devices


async def _reauth_with_new_host_key(hass: HomeAssistant, entry: ConfigEntry, new_key: str) -> None:
    with patch(
        "custom_components.snoop_guard.config_flow.async_fetch_host_key", return_value=new_key
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id},
            data=dict(entry.data),
        )
        assert result["step_id"] == "reauth_host_key"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {k: entry.data[k] for k in (CONF_PASSWORD, CONF_PRIVATE_KEY) if k in entry.data},
        )
        assert result["reason"] == "reauth_successful"
        await hass.async_block_till_done()
    assert entry.unique_id == host_key_fingerprint(new_key)
    assert entry.state is ConfigEntryState.LOADED


async def _automation(hass: HomeAssistant, event: str, action: str, data: dict[str, Any]) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "id": event,
                    "triggers": [{"trigger": "event", "event_type": event}],
                    "actions": [{"action": action, "data": data}],
                }
            ]
        },
    )


async def test_old_entry_migrates_and_keeps_its_ids_through_reauth(
    hass: HomeAssistant,
    entry_data: dict[str, object],
    patch_backend: FakeRouter,
    host_keys: tuple[str, str],
) -> None:
    """An entry of version 1.1 with entities, devices and an automation, then a new host key."""
    old_fp = host_key_fingerprint(host_keys[0])
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="router",
        data=entry_data,
        unique_id=old_fp,
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    # What Snoop Guard 1.1 registered: ids built from the host-key fingerprint, and an
    # entity id the user chose.
    dev_reg = dr.async_get(hass)
    tv = dev_reg.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"{old_fp}_{TV_MAC}")},
        connections={(dr.CONNECTION_NETWORK_MAC, TV_MAC)},
        name="Skyworth-TV",
    )
    router = dev_reg.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, old_fp)}, name="router"
    )
    internet = er.async_get(hass).async_get_or_create(
        "switch",
        DOMAIN,
        f"{old_fp}_{TV_MAC}_block_internet",
        config_entry=entry,
        device_id=tv.id,
        suggested_object_id="kids_tv_internet",
    )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert (entry.version, entry.minor_version) == (1, 2)
    assert entry.data[CONF_ROUTER_ID] == old_fp
    assert internet.entity_id == "switch.kids_tv_internet"
    assert hass.states.get("switch.kids_tv_internet") is not None
    assert er.async_get(hass).async_get(internet.entity_id).device_id == tv.id
    entities, devices = _ids(hass, entry)
    assert {tv.id, router.id} <= devices
    assert len(devices) == 3  # router, TV, speaker

    await _automation(hass, "night", "snoop_guard.block", {"device_id": tv.id, "what": "internet"})

    await _reauth_with_new_host_key(hass, entry, host_keys[1])
    assert entry.data[CONF_ROUTER_ID] == old_fp
    assert _ids(hass, entry) == (entities, devices)

    hass.bus.async_fire("night")
    await hass.async_block_till_done()
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == {TV_MAC}
    assert hass.states.get("switch.kids_tv_internet").state == STATE_ON

    # And after a restart, still nothing new.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert _ids(hass, entry) == (entities, devices)


async def test_new_entry_ids_do_not_depend_on_the_host_key(
    hass: HomeAssistant, patch_backend: FakeRouter, host_keys: tuple[str, str]
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ssh"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "198.18.5.1", CONF_PORT: 22, CONF_USERNAME: "root", CONF_PASSWORD: "pw"},
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_LOG_SOURCE: "file",
            CONF_LOG_PATH: "/var/log/dnsmasq.log",
            CONF_LEASES_PATH: "/var/lib/misc/dnsmasq.leases",
            CONF_DNSMASQ_CONF_DIR: "/etc/dnsmasq.d",
            CONF_DNSMASQ_RESTART: "systemctl restart dnsmasq",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    assert (entry.version, entry.minor_version) == (
        SnoopGuardConfigFlow.VERSION,
        SnoopGuardConfigFlow.MINOR_VERSION,
    )
    router_id = entry.data[CONF_ROUTER_ID]
    assert len(router_id) == 32
    assert router_id not in (entry.unique_id, entry.entry_id)
    registry = er.async_get(hass)
    internet = registry.async_get_entity_id(
        "switch", DOMAIN, f"{router_id}_{TV_MAC}_block_internet"
    )
    assert internet is not None
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{router_id}_tracker_rules")
    assert not any(
        str(entry.unique_id) in e.unique_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
    )
    entities, devices = _ids(hass, entry)

    await _reauth_with_new_host_key(hass, entry, host_keys[1])
    assert _ids(hass, entry) == (entities, devices)
    assert entry.data[CONF_ROUTER_ID] == router_id

    # Reconfigure (same host key, another address) keeps the router id too.
    with patch(
        "custom_components.snoop_guard.config_flow.async_fetch_host_key",
        return_value=host_keys[1],
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_HOST: "198.18.5.2", CONF_PORT: 22, CONF_USERNAME: "root", CONF_PASSWORD: "pw"},
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                k: entry.data[k]
                for k in (
                    CONF_LOG_SOURCE,
                    CONF_LOG_PATH,
                    CONF_LEASES_PATH,
                    CONF_DNSMASQ_CONF_DIR,
                    CONF_DNSMASQ_RESTART,
                )
            },
        )
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
    assert entry.data[CONF_HOST] == "198.18.5.2"
    assert entry.data[CONF_ROUTER_ID] == router_id
    assert _ids(hass, entry) == (entities, devices)


async def test_entry_from_a_newer_version_is_not_touched(
    hass: HomeAssistant, entry_data: dict[str, object], patch_backend: FakeRouter
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data, unique_id="fp", version=2)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert CONF_ROUTER_ID not in entry.data


async def test_stale_device_removal_uses_the_router_id(
    hass: HomeAssistant, setup_entry: MockConfigEntry, host_keys: tuple[str, str]
) -> None:
    """After reauth the stale-device cleanup still finds the device's entities."""
    await _reauth_with_new_host_key(hass, setup_entry, host_keys[1])
    async_remove_device(hass, setup_entry, SPEAKER_MAC)
    await hass.async_block_till_done()
    assert not any(
        mac_of_unique_id(setup_entry, e.unique_id) == SPEAKER_MAC
        for e in er.async_entries_for_config_entry(er.async_get(hass), setup_entry.entry_id)
    )
    assert (
        dr.async_get(hass).async_get_device_by_identifier(
            device_identifier(setup_entry, SPEAKER_MAC), setup_entry.entry_id
        )
        is None
    )
    assert any(
        mac_of_unique_id(setup_entry, e.unique_id) == TV_MAC
        for e in er.async_entries_for_config_entry(er.async_get(hass), setup_entry.entry_id)
    )


def test_unique_ids_round_trip(mock_entry: MockConfigEntry) -> None:
    entry = mock_entry
    uid = device_unique_id(entry, TV_MAC, "block_trackers")
    assert mac_of_unique_id(entry, uid) == TV_MAC
    assert mac_of_unique_id(entry, router_unique_id(entry, "tracker_rules")) is None
    assert mac_of_unique_id(entry, f"other_{TV_MAC}_block_trackers") is None
    assert mac_of_unique_id(entry, uid.replace(TV_MAC, TV_MAC.upper())) is None
    assert mac_of_unique_id(entry, uid[: -len("_block_trackers")]) is None
