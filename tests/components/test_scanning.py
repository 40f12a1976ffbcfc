"""Scan detection in Home Assistant: sensors, events, the upload repair and its one-click fix."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.snoop_guard.const import CONF_ALLOWED_SCANNERS, DOMAIN
from custom_components.snoop_guard.repairs import async_create_fix_flow
from tests.fakes import FakeRouter

from .conftest import SPEAKER_IP, SPEAKER_MAC, TV_IP, TV_MAC

LogLine = Callable[..., str]


def _entity(hass: HomeAssistant, entry: MockConfigEntry, mac: str, key: str) -> str:
    from homeassistant.helpers import entity_registry as er  # noqa: PLC0415

    platform = {"lan_scanning": "binary_sensor", "wifi_scanning": "binary_sensor"}.get(
        key, "sensor"
    )
    found = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{entry.unique_id}_{mac}_{key}"
    )
    assert found is not None
    return found


def _ptr_sweep(log_line: LogLine, ip: str, count: int) -> list[str]:
    return [log_line(ip, f"{host}.5.18.198.in-addr.arpa", "PTR") for host in range(10, 10 + count)]


async def _feed(hass: HomeAssistant, router: FakeRouter, lines: list[str]) -> None:
    for line in lines:
        router.log(line)
    await hass.async_block_till_done()


async def test_ptr_sweep_then_tracker_is_an_upload_with_a_one_click_fix(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter, log_line: LogLine
) -> None:
    events = async_capture_events(hass, "snoop_guard_scan_detected")
    lan = _entity(hass, setup_entry, TV_MAC, "lan_scanning")
    assert hass.states.get(lan).state == STATE_OFF

    await _feed(hass, patch_backend, _ptr_sweep(log_line, TV_IP, 12))
    state = hass.states.get(lan)
    assert state.state == STATE_ON
    assert state.attributes["hosts_probed"] >= 5
    assert "dns" in state.attributes["signals"]
    assert events[0].data["kind"] == "lan_scan"
    assert events[0].data["device_id"] is not None

    wifi = _entity(hass, setup_entry, TV_MAC, "wifi_scanning")
    await _feed(hass, patch_backend, [log_line(TV_IP, "gs-loc.apple.com")])
    assert hass.states.get(wifi).state == STATE_ON

    await _feed(hass, patch_backend, [log_line(TV_IP, "api.gz-data.com")])
    assert [e.data["kind"] for e in events][-1] == "upload_suspected"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"upload_{setup_entry.entry_id}_{TV_MAC}")
    assert issue is not None
    assert issue.is_fixable

    flow = await async_create_fix_flow(hass, issue.issue_id, issue.data)
    flow.hass = hass
    result = await flow.async_step_init()
    assert result["type"] == "menu"
    await flow.async_step_block_trackers()
    assert patch_backend.table is not None
    assert patch_backend.table["trackers"] == {TV_MAC}


async def test_normal_lookups_and_allowed_scanners_raise_nothing(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter, log_line: LogLine
) -> None:
    hass.config_entries.async_update_entry(
        mock_entry, options={CONF_ALLOWED_SCANNERS: [SPEAKER_MAC]}
    )
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    events = async_capture_events(hass, "snoop_guard_scan_detected")
    # The TV does ordinary lookups; the speaker is a declared scanner.
    await _feed(
        hass,
        patch_backend,
        [log_line(TV_IP, f"cdn{i}.nflxvideo.net") for i in range(20)]
        + [log_line(TV_IP, "1.5.18.198.in-addr.arpa", "PTR")]
        + _ptr_sweep(log_line, SPEAKER_IP, 20),
    )
    assert events == []
    assert hass.states.get(_entity(hass, mock_entry, TV_MAC, "lan_scanning")).state == STATE_OFF
    assert (
        hass.states.get(_entity(hass, mock_entry, SPEAKER_MAC, "lan_scanning")).state == STATE_OFF
    )
