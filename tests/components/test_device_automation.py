"""Device triggers, conditions and actions: in the automation editor and in real automations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.engine.counters import Contact
from custom_components.snoop_guard.events import (
    EVENT_BLOCK_CHANGED,
    EVENT_NEW_TRACKER_COMPANY,
    NEW_COMPANY_EVENTS_PER_MINUTE,
)
from custom_components.snoop_guard.identity import device_identifier, device_unique_id
from tests.fakes import FakeRouter

from .conftest import TV_IP, TV_MAC

LogLine = Callable[..., str]
MAC = dr.CONNECTION_NETWORK_MAC
OUR_TRIGGERS = {"lan_scan", "wifi_scan", "upload_suspected", "new_tracker_company"}


def _own_tv(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, TV_MAC), entry.entry_id
    )
    assert device is not None
    return device


def _registry_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    """The entity registry id device automations refer to our entity by."""
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, device_unique_id(entry, TV_MAC, key)
    )
    assert entity_id is not None
    entity = er.async_get(hass).async_get(entity_id)
    assert entity is not None
    return entity.id


async def _ws(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, message: dict[str, Any]
) -> Any:
    assert await async_setup_component(hass, "device_automation", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(message)
    response = await client.receive_json()
    assert response["success"], response
    return response["result"]


async def _feed(hass: HomeAssistant, router: FakeRouter, lines: list[str]) -> None:
    for line in lines:
        router.log(line)
    await hass.async_block_till_done()
    # The automation run an event started is scheduled with call_soon: let it finish.
    await hass.async_block_till_done()


def _ptr_sweep(log_line: LogLine, count: int) -> list[str]:
    return [
        log_line(TV_IP, f"{host}.5.18.198.in-addr.arpa", "PTR") for host in range(10, 10 + count)
    ]


async def test_editor_offers_plain_words_on_a_device_we_own(
    hass: HomeAssistant, setup_entry: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    tv = _own_tv(hass, setup_entry)
    triggers = await _ws(
        hass, hass_ws_client, {"type": "device_automation/trigger/list", "device_id": tv.id}
    )
    ours = {t["type"] for t in triggers if t["domain"] == DOMAIN}
    assert ours == OUR_TRIGGERS
    assert all(t["device_id"] == tv.id and t["platform"] == "device" for t in triggers)

    conditions = await _ws(
        hass, hass_ws_client, {"type": "device_automation/condition/list", "device_id": tv.id}
    )
    assert {c["type"] for c in conditions if c["domain"] == DOMAIN} == {
        "trackers_blocked",
        "internet_blocked",
    }
    actions = await _ws(
        hass, hass_ws_client, {"type": "device_automation/action/list", "device_id": tv.id}
    )
    assert {a["type"] for a in actions if a["domain"] == DOMAIN} == {
        "block_trackers",
        "block_internet",
        "unblock",
    }

    block = {"domain": DOMAIN, "device_id": tv.id, "type": "block_internet"}
    capabilities = await _ws(
        hass, hass_ws_client, {"type": "device_automation/action/capabilities", "action": block}
    )
    assert capabilities["extra_fields"] == [
        {
            "name": "duration",
            "optional": True,
            "required": False,
            "type": "positive_time_period_dict",
        }
    ]
    unblock = block | {"type": "unblock"}
    capabilities = await _ws(
        hass, hass_ws_client, {"type": "device_automation/action/capabilities", "action": unblock}
    )
    assert capabilities == {"extra_fields": []}
    # Our triggers are events: nothing to ask.
    trigger = {"platform": "device", "domain": DOMAIN, "device_id": tv.id, "type": "lan_scan"}
    capabilities = await _ws(
        hass, hass_ws_client, {"type": "device_automation/trigger/capabilities", "trigger": trigger}
    )
    assert capabilities == {}


async def test_router_device_gets_no_lan_device_automations(
    hass: HomeAssistant, setup_entry: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    routers = [
        d
        for d in dr.async_entries_for_config_entry(dr.async_get(hass), setup_entry.entry_id)
        if not d.connections
    ]
    assert routers
    triggers = await _ws(
        hass, hass_ws_client, {"type": "device_automation/trigger/list", "device_id": routers[0].id}
    )
    assert not [t for t in triggers if t["domain"] == DOMAIN]


async def test_editor_on_a_device_cast_owns_reads_well_through_our_entities(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    hass_ws_client: WebSocketGenerator,
    log_line: LogLine,
) -> None:
    """Cast owns the TV: HA asks cast (nothing) and our entities' domains."""
    cast = MockConfigEntry(domain="cast")
    cast.add_to_hass(hass)
    tv = dr.async_get(hass).async_get_or_create(
        config_entry_id=cast.entry_id,
        connections={(MAC, TV_MAC)},
        identifiers={("cast", "living-room-tv")},
        name="Living room TV",
    )
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()

    triggers = await _ws(
        hass, hass_ws_client, {"type": "device_automation/trigger/list", "device_id": tv.id}
    )
    assert not [t for t in triggers if t["domain"] == DOMAIN]
    turned_on = {
        t["entity_id"]
        for t in triggers
        if t["domain"] == "binary_sensor" and t["type"] == "turned_on"
    }
    # No device class: "<TV> LAN scanning turned on", "<TV> Upload suspected turned on".
    assert turned_on == {
        _registry_id(hass, mock_entry, "binary_sensor", key)
        for key in ("lan_scanning", "wifi_scanning", "upload_suspected", "dns_bypass")
    }
    actions = await _ws(
        hass, hass_ws_client, {"type": "device_automation/action/list", "device_id": tv.id}
    )
    switch_actions = {(a["entity_id"], a["type"]) for a in actions if a["domain"] == "switch"}
    trackers = _registry_id(hass, mock_entry, "switch", "block_trackers")
    assert {(trackers, "turn_on"), (trackers, "turn_off")} <= switch_actions
    conditions = await _ws(
        hass, hass_ws_client, {"type": "device_automation/condition/list", "device_id": tv.id}
    )
    assert (trackers, "is_on") in {
        (c["entity_id"], c["type"]) for c in conditions if c["domain"] == "switch"
    }
    states = {
        key: hass.states.get(
            er.async_get(hass)
            .async_get(_registry_id(hass, mock_entry, "binary_sensor", key))
            .entity_id
        )
        for key in ("lan_scanning", "upload_suspected")
    }
    assert states["lan_scanning"].name == "Living room TV LAN scanning"
    assert states["upload_suspected"].name == "Living room TV Upload suspected"
    assert "device_class" not in states["upload_suspected"].attributes

    # The generic trigger the editor offered fires on a real scan.
    await _automation(
        hass,
        {
            "alias": "cast tv scans",
            "triggers": [
                {
                    "trigger": "device",
                    "domain": "binary_sensor",
                    "device_id": tv.id,
                    "entity_id": _registry_id(hass, mock_entry, "binary_sensor", "lan_scanning"),
                    "type": "turned_on",
                }
            ],
            "actions": [{"event": "cast_tv_scans"}],
        },
    )
    seen = async_capture_events(hass, "cast_tv_scans")
    await _feed(hass, patch_backend, _ptr_sweep(log_line, 12))
    assert len(seen) == 1


