"""Scan detection in Home Assistant: sensors, events, the upload repair and its one-click fix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.snoop_guard.backends.base import BackendConnectionError
from custom_components.snoop_guard.const import CONF_ALLOWED_SCANNERS, DOMAIN
from custom_components.snoop_guard.repairs import async_create_fix_flow
from custom_components.snoop_guard.scanning import upload_issue_id
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
    issue_id = upload_issue_id(setup_entry.entry_id, TV_MAC)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable

    # The repair's text carries no markup from the device or the domain.
    assert issue.translation_placeholders["domain"] == "`api.gz-data.com`"

    flow = await async_create_fix_flow(hass, issue.issue_id, issue.data)
    flow.hass = hass
    result = await flow.async_step_init()
    assert result["type"] == "menu"
    # A router that does not answer: the flow says the block comes later, nothing raises.
    patch_backend.fail_with = BackendConnectionError("down")
    result = await flow.async_step_block_internet()
    assert result["type"] == "abort"
    assert result["reason"] == "apply_later"
    patch_backend.fail_with = None
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


async def test_scan_before_a_restart_and_upload_after_it_raise_the_alarm(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The detector's memory survives a restart: baseline, learnt sites and the scan."""
    events = async_capture_events(hass, "snoop_guard_scan_detected")
    await _feed(hass, patch_backend, [log_line(TV_IP, "www.netflix.com")])
    freezer.tick(timedelta(hours=2))  # the TV's one-hour baseline is complete
    await _feed(hass, patch_backend, _ptr_sweep(log_line, TV_IP, 12))
    assert [e.data["kind"] for e in events] == ["lan_scan"]

    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{setup_entry.entry_id}.scan"]["data"]
    assert TV_MAC in stored["devices"]
    freezer.tick(timedelta(minutes=2))
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    await hass.async_block_till_done()
    lan = _entity(hass, setup_entry, TV_MAC, "lan_scanning")
    assert hass.states.get(lan).attributes["scans_detected"] == 1

    # A site it knew before the restart is no upload; a never-seen host right after is.
    await _feed(hass, patch_backend, [log_line(TV_IP, "cdn.netflix.com")])
    assert [e.data["kind"] for e in events] == ["lan_scan"]
    await _feed(hass, patch_backend, [log_line(TV_IP, "inventory.never-seen-host.example")])
    assert [e.data["kind"] for e in events] == ["lan_scan", "upload_suspected"]
    upload = events[-1].data
    assert upload["evidence"]["reason"] == "new_domain"
    assert upload["evidence"]["chain"][0]["signal"] == "ptr_sweep"
    assert upload["device_id"] is not None
    issue_id = upload_issue_id(setup_entry.entry_id, TV_MAC)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["domain"] == "`inventory.never-seen-host.example`"


async def test_memory_is_saved_once_a_minute_when_it_changed(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    key = f"{DOMAIN}.{setup_entry.entry_id}.scan"
    assert key not in hass_storage
    await _feed(hass, patch_backend, [log_line(TV_IP, "www.netflix.com")])
    for _ in range(2):  # the minute tick schedules the save, the store writes it later
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert hass_storage[key]["data"]["devices"][TV_MAC]["sites"] == ["netflix.com"]


async def test_hostile_stored_memory_is_ignored(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    hass_storage: dict[str, Any],
) -> None:
    hass_storage[f"{DOMAIN}.{mock_entry.entry_id}.scan"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{mock_entry.entry_id}.scan",
        "data": {
            "version": 1,
            "devices": {TV_MAC: {"clock": "tomorrow", "sites": ["<b>x</b>"]}, "x": []},
        },
    }
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    lan = _entity(hass, mock_entry, TV_MAC, "lan_scanning")
    assert hass.states.get(lan).state == STATE_OFF
    assert hass.states.get(lan).attributes["scans_detected"] == 0
