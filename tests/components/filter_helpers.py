"""Helpers shared by the DNS filter end-to-end tests (AdGuard Home and Pi-hole).

Import the ``fixture_*`` functions into a test module; tests ask for them by their names:

- ``fast_poll`` (autouse): the DNS feed polls every 20 ms instead of 2 s.
- ``neighbours``: this host's neighbour table, as the coordinator reads it (empty unless
  a test fills it in).
- ``handled``: every query name any DnsFeed handled, in order.

The DNS feed sleeps POLL_INTERVAL with asyncio (not Home Assistant's clock), so the
tests wait on real time (:func:`wait_until`, :func:`wait_polls`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.base import DnsQuery
from custom_components.snoop_guard.const import CONF_DEFAULT_LISTS_OFF, CONF_ROUTER_ID, DOMAIN
from custom_components.snoop_guard.coordinator import SnoopGuardCoordinator
from custom_components.snoop_guard.dnsfeed import DnsFeed
from custom_components.snoop_guard.engine.vendorlists import CATALOGUE


@pytest.fixture(name="fast_poll", autouse=True)
def fixture_fast_poll() -> Generator[None]:
    """Poll every 20 ms instead of 2 s (the benchmark measures the real interval)."""
    with patch("custom_components.snoop_guard.dnsfeed.POLL_INTERVAL", timedelta(seconds=0.02)):
        yield


@pytest.fixture(name="neighbours")
def fixture_neighbours() -> Generator[dict[str, str]]:
    """This host's neighbour table, as the coordinator reads it."""
    table: dict[str, str] = {}

    async def read() -> dict[str, str]:
        return dict(table)

    with patch("custom_components.snoop_guard.coordinator.async_read_neighbours", side_effect=read):
        yield table


@pytest.fixture(name="handled")
def fixture_handled() -> Generator[list[str]]:
    """Every query name any DnsFeed handled, in order (duplicates and gaps show here)."""
    names: list[str] = []
    original = DnsFeed.handle_query

    def spy(self: DnsFeed, query: DnsQuery) -> None:
        names.append(query.name)
        original(self, query)

    with patch.object(DnsFeed, "handle_query", spy):
        yield names


def add_filter_entry(
    hass: HomeAssistant,
    *,
    backend: str,
    title: str,
    port: int,
    router_id: str,
    credentials: dict[str, Any],
    options: dict[str, Any],
) -> MockConfigEntry:
    """An entry of an older version (host-based unique id) with the default lists off."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        version=1,
        minor_version=2,
        unique_id=f"{backend}:127.0.0.1:{port}",
        data={
            "backend": backend,
            CONF_HOST: "127.0.0.1",
            CONF_PORT: port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            **credentials,
            CONF_ROUTER_ID: router_id,
        },
        options={CONF_DEFAULT_LISTS_OFF: [item.id for item in CATALOGUE], **options},
    )
    entry.add_to_hass(hass)
    return entry


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> SnoopGuardCoordinator:
    """Set ``entry`` up; its coordinator."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator: SnoopGuardCoordinator = entry.runtime_data.coordinator
    return coordinator


