"""Subscribed lists and allow-list overrides change what is counted and blocked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Generator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard import knowledge as knowledge_module
from custom_components.snoop_guard.const import (
    CONF_ALLOW_OVERRIDES,
    CONF_DEFAULT_LISTS_OFF,
    CONF_KINDS,
    CONF_STALE_DAYS,
    CONF_SUBSCRIPTIONS,
    DEFAULT_LISTS_DELAY,
    DOMAIN,
)
from custom_components.snoop_guard.engine import vendorlists
from custom_components.snoop_guard.engine.compiled import CACHE_FILE
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
    knowledge = entry.runtime_data.knowledge
    async with asyncio.timeout(5):
        while knowledge.current.matcher.match("newtracker.example.net") is None:  # noqa: ASYNC110
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
    coordinator = mock_entry.runtime_data.coordinator
    assert coordinator.knowledge.current.matcher.match("a.newtracker.example.net") is not None
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
    bundled = rules.attributes["bundled"]
    assert bundled["tv_lists"]["lists"]["tv-stevenblack.txt"] == "StevenBlack/hosts@e2237a595042"
    assert bundled["nextdns_native_tracking"]["lists"]["nextdns-roku.txt"] == "6ede2ce38ecf"


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


@pytest.fixture
def hass_config_dir(tmp_path: Path) -> str:
    """A configuration directory of this test's own: the files below are asserted on."""
    return str(tmp_path)


