"""End to end on real parts: lab TV -> dnsmasq log -> sensor; switch -> nftables -> dropped."""

from __future__ import annotations

import asyncio
import json

import pytest
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.const import CONF_KINDS, DOMAIN, RECONCILE_INTERVAL
from lab.netlab import Lab

from .conftest import entry_data_for, router_nft, wait_for

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


def _read(conf_dir: str) -> str:
    with open(f"{conf_dir}/snoop-guard.conf", encoding="utf-8") as handle:
        return handle.read()


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


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
    await wait_for(
        lambda: hass.states.get(sensor).attributes["last_tracker"] == "gz-data.com", within=2
    )
    state = hass.states.get(sensor)
    assert int(state.state) >= before + 1
    assert "Gozen Data" in state.attributes["companies"]
    last = _entity(hass, lab_entry, tv.mac, "last_tracker")
    assert hass.states.get(last).state == "gz-data.com"


async def test_history_from_before_setup_is_not_counted(
    hass: HomeAssistant, lab: Lab, lab_sockets: None
) -> None:
    # The log has one-second resolution: keep the old lookup out of setup's second.
    await _tv_resolves(hass, lab, "gozendata.com")
    await asyncio.sleep(1.1)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=entry_data_for(lab.info),
        unique_id=host_key_fingerprint(lab.info.ssh_host_key),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.dns.cursor.newest is not None
    sensor = _entity(hass, entry, _device(lab, "tv").mac, "tracker_contacts")
    await _tv_resolves(hass, lab, "samba.tv")
    await wait_for(
        lambda: hass.states.get(sensor).attributes["last_tracker"] == "samba.tv", within=2
    )
    assert hass.states.get(sensor).attributes["companies"] == {"Samba TV": 1}
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()


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