async def _automation(hass: HomeAssistant, config: dict[str, Any]) -> None:
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()


async def test_scan_and_upload_triggers_fire_and_the_upload_sensor_turns_on_then_off(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
    freezer: FrozenDateTimeFactory,
) -> None:
    tv = _own_tv(hass, setup_entry)
    await _automation(
        hass,
        {
            "alias": "tv scans",
            "mode": "queued",
            "triggers": [
                {"trigger": "device", "domain": DOMAIN, "device_id": tv.id, "type": kind}
                for kind in ("lan_scan", "upload_suspected")
            ],
            "actions": [
                {"event": "tv_seen", "event_data": {"what": "{{ trigger.event.data.kind }}"}}
            ],
        },
    )
    seen = async_capture_events(hass, "tv_seen")
    upload = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, device_unique_id(setup_entry, TV_MAC, "upload_suspected")
    )
    assert upload is not None
    assert hass.states.get(upload).state == "off"

    await _feed(hass, patch_backend, _ptr_sweep(log_line, 12))
    await _feed(hass, patch_backend, [log_line(TV_IP, "api.gz-data.com")])
    assert [e.data["what"] for e in seen] == ["lan_scan", "upload_suspected"]
    state = hass.states.get(upload)
    assert state.state == STATE_ON
    assert set(state.attributes) >= {"last_upload_suspected", "last_upload_domain"}
    assert state.attributes["last_upload_domain"] == "api.gz-data.com"

    # Off once the upload window (10 minutes) has passed, on the detector's minute tick.
    freezer.tick(timedelta(minutes=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(upload).state == "off"


async def test_new_tracker_company_fires_once_and_not_again_after_a_restart(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
) -> None:
    tv = _own_tv(hass, setup_entry)
    await _automation(
        hass,
        {
            "alias": "new company",
            "triggers": [
                {
                    "trigger": "device",
                    "domain": DOMAIN,
                    "device_id": tv.id,
                    "type": "new_tracker_company",
                }
            ],
            "actions": [
                {
                    "event": "tv_company",
                    "event_data": {"company": "{{ trigger.event.data.company }}"},
                }
            ],
        },
    )
    seen = async_capture_events(hass, "tv_company")
    raw = async_capture_events(hass, EVENT_NEW_TRACKER_COMPANY)
    await _feed(hass, patch_backend, [log_line(TV_IP, "api.gz-data.com")])
    await _feed(hass, patch_backend, [log_line(TV_IP, "log.gz-data.com")])
    assert [e.data["company"] for e in seen] == ["Gozen Data"]
    data = raw[0].data
    assert data["device_id"] == tv.id
    assert data["entity_id"].startswith("sensor.")
    assert "mac" not in data
    assert TV_MAC not in str(data)

    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    await _feed(hass, patch_backend, [log_line(TV_IP, "api.gz-data.com")])
    assert len(seen) == 1


async def test_new_company_events_are_capped_per_minute(
    hass: HomeAssistant, setup_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    events = setup_entry.runtime_data.coordinator.events
    fired = async_capture_events(hass, EVENT_NEW_TRACKER_COMPANY)

    def contact(company: str) -> Contact:
        return Contact(dt_util.utcnow(), f"t.{company}.example", company, "advertising")

    for number in range(NEW_COMPANY_EVENTS_PER_MINUTE + 5):
        events.contact(TV_MAC, contact(f"c{number}"))
    await hass.async_block_till_done()
    assert len(fired) == NEW_COMPANY_EVENTS_PER_MINUTE
    # Held back, not forgotten: the next contact after the minute reports it.
    freezer.tick(timedelta(seconds=61))
    events.contact(TV_MAC, contact(f"c{NEW_COMPANY_EVENTS_PER_MINUTE}"))
    events.contact(TV_MAC, contact("c0"))
    await hass.async_block_till_done()
    assert [e.data["company"] for e in fired[NEW_COMPANY_EVENTS_PER_MINUTE:]] == [
        f"c{NEW_COMPANY_EVENTS_PER_MINUTE}"
    ]


async def test_condition_and_actions_act_through_an_automation(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    tv = _own_tv(hass, setup_entry)
    changes = async_capture_events(hass, EVENT_BLOCK_CHANGED)
    await _automation(
        hass,
        {
            "alias": "block then check",
            "triggers": [{"trigger": "event", "event_type": "go"}],
            "actions": [
                {
                    "choose": [
                        {
                            "conditions": [
                                {
                                    "condition": "device",
                                    "domain": DOMAIN,
                                    "device_id": tv.id,
                                    "type": "trackers_blocked",
                                }
                            ],
                            "sequence": [
                                {"domain": DOMAIN, "device_id": tv.id, "type": "unblock"},
                            ],
                        }
                    ],
                    "default": [
                        {
                            "domain": DOMAIN,
                            "device_id": tv.id,
                            "type": "block_trackers",
                            "duration": {"minutes": 30},
                        }
                    ],
                }
            ],
        },
    )
    hass.bus.async_fire("go")
    await hass.async_block_till_done()
    assert patch_backend.table is not None
    assert patch_backend.table["trackers"] == {TV_MAC}
    expiry = setup_entry.runtime_data.coordinator.blocks.expiry[(TV_MAC, "trackers")]
    assert timedelta(minutes=29) < expiry - dt_util.utcnow() <= timedelta(minutes=30)
    assert [(e.data["what"], e.data["blocked"], e.data["reason"]) for e in changes] == [
        ("trackers", True, "action")
    ]
    assert changes[0].data["device_id"] == tv.id
    assert changes[0].data["entity_id"].startswith("switch.")

    # Now the condition holds: the same automation unblocks.
    hass.bus.async_fire("go")
    await hass.async_block_till_done()
    assert patch_backend.table["trackers"] == frozenset()
    assert [(e.data["what"], e.data["blocked"]) for e in changes][-1] == ("trackers", False)