async def unload_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload ``entry`` and let everything settle."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def entity_id(
    hass: HomeAssistant, router_id: str, mac: str, key: str, platform: str = "sensor"
) -> str:
    """The entity id of the device ``mac``'s entity ``key``."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{router_id}_{mac}_{key}")
    assert found is not None, f"no {key} entity for {mac}"
    return found


async def wait_until(hass: HomeAssistant, check: Callable[[], bool], limit: float = 2.0) -> None:
    """Let the feed poll (real time) until ``check`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)
        await hass.async_block_till_done()


async def wait_polls(hass: HomeAssistant, coordinator: SnoopGuardCoordinator, count: int) -> None:
    """Wait for ``count`` more polls of the DNS feed."""
    start = coordinator.dns.polls
    await wait_until(hass, lambda: coordinator.dns.polls >= start + count)


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """The state of ``entity_id`` (which must exist)."""
    found = hass.states.get(entity_id)
    assert found is not None
    return found.state


async def assert_dns_wording(
    hass: HomeAssistant, entry: MockConfigEntry, router_id: str, mac: str
) -> HomeAssistantError:
    """The device's block switches say DNS enforces them, which its own DNS bypasses.

    No bypass sensor, and asking to block the bypass is refused: that error.
    """
    for key in ("block_trackers", "block_internet"):
        switch = hass.states.get(entity_id(hass, router_id, mac, key, "switch"))
        assert switch is not None
        attrs = switch.attributes
        assert attrs["enforced_by"] == "dns"
        assert attrs["bypassable_by_own_dns"] is True
    ours = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert not [e for e in ours if e.domain == "binary_sensor" and "bypass" in e.unique_id]
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{router_id}_{mac}"), entry.entry_id
    )
    assert device is not None
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "block", {"device_id": device.id, "what": "bypass"}, blocking=True
        )
    assert err.value.translation_key == "block_not_supported"
    return err.value


async def assert_counted_once(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    macs: tuple[str, str],
    log: Callable[[str, str], None],
    log_while_unloaded: Callable[[str], None],
    stored: dict[str, Any],
) -> list[str]:
    """Each query the TV makes is counted once: across a reload (stored cursor) and an unload.

    ``macs``: the TV's and the laptop's (not watched: no sensor). ``log(name, qtype)``
    logs a query of the TV's; ``log_while_unloaded(name)`` one while the entry is
    unloaded. ``stored``: ``hass_storage``. The names logged, in order.
    """
    tv, laptop = macs
    router_id = entry.data[CONF_ROUTER_ID]
    coordinator = await setup_entry(hass, entry)
    sensor = entity_id(hass, router_id, tv, "tracker_contacts")
    assert state_of(hass, sensor) == "0"
    unwatched = f"{router_id}_{laptop}_tracker_contacts"
    assert er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unwatched) is None
    await wait_polls(hass, coordinator, 1)
    names = ["log.samsungads.com", "www.example.org", "acr.samba.tv"]
    for name, qtype in zip(names, ("A", "A", "AAAA"), strict=True):
        log(name, qtype)
    await wait_until(hass, lambda: state_of(hass, sensor) == "2")
    await wait_polls(hass, coordinator, 2)
    assert state_of(hass, sensor) == "2"
    counted = hass.states.get(sensor)
    assert counted is not None
    assert counted.attributes["companies"] == {"Samsung Ads": 1, "Samba TV": 1}

    # Reload: the stored cursor is reused, nothing is counted twice.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert stored[f"{DOMAIN}.{entry.entry_id}"]["data"]["poll_cursor"]
    coordinator = entry.runtime_data.coordinator
    await wait_polls(hass, coordinator, 3)
    assert state_of(hass, sensor) == "2"

    # Unloaded: a query logged meanwhile is counted after setup (no gap).
    await unload_entry(hass, entry)
    names.append("alphonso.tv")
    log_while_unloaded(names[-1])
    coordinator = await setup_entry(hass, entry)
    await wait_until(hass, lambda: state_of(hass, sensor) == "3")
    await wait_polls(hass, coordinator, 2)
    assert state_of(hass, sensor) == "3"
    return names


async def assert_setup_starts_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Setting ``entry`` up fails (its password is refused) and starts a reauth flow."""
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def block_switches(hass: HomeAssistant, entry: MockConfigEntry, mac: str) -> tuple[str, str]:
    """Set ``entry`` up; the device's block switches (trackers, internet), trackers off."""
    await setup_entry(hass, entry)
    router_id = entry.data[CONF_ROUTER_ID]
    trackers = entity_id(hass, router_id, mac, "block_trackers", "switch")
    internet = entity_id(hass, router_id, mac, "block_internet", "switch")
    assert state_of(hass, trackers) == "off"
    return trackers, internet
