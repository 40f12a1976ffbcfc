"""Subscribed lists and allow-list overrides change what is counted and blocked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.const import CONF_ALLOW_OVERRIDES, CONF_SUBSCRIPTIONS
from tests.fakes import FakeRouter

from .conftest import TV_IP, TV_MAC, ListServer
from .helpers import entity_id

LIST = "! a vendor list\n||newtracker.example.net^\n||samsungcloudsolution.com^\n/ads[0-9]+/\n"


async def _setup(
    hass: HomeAssistant, entry: MockConfigEntry, server: ListServer, overrides: list[str]
) -> None:
    server.body = LIST
    hass.config_entries.async_update_entry(
        entry,
        options={CONF_SUBSCRIPTIONS: [server.url], CONF_ALLOW_OVERRIDES: overrides},
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Lists are fetched in a background task (start-up never waits for a download).
    coordinator = entry.runtime_data
    async with asyncio.timeout(5):
        while coordinator.matcher.match("newtracker.example.net") is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await hass.async_block_till_done()


async def test_subscribed_list_is_counted_blocked_and_reported(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    server: ListServer,
    log_line: Callable[[str, str], str],
) -> None:
    await _setup(hass, mock_entry, server, [])
    coordinator = mock_entry.runtime_data
    assert coordinator.matcher.match("a.newtracker.example.net") is not None
    # The router's dnsmasq snippet was rewritten to include the list's domains.
    assert patch_backend.snippet_domains is not None
    assert "newtracker.example.net" in patch_backend.snippet_domains

    sensor = entity_id(hass, mock_entry, TV_MAC, "tracker_contacts")
    patch_backend.log(log_line(TV_IP, "time.samsungcloudsolution.com"))
    patch_backend.log(log_line(TV_IP, "a.newtracker.example.net"))
    await hass.async_block_till_done()
    state = hass.states.get(sensor)
    # The TV's time service stays allowed: only the new tracker counts.
    assert state.state == "1"
    assert state.attributes["last_tracker"] == "a.newtracker.example.net"

    rules = next(
        s for s in hass.states.async_all("sensor") if s.entity_id.endswith("tracker_rules")
    )
    lists = rules.attributes["subscriptions"]
    assert lists[0]["url"] == server.url
    assert lists[0]["rules"] == 2
    assert lists[0]["unsupported_lines"] == {"regex": 1}
    assert rules.attributes["bundled"]["perflyst"]["copied"] == "2026-11-24"


async def test_override_blocks_an_allowed_name(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    server: ListServer,
    log_line: Callable[[str, str], str],
) -> None:
    await _setup(hass, mock_entry, server, ["samsung-time"])
    sensor = entity_id(hass, mock_entry, TV_MAC, "tracker_contacts")
    patch_backend.log(log_line(TV_IP, "time.samsungcloudsolution.com"))
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "1"
