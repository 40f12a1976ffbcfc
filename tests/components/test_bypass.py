"""DNS bypass in Home Assistant: the per-device sensor, the repair and its one-click fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.base import EnforcedState
from custom_components.snoop_guard.backends.nftables import FAMILY, TABLE
from custom_components.snoop_guard.bypass import bypass_issue_id
from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.device_owner import device_id_for_mac
from custom_components.snoop_guard.diagnostics import async_get_config_entry_diagnostics
from custom_components.snoop_guard.identity import device_unique_id
from custom_components.snoop_guard.repairs import async_create_fix_flow
from tests.fakes import FakeRouter

from .conftest import SPEAKER_MAC, TV_IP, TV_MAC

LogLine = Callable[..., str]


def _sensor(hass: HomeAssistant, entry: MockConfigEntry, mac: str) -> str:
    found = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, device_unique_id(entry, mac, "dns_bypass")
    )
    assert found is not None
    return found


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_tv_sending_dns_to_google_is_seen_and_fixed_in_one_click(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    tv = _sensor(hass, setup_entry, TV_MAC)
    speaker = _sensor(hass, setup_entry, SPEAKER_MAC)
    assert hass.states.get(tv).state == STATE_OFF
    issue_id = bypass_issue_id(setup_entry.entry_id, TV_MAC)
    assert TV_MAC not in issue_id

    assert patch_backend.send_dns(TV_MAC, "8.8.8.8", 53)
    await _refresh(hass, setup_entry)
    state = hass.states.get(tv)
    assert state.state == STATE_ON
    assert state.attributes["method"] == "plain_dns"
    assert state.attributes["resolver_count"] == 1
    assert state.attributes["last_seen"] is not None
    assert TV_MAC not in str(state.attributes)
    assert hass.states.get(speaker).state == STATE_OFF

    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "dns_bypass"
    assert issue.translation_placeholders["method"] == "`plain_dns`"
    assert issue.translation_placeholders["resolvers"] == "`8.8.8.8`"

    flow = await async_create_fix_flow(hass, issue.issue_id, issue.data)
    flow.hass = hass
    result = await flow.async_step_init()
    assert result["type"] == "form"
    result = await flow.async_step_init({})
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    # The router enforces it (read back), and the device's DNS no longer leaves the LAN.
    enforced = setup_entry.runtime_data.coordinator.data.enforced
    assert enforced is not None
    assert enforced.block_bypass == {TV_MAC}
    assert not patch_backend.send_dns(TV_MAC, "8.8.8.8", 53)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    stored = setup_entry.runtime_data.coordinator.blocks.to_dict()["policies"]
    assert stored[TV_MAC]["block_bypass"] is True
    # Diagnostics carry no MAC, with a bypass seen and blocked.
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    assert TV_MAC not in json.dumps(diagnostics, default=str).lower()

    # The flows stop (the router forgets them); an hour later the sensor is off.
    table = patch_backend.nft.tables[(FAMILY, TABLE)]
    table.sets["seen4"].elements.clear()
    freezer.tick(timedelta(hours=1, minutes=1))
    await _refresh(hass, setup_entry)
    assert hass.states.get(tv).state == STATE_OFF
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get(speaker).state == STATE_OFF

    # The user can lift the block the repair set: the unblock action with what: bypass.
    device_id = device_id_for_mac(hass, setup_entry, TV_MAC)
    assert device_id is not None
    await hass.services.async_call(
        DOMAIN, "unblock", {"device_id": device_id, "what": "bypass"}, blocking=True
    )
    enforced = setup_entry.runtime_data.coordinator.data.enforced
    assert enforced is not None
    assert enforced.block_bypass == frozenset()
    assert patch_backend.send_dns(TV_MAC, "8.8.8.8", 53)


async def test_bootstrap_lookup_counts_and_the_repair_clears_when_quiet(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
    freezer: FrozenDateTimeFactory,
) -> None:
    tv = _sensor(hass, setup_entry, TV_MAC)
    patch_backend.log(log_line(TV_IP, "dns.google"))
    await hass.async_block_till_done()
    assert hass.states.get(tv).state == STATE_ON
    assert hass.states.get(tv).attributes["method"] == "doh_bootstrap"
    issue_id = bypass_issue_id(setup_entry.entry_id, TV_MAC)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    freezer.tick(timedelta(hours=1, minutes=1))
    await _refresh(hass, setup_entry)
    assert hass.states.get(tv).state == STATE_OFF
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_sensor_is_unavailable_when_the_backend_cannot_see_bypass(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter
) -> None:
    backend = setup_entry.runtime_data.coordinator.backend
    read_state = backend.async_read_state

    async def blind(*args: Any) -> EnforcedState:
        # A backend that only sees a query log (AdGuard Home, Pi-hole).
        return replace(await read_state(*args), observes_bypass=False)

    backend.async_read_state = blind  # type: ignore[method-assign]
    await _refresh(hass, setup_entry)
    assert hass.states.get(_sensor(hass, setup_entry, TV_MAC)).state == STATE_UNAVAILABLE