async def test_samsung_like_tv_keeps_streaming_when_its_trackers_are_blocked(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    # 8c:79:f5 is a Samsung Electronics OUI; the host name makes it a TV.
    samsung = lab.add_client("samsung", "8c:79:f5:12:34:56", "Samsung-TV")
    await lab_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    sensor = _entity(hass, lab_entry, samsung.mac, "tracker_contacts")
    block = _entity(hass, lab_entry, samsung.mac, "block_trackers")

    ads = await hass.async_add_executor_job(lab.resolve, "samsung", "samsungads.com")
    await wait_for(
        lambda: hass.states.get(sensor).attributes["last_tracker"] == "samsungads.com", within=2
    )
    assert "Samsung" in hass.states.get(sensor).attributes["last_company"]
    streaming = await hass.async_add_executor_job(lab.resolve, "samsung", "nflxvideo.net")
    await _switch(hass, SERVICE_TURN_ON, block)

    assert not await hass.async_add_executor_job(lab.http_get, "samsung", ads[0])
    assert await hass.async_add_executor_job(lab.http_get, "samsung", streaming[0])
    # The functional allow-list keeps the TV's time service out of dnsmasq's tracker sets.
    snippet = await hass.async_add_executor_job(_read, lab.info.dnsmasq_conf_dir)
    assert "/samsungads.com/" in snippet
    assert "/time.samsungcloudsolution.com/4#inet#snoop_guard#allowed4," in snippet
    assert "/samsungcloudsolution.com/" not in snippet
    assert "/acr0.samsungcloudsolution.com/" in snippet


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
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    tv = _device(lab, "tv")
    tracker_ip = lab.info.wan["trackers"]["gz-data.com"]
    block = _entity(hass, lab_entry, tv.mac, "block_trackers")
    await _switch(hass, SERVICE_TURN_ON, block)

    coordinator = lab_entry.runtime_data.coordinator
    reapplied_before = coordinator.reapply_count
    router_nft(lab, ["delete", "table", "inet", "snoop_guard"])
    await _tv_resolves(hass, lab, "gz-data.com")
    assert await _tv_reaches(hass, lab, tracker_ip)

    # The next reconciliation (every 30 s) finds the table gone and puts it back. The
    # scheduled refresh is fired without freezing time: real SSH timeouts keep running.
    async_fire_time_changed(hass, dt_util.utcnow() + RECONCILE_INTERVAL)
    await wait_for(lambda: coordinator.reapply_count > reapplied_before, within=10)
    await hass.async_block_till_done()
    listing = json.loads(
        router_nft(lab, ["-j", "list", "set", "inet", "snoop_guard", "bt_mac"]).stdout
    )
    elems = next(i["set"] for i in listing["nftables"] if "set" in i).get("elem", [])
    assert tv.mac in elems
    await _tv_resolves(hass, lab, "gz-data.com")
    assert not await _tv_reaches(hass, lab, tracker_ip)


async def test_reload_keeps_blocks_and_counters(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    tv = _device(lab, "tv")
    sensor = _entity(hass, lab_entry, tv.mac, "tracker_contacts")
    block = _entity(hass, lab_entry, tv.mac, "block_trackers")
    await _tv_resolves(hass, lab, "samba.tv")
    await wait_for(lambda: "Samba TV" in hass.states.get(sensor).attributes["companies"], within=2)
    await _switch(hass, SERVICE_TURN_ON, block)
    counted = hass.states.get(sensor).state

    assert await hass.config_entries.async_reload(lab_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(block).state == STATE_ON
    assert hass.states.get(sensor).state == counted
    tracker_ip = lab.info.wan["trackers"]["samba.tv"]
    assert not await _tv_reaches(hass, lab, tracker_ip)
    # The stream resumes from the stored cursor: nothing is counted twice.
    await _tv_resolves(hass, lab, "alphonso.tv")
    await wait_for(lambda: int(hass.states.get(sensor).state) == int(counted) + 1, within=2)


async def test_hostile_names_are_data(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    hostile = lab.add_client("hostile", "02:00:5e:10:00:99", "a;nft flush ruleset $(reboot)")
    # dnsmasq drops illegal DHCP host names itself; other DHCP servers do not, so put
    # one in the lease file the way such a server would.
    hostile_name = "$(reboot);nft`flush`ruleset|sh\u202e"
    line = f"4102444800 {hostile.mac} {hostile.ip} {hostile_name} *\n"
    await hass.async_add_executor_job(_append, lab.info.dhcp_leases, line)
    # Watch every client, so the hostile one gets a device named after its host name.
    hass.config_entries.async_update_entry(
        lab_entry, options={**lab_entry.options, CONF_KINDS: ["tv", "streamer", "speaker", "other"]}
    )
    assert await hass.config_entries.async_reload(lab_entry.entry_id)
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_connection(
        (dr.CONNECTION_NETWORK_MAC, hostile.mac), lab_entry.entry_id
    )
    assert device is not None
    # Shown as data; only the invisible bidi override is stripped.
    assert device.name == "$(reboot);nft`flush`ruleset|sh"

    tv = _device(lab, "tv")
    sensor = _entity(hass, lab_entry, tv.mac, "tracker_contacts")
    for name in (b"$(reboot)", b"a;nft flush ruleset", b"line\nbreak.gz-data.com", b"x" * 63):
        await _tv_resolves(hass, lab, name)
    await _tv_resolves(hass, lab, "ünïcödé.gz-data.com".encode())
    await _tv_resolves(hass, lab, "alphonso.tv")
    await wait_for(
        lambda: hass.states.get(sensor).attributes["last_tracker"] == "alphonso.tv", within=2
    )

    # Blocking the hostile client and the TV still yields an intact, in-sync table.
    for mac in (tv.mac, hostile.mac):
        await _switch(hass, SERVICE_TURN_ON, _entity(hass, lab_entry, mac, "block_trackers"))
    assert router_nft(lab, ["list", "table", "inet", "snoop_guard"]).returncode == 0
    coordinator = lab_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    assert coordinator.data.enforced is not None
    assert coordinator.data.enforced.in_sync
    assert coordinator.data.enforced.block_trackers == {tv.mac, hostile.mac}
    # The router's own tables survived: nothing was executed.
    assert "table inet snoop_guard" in router_nft(lab, ["list", "tables"]).stdout