async def test_compiled_rules_are_cached_outside_backups(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    cache = Path(hass.config.cache_path(DOMAIN, setup_entry.entry_id))
    storage = Path(hass.config.path(".storage", DOMAIN))

    def _files() -> tuple[bool, bool]:
        return (cache / CACHE_FILE).is_file(), storage.exists()

    assert await hass.async_add_executor_job(_files) == (True, False)
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert setup_entry.runtime_data.knowledge.summary()["cache"] == "loaded from cache"

    assert await hass.config_entries.async_remove(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert not await hass.async_add_executor_job(Path(hass.config.cache_path(DOMAIN)).exists)


SAMSUNG = "hagezi-native-samsung"


@pytest.fixture
def local_defaults(server: ListServer) -> Generator[vendorlists.VendorList]:
    """The default lists as shipped, but with Samsung's list served on loopback.

    The autouse ``no_default_lists`` fixture keeps every other test offline.
    """
    local = replace(vendorlists.CATALOGUE_BY_ID[SAMSUNG], url=server.url)
    by_url = {local.url: local}
    with (
        patch.object(knowledge_module, "default_urls", vendorlists.default_urls),
        patch.object(vendorlists, "CATALOGUE", (local,)),
        patch.object(vendorlists, "CATALOGUE_BY_URL", by_url),
        patch.object(knowledge_module, "CATALOGUE_BY_URL", by_url),
    ):
        yield local


async def test_default_lists_are_on_for_a_new_entry_and_attributed(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    server: ListServer,
    local_defaults: vendorlists.VendorList,
) -> None:
    # The second entry is Samsung's own app store CDN: a default list's function names are spared.
    server.body = "# Samsung native\n||tv-telemetry.example.net^\n||cdn.apps.samsung.com^\n"
    assert CONF_DEFAULT_LISTS_OFF not in mock_entry.options  # an entry from before, too
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    knowledge = mock_entry.runtime_data.knowledge
    assert knowledge.subscriptions.urls == [server.url]
    # The default lists wait two minutes after setup: an opt-out right away fetches nothing.
    assert server.requests == []
    async_fire_time_changed(hass, dt_util.utcnow() + DEFAULT_LISTS_DELAY + timedelta(seconds=1))
    await hass.async_block_till_done()
    async with asyncio.timeout(5):
        while knowledge.current.matcher.match("tv-telemetry.example.net") is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    info = knowledge.current.matcher.match("eu.tv-telemetry.example.net")
    assert info is not None
    assert (info.company, info.category, info.source) == ("Samsung", "telemetry", f"list:{SAMSUNG}")
    assert knowledge.current.matcher.match("cdn.apps.samsung.com") is None
    summary = knowledge.summary()
    assert any(
        note.startswith(f"1 rule(s) of {SAMSUNG} name a device function")
        for note in summary["notes"]
    )
    [listed] = summary["subscriptions"]
    assert listed["rules"] == 2  # parsed; the note says one of them was not loaded
    assert (listed["default"], listed["id"], listed["vendor"]) == (True, SAMSUNG, "Samsung")
    assert (listed["company"], listed["license"]) == ("Samsung", "GPL-3.0")


async def test_default_lists_can_be_opted_out_of(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    server: ListServer,
    local_defaults: vendorlists.VendorList,
) -> None:
    hass.config_entries.async_update_entry(
        mock_entry, options={CONF_DEFAULT_LISTS_OFF: [SAMSUNG], CONF_SUBSCRIPTIONS: []}
    )
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.runtime_data.knowledge.subscriptions.urls == []
    assert server.requests == []


async def test_options_offer_each_default_list_with_vendor_and_licence(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    [key] = [k for k in schema if k == CONF_DEFAULT_LISTS_OFF]
    assert key.default() == []
    options = schema[key].config["options"]
    assert [o["value"] for o in options] == [e.id for e in vendorlists.CATALOGUE]
    assert all(
        e.vendor in o["label"] and e.license in o["label"]
        for o, e in zip(options, vendorlists.CATALOGUE, strict=True)
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_KINDS: ["tv"], CONF_STALE_DAYS: 7, CONF_DEFAULT_LISTS_OFF: [SAMSUNG, SAMSUNG]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_entry.options[CONF_DEFAULT_LISTS_OFF] == [SAMSUNG]


def test_bundled_provenance_dates_a_section_by_its_latest_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = {
        "per_list": {
            "lists": {
                "a.txt": {
                    "upstream": "https://github.com/o/a",
                    "commit": "1" * 40,
                    "copied": "2026-11-02",
                },
                "b.txt": {
                    "upstream": "https://github.com/o/b",
                    "commit": "2" * 40,
                    "copied": "2026-12-01",
                },
                "c.txt": {
                    "upstream": "https://github.com/o/c",
                    "commit": "3" * 40,
                    "copied": "2026-10-30",
                },
            }
        },
        "whole": {
            "upstream": "u",
            "copied": "2026-11-24",
            "lists": {"x.txt": {"sha256": "ab" * 32}},
        },
    }
    path = tmp_path / "SOURCES.json"
    path.write_text(json.dumps(sources), encoding="utf-8")
    monkeypatch.setattr(knowledge_module, "SOURCES_FILE", path)
    out = knowledge_module._bundled_provenance()
    assert out["per_list"]["copied"] == "2026-12-01"
    assert out["per_list"]["lists"]["b.txt"] == "o/b@222222222222"
    assert out["whole"]["copied"] == "2026-11-24"


async def test_a_list_update_reclassifies_unknown_destinations(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    server: ListServer,
    log_line: Callable[[str, str], str],
) -> None:
    """A name a device looked up leaves the unknown destinations once a list names it."""
    await _setup(hass, mock_entry, server, [])
    coordinator = mock_entry.runtime_data.coordinator
    patch_backend.log(log_line(TV_IP, "later.example.org"))
    await hass.async_block_till_done()
    unknown = entity_id(hass, mock_entry, TV_MAC, "unknown_destinations")
    assert hass.states.get(unknown).state == "1"
    server.body, server.etag = LIST + "||later.example.org^\n", '"v2"'
    with patch.object(knowledge_module.SubscriptionManager, "_due", return_value=True):
        await coordinator.async_refresh_lists()
    await hass.async_block_till_done()
    assert coordinator.knowledge.current.matcher.match("later.example.org") is not None
    assert coordinator.destinations.unknown(TV_MAC, None) == []
    assert hass.states.get(unknown).state == "0"
