"""End to end on real parts: lab TV -> dnsmasq log -> sensor; switch -> nftables -> dropped."""

from __future__ import annotations

import json

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from lab.netlab import Lab

from .conftest import router_nft, wait_for

pytestmark = pytest.mark.lab


def _entity(hass: HomeAssistant, entry: MockConfigEntry, mac: str, key: str) -> str:
    platform = "switch" if key.startswith("block_") else "sensor"
    found = er.async_get(hass).async_get_entity_id(
        platform, "snoop_guard", f"{entry.unique_id}_{mac}_{key}"
    )
    assert found is not None, f"no {key} entity for {mac}"
    return found


def _device(lab: Lab, name: str):  # type: ignore[no-untyped-def]
    return next(d for d in lab.info.devices if d.name == name)


async def _switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def _tv_reaches(hass: HomeAssistant, lab: Lab, ip: str) -> bool:
    return await hass.async_add_executor_job(lab.http_get, "tv", ip)


async def _tv_resolves(hass: HomeAssistant, lab: Lab, name: str | bytes) -> list[str]:
    return await hass.async_add_executor_job(lab.resolve, "tv", name)


async def test_tracker_lookup_is_counted_within_two_seconds(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    tv = _device(lab, "tv")
    sensor = _entity(hass, lab_entry, tv.mac, "tracker_contacts")
    before = int(hass.states.get(sensor).state)
    assert await _tv_resolves(hass, lab, "gz-data.com") == [lab.info.wan["trackers"]["gz-data.com"]]
    await wait_for(lambda: int(hass.states.get(sensor).state) == before + 1, within=2)
    state = hass.states.get(sensor)
    assert state.attributes["last_tracker"] == "gz-data.com"
    assert "Gozen Data" in state.attributes["companies"]
    last = _entity(hass, lab_entry, tv.mac, "last_tracker")
    assert hass.states.get(last).state == "gz-data.com"


async def test_block_trackers_drops_tracker_traffic_but_not_streaming(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    tv = _device(lab, "tv")
    tracker_ip = lab.info.wan["trackers"]["gz-data.com"]
    streaming_ip = lab.info.wan["streaming"]["nflxvideo.net"]
    # The TV resolves through the router, so dnsmasq puts the address in our set.
    await _tv_resolves(hass, lab, "gz-data.com")
    await _tv_resolves(hass, lab, "nflxvideo.net")
    assert await _tv_reaches(hass, lab, tracker_ip)

    block = _entity(hass, lab_entry, tv.mac, "block_trackers")
    await _switch(hass, SERVICE_TURN_ON, block)
    assert hass.states.get(block).state == STATE_ON
    assert not await _tv_reaches(hass, lab, tracker_ip)
    assert await _tv_reaches(hass, lab, streaming_ip)
    # The speaker is not blocked.
    assert await hass.async_add_executor_job(lab.http_get, "speaker", tracker_ip)

    await _switch(hass, SERVICE_TURN_OFF, block)
    assert await _tv_reaches(hass, lab, tracker_ip)


async def test_block_internet_keeps_the_lan(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    tv = _device(lab, "tv")
    speaker = _device(lab, "speaker")
    streaming_ip = lab.info.wan["streaming"]["nflxvideo.net"]
    block = _entity(hass, lab_entry, tv.mac, "block_internet")
    await _switch(hass, SERVICE_TURN_ON, block)
    assert not await _tv_reaches(hass, lab, streaming_ip)
    assert await _tv_reaches(hass, lab, speaker.ip)
    await _switch(hass, SERVICE_TURN_OFF, block)
    assert await _tv_reaches(hass, lab, streaming_ip)


async def test_flushed_table_is_reapplied(
    hass: HomeAssistant,
    lab: Lab,
    lab_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    tv = _device(lab, "tv")
    tracker_ip = lab.info.wan["trackers"]["gz-data.com"]
    block = _entity(hass, lab_entry, tv.mac, "block_trackers")
    await _switch(hass, SERVICE_TURN_ON, block)

    router_nft(lab, ["delete", "table", "inet", "snoop_guard"])
    await _tv_resolves(hass, lab, "gz-data.com")
    assert await _tv_reaches(hass, lab, tracker_ip)

    # The next reconciliation (every 30 s) finds the table gone and puts it back.
    freezer.tick(30)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    listing = json.loads(
        router_nft(lab, ["-j", "list", "set", "inet", "snoop_guard", "bt_mac"]).stdout
    )
    elems = next(i["set"] for i in listing["nftables"] if "set" in i).get("elem", [])
    assert tv.mac in elems
    await _tv_resolves(hass, lab, "gz-data.com")
    assert not await _tv_reaches(hass, lab, tracker_ip)
    assert lab_entry.runtime_data.reapply_count >= 1


async def test_reload_keeps_blocks_and_counters(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    tv = _device(lab, "tv")
    sensor = _entity(hass, lab_entry, tv.mac, "tracker_contacts")
    block = _entity(hass, lab_entry, tv.mac, "block_trackers")
    before = int(hass.states.get(sensor).state)
    await _tv_resolves(hass, lab, "samba.tv")
    await wait_for(lambda: int(hass.states.get(sensor).state) == before + 1, within=2)
    await _switch(hass, SERVICE_TURN_ON, block)

    assert await hass.config_entries.async_reload(lab_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(block).state == STATE_ON
    assert int(hass.states.get(sensor).state) == before + 1
    tracker_ip = lab.info.wan["trackers"]["samba.tv"]
    assert not await _tv_reaches(hass, lab, tracker_ip)


async def test_hostile_names_are_data(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    hostile = lab.add_client("hostile", "02:00:5e:10:00:99", "a;nft flush ruleset")
    tv = _device(lab, "tv")
    sensor = _entity(hass, lab_entry, tv.mac, "tracker_contacts")
    before = int(hass.states.get(sensor).state)
    for name in (b"$(reboot)", b"a;nft flush ruleset", b"line\nbreak.gz-data.com", b"x" * 60):
        await _tv_resolves(hass, lab, name)
    await _tv_resolves(hass, lab, "ünïcödé.gz-data.com".encode())
    await _tv_resolves(hass, lab, "alphonso.tv")
    await wait_for(lambda: int(hass.states.get(sensor).state) >= before + 1, within=2)

    block = _entity(hass, lab_entry, tv.mac, "block_trackers")
    await _switch(hass, SERVICE_TURN_ON, block)
    # Our table is intact and the router still has its ruleset.
    assert router_nft(lab, ["list", "table", "inet", "snoop_guard"]).returncode == 0
    coordinator = lab_entry.runtime_data
    await coordinator.async_refresh()
    assert coordinator.data.enforced is not None
    assert coordinator.data.enforced.in_sync
    assert hostile.mac not in coordinator.data.enforced.block_trackers
