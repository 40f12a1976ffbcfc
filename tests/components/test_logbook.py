"""The logbook tells scans, suspected uploads, new tracker companies and blocks, with the reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    RecorderInstanceContextManager,
    WebSocketGenerator,
)

from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.identity import device_unique_id
from custom_components.snoop_guard.repairs import async_create_fix_flow
from custom_components.snoop_guard.scanning import upload_issue_id
from tests.fakes import FakeRouter

from .conftest import TV_IP, TV_MAC

LogLine = Callable[..., str]


@pytest.fixture(autouse=True)
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """The recorder's database is prepared before hass starts (the logbook reads it)."""


def _entity(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, device_unique_id(entry, TV_MAC, key)
    )
    assert found is not None
    return found


async def _feed(hass: HomeAssistant, router: FakeRouter, lines: list[str]) -> None:
    for line in lines:
        router.log(line)
    await hass.async_block_till_done()


async def _logbook(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, **selection: Any
) -> list[dict[str, Any]]:
    await async_wait_recording_done(hass)
    client = await hass_ws_client(hass)
    now = dt_util.utcnow()
    await client.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": (now - timedelta(hours=1)).isoformat(),
            "end_time": (now + timedelta(minutes=1)).isoformat(),
            **selection,
        }
    )
    response = await client.receive_json()
    assert response["success"], response
    return [e for e in response["result"] if e.get("domain") == DOMAIN]


async def test_logbook_tells_what_happened_on_entity_and_device_pages(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    hass_ws_client: WebSocketGenerator,
    log_line: LogLine,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await async_setup_component(hass, "logbook", {})
    await hass.async_block_till_done()
    trackers = _entity(hass, setup_entry, "switch", "block_trackers")
    internet = _entity(hass, setup_entry, "switch", "block_internet")
    lan = _entity(hass, setup_entry, "binary_sensor", "lan_scanning")
    upload = _entity(hass, setup_entry, "binary_sensor", "upload_suspected")
    contacts = _entity(hass, setup_entry, "sensor", "tracker_contacts")
    device_id = er.async_get(hass).async_get(trackers).device_id

    sweep = [log_line(TV_IP, f"{host}.5.18.198.in-addr.arpa", "PTR") for host in range(10, 22)]
    await _feed(hass, patch_backend, sweep)
    await _feed(hass, patch_backend, [log_line(TV_IP, "api.gz-data.com")])
    await hass.services.async_call("switch", "turn_on", {"entity_id": trackers}, blocking=True)
    await hass.services.async_call(
        DOMAIN,
        "block",
        {"device_id": device_id, "what": "internet", "duration": {"minutes": 5}},
        blocking=True,
    )
    freezer.tick(timedelta(minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    issue_id = upload_issue_id(setup_entry.entry_id, TV_MAC)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    flow = await async_create_fix_flow(hass, issue.issue_id, issue.data)
    flow.hass = hass
    await flow.async_step_block_internet()
    await hass.async_block_till_done()

    on_device = await _logbook(hass, hass_ws_client, device_ids=[device_id])
    messages = [(e["entity_id"], e["message"]) for e in on_device]
    assert (lan, "started scanning the LAN (ptr_sweep)") in messages
    assert (upload, "is suspected of uploading a network inventory (ptr_sweep)") in messages
    assert (contacts, "contacted a new tracker company: Gozen Data (api.gz-data.com)") in messages
    assert messages[-4:] == [
        (trackers, "trackers blocked by its switch"),
        (internet, "internet access blocked by an action"),
        (internet, "internet access unblocked when its timer ended"),
        (internet, "internet access blocked from a repair"),
    ]
    assert {e["name"] for e in on_device} == {"Skyworth-TV"}
    # No MAC address reaches the logbook.
    assert TV_MAC not in str(on_device)

    on_switch = await _logbook(hass, hass_ws_client, entity_ids=[internet])
    assert [e["message"] for e in on_switch] == [
        "internet access blocked by an action",
        "internet access unblocked when its timer ended",
        "internet access blocked from a repair",
    ]
