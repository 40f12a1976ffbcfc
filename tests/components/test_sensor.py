"""Tracker contact sensors fed by the DNS log stream."""

from __future__ import annotations

from collections.abc import Callable

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.backends.base import RouterClient
from tests.fakes import FakeRouter

from .conftest import SPEAKER_MAC, TV_IP, TV_MAC
from .helpers import entity_id

LogLine = Callable[[str, str], str]


async def _feed(hass: HomeAssistant, router: FakeRouter, *lines: str) -> None:
    for line in lines:
        router.log(line)
    await hass.async_block_till_done()


async def test_tracker_lookup_increments_the_tv_sensor(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
) -> None:
    sensor = entity_id(hass, setup_entry, TV_MAC, "tracker_contacts")
    last = entity_id(hass, setup_entry, TV_MAC, "last_tracker")
    assert hass.states.get(sensor).state == "0"

    await _feed(hass, patch_backend, log_line(TV_IP, "api.gz-data.com"))
    state = hass.states.get(sensor)
    assert state.state == "1"
    assert state.attributes["companies"] == {"Gozen Data": 1}
    assert state.attributes["last_tracker"] == "api.gz-data.com"
    assert hass.states.get(last).state == "api.gz-data.com"
    assert hass.states.get(last).attributes["company"] == "Gozen Data"

    # A normal lookup and the AAAA twin of the same lookup do not count.
    await _feed(
        hass,
        patch_backend,
        log_line(TV_IP, "www.example.org"),
        log_line(TV_IP, "api.gz-data.com", "AAAA"),
    )
    assert hass.states.get(sensor).state == "1"

    speaker = entity_id(hass, setup_entry, SPEAKER_MAC, "tracker_contacts")
    assert hass.states.get(speaker).state == "0"


async def test_hostile_log_lines_are_data(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
) -> None:
    sensor = entity_id(hass, setup_entry, TV_MAC, "tracker_contacts")
    await _feed(
        hass,
        patch_backend,
        "garbage",
        "\x00\x01\x02",
        log_line(TV_IP, "$(reboot).gz-data.com"),
        log_line(TV_IP, "a;nft flush ruleset"),
        log_line(TV_IP, "x" * 1000),
        log_line(TV_IP, "ünïcödé.tv"),
    )
    assert hass.states.get(sensor).state == "0"
    await _feed(hass, patch_backend, log_line(TV_IP, "samba.tv"))
    assert hass.states.get(sensor).state == "1"
    assert hass.states.get(sensor).attributes["companies"] == {"Samba TV": 1}


async def test_unknown_client_is_attributed_after_the_next_listing(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
    freezer: FrozenDateTimeFactory,
) -> None:
    new_mac, new_ip = "00:0e:58:00:00:01", "198.18.5.160"
    patch_backend.clients.append(RouterClient(mac=new_mac, ips=(new_ip,), hostname="sonos-bath"))
    await _feed(hass, patch_backend, log_line(new_ip, "device-metrics-us.amazon.com"))
    freezer.tick(15)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    sensor = entity_id(hass, setup_entry, new_mac, "tracker_contacts")
    assert hass.states.get(sensor).state == "1"


async def test_stream_reconnects_without_duplicates(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
    freezer: FrozenDateTimeFactory,
) -> None:
    sensor = entity_id(hass, setup_entry, TV_MAC, "tracker_contacts")
    first = log_line(TV_IP, "gz-data.com")
    await _feed(hass, patch_backend, first)
    patch_backend.drop_stream()
    await hass.async_block_till_done()
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    # After reconnecting the backlog replays the line already counted.
    await _feed(hass, patch_backend, first, log_line(TV_IP, "alphonso.tv"))
    assert hass.states.get(sensor).state == "2"
    assert hass.states.get(sensor).attributes["companies"] == {
        "Gozen Data": 1,
        "Alphonso (LG Ad Solutions)": 1,
    }


async def test_counters_survive_a_reload(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
) -> None:
    sensor = entity_id(hass, setup_entry, TV_MAC, "tracker_contacts")
    await _feed(hass, patch_backend, log_line(TV_IP, "gz-data.com"))
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "1"
