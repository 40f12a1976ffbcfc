"""Tracker contact sensors fed by the DNS log stream."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.db_schema import StateAttributes
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.backends.base import RouterClient
from custom_components.snoop_guard.const import DOMAIN
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


def _recorded(state: State) -> dict[str, Any]:
    """The attributes the recorder stores for ``state`` (its own helper decides)."""
    event = Event(
        EVENT_STATE_CHANGED,
        {"entity_id": state.entity_id, "old_state": None, "new_state": state},
    )
    return json.loads(StateAttributes.shared_attrs_bytes_from_event(event, None))


async def test_large_and_changing_attributes_stay_out_of_the_recorder(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
) -> None:
    ptr = [log_line(TV_IP, f"{n}.5.18.198.in-addr.arpa", "PTR") for n in range(10, 22)]
    await _feed(hass, patch_backend, log_line(TV_IP, "api.gz-data.com"), *ptr)
    registry = er.async_get(hass)

    contacts = hass.states.get(entity_id(hass, setup_entry, TV_MAC, "tracker_contacts"))
    assert {"companies", "evidence", "last_tracker"} <= set(contacts.attributes)
    recorded = _recorded(contacts)
    assert not {"companies", "evidence", "last_tracker", "last_company"} & set(recorded)
    assert recorded["kind"] == "tv"
    assert recorded["state_class"] == "measurement"

    last = hass.states.get(entity_id(hass, setup_entry, TV_MAC, "last_tracker"))
    assert "seen" in last.attributes
    assert _recorded(last) == {
        "company": "Gozen Data",
        "category": last.attributes["category"],
        "friendly_name": last.attributes["friendly_name"],
    }

    rules = hass.states.get(
        registry.async_get_entity_id("sensor", DOMAIN, f"{setup_entry.unique_id}_tracker_rules")
    )
    assert "bundled" in rules.attributes
    # The whole rules summary is left out; what says how to read the state stays.
    assert set(_recorded(rules)) <= {"friendly_name", "state_class", "unit_of_measurement"}

    lan = hass.states.get(
        registry.async_get_entity_id(
            "binary_sensor", DOMAIN, f"{setup_entry.unique_id}_{TV_MAC}_lan_scanning"
        )
    )
    assert lan.attributes["methods"]
    recorded = _recorded(lan)
    assert not {"methods", "signals"} & set(recorded)
    assert recorded["hosts_probed"] >= 5


async def test_hosts_probed_sensor_is_disabled_by_default(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """The LAN scanning sensor carries the same number; the sensor is there to enable."""
    entry = er.async_get(hass).async_get(entity_id(hass, setup_entry, TV_MAC, "hosts_probed"))
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(entry.entity_id) is None
