"""Pi-hole v6 end to end: Home Assistant → Snoop Guard → the Pi-hole emulator on loopback.

Every request is validated against Pi-hole's OpenAPI spec and every reply too;
a test fails on any spec error. The DNS feed sleeps POLL_INTERVAL with asyncio
(not Home Assistant's clock), so the interval is shortened here.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.base import DnsQuery
from custom_components.snoop_guard.backends.pihole_plan import (
    GROUP_INTERNET,
    GROUP_TRACKERS,
    INTERNET_REGEX,
    OUR_COMMENT,
)
from custom_components.snoop_guard.const import (
    CONF_DEFAULT_LISTS_OFF,
    CONF_INCLUDE,
    CONF_ROUTER_ID,
    DOMAIN,
)
from custom_components.snoop_guard.coordinator import SnoopGuardCoordinator
from custom_components.snoop_guard.dnsfeed import DnsFeed
from custom_components.snoop_guard.engine.vendorlists import CATALOGUE
from tests.emulators.pihole import PiholeEmulator
from tests.emulators.pihole_resolver import blocks

PASSWORD = "correct horse"
ROUTER_ID = "pihole-e2e"
TV_MAC, TV_IP = "58:b4:2d:11:22:33", "192.168.1.50"
LAPTOP_MAC, LAPTOP_IP = "3c:22:fb:01:02:03", "192.168.1.52"
ODD_MAC, ODD_IP = "58:b4:2d:77:77:77", "192.168.1.77"
HOSTILE = "<img src=x onerror=alert(1)>\nsecond line\r" + "x" * 300
_PLAIN_DOMAIN = re.compile(r"[a-z0-9_.-]+")


@pytest.fixture(autouse=True)
def fast_poll() -> Generator[None]:
    """Poll every 20 ms instead of 2 s (the benchmark measures the real interval)."""
    with (
        patch("custom_components.snoop_guard.dnsfeed.POLL_INTERVAL", timedelta(seconds=0.02)),
        patch("custom_components.snoop_guard.coordinator.async_read_neighbours", return_value={}),
    ):
        yield


@pytest.fixture
async def pihole(socket_enabled: None) -> AsyncGenerator[PiholeEmulator]:
    """A Pi-hole that knows the TV from its network table, with groups of the user's."""
    emulator = PiholeEmulator(password=PASSWORD, clock=time.time())
    await emulator.start()
    emulator.add_device(TV_MAC, [(TV_IP, "Samsung-TV")], "eth0")
    emulator.add_device(LAPTOP_MAC, [(LAPTOP_IP, "work-laptop")], "eth0")
    kids = emulator.add_group("Kids", comment="the kids' devices")
    emulator.add_client(TV_MAC.upper(), [0, kids], comment="living room TV")
    emulator.add_client("192.168.1.0/24", [0])
    emulator.add_domain("ads.example.com", "deny", "exact", [0, kids], comment="mine")
    emulator.add_domain("(^|\\.)doubleclick\\.net$", "deny", "regex", [kids])
    emulator.add_domain("good.example", "allow", "exact", [0])
    yield emulator
    await emulator.close()
    assert emulator.spec_errors == []


@pytest.fixture
def handled() -> Generator[list[str]]:
    """Every query name any DnsFeed handled, in order (duplicates and gaps show here)."""
    names: list[str] = []
    original = DnsFeed.handle_query

    def spy(self: DnsFeed, query: DnsQuery) -> None:
        names.append(query.name)
        original(self, query)

    with patch.object(DnsFeed, "handle_query", spy):
        yield names


def _entry(
    hass: HomeAssistant, emulator: PiholeEmulator, *, password: str = PASSWORD, **options: Any
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Pi-hole",
        version=1,
        minor_version=2,
        unique_id=f"pihole:127.0.0.1:{emulator.port}",
        data={
            "backend": "pihole",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: emulator.port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_PASSWORD: password,
            CONF_ROUTER_ID: ROUTER_ID,
        },
        options={CONF_DEFAULT_LISTS_OFF: [item.id for item in CATALOGUE], **options},
    )
    entry.add_to_hass(hass)
    return entry


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> SnoopGuardCoordinator:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator: SnoopGuardCoordinator = entry.runtime_data.coordinator
    return coordinator


async def _unload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def _eid(hass: HomeAssistant, mac: str, key: str, platform: str = "sensor") -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{ROUTER_ID}_{mac}_{key}")
    assert found is not None, f"no {key} entity for {mac}"
    return found


async def _until(hass: HomeAssistant, check: Callable[[], bool], limit: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)
        await hass.async_block_till_done()


async def _polls(hass: HomeAssistant, coordinator: SnoopGuardCoordinator, count: int) -> None:
    start = coordinator.dns.polls
    await _until(hass, lambda: coordinator.dns.polls >= start + count)


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _user_state(emulator: PiholeEmulator) -> dict[str, list[dict[str, Any]]]:
    """Everything of the user's (our rows and the TV's membership of our groups left out)."""
    state = emulator.state()
    ours = {g["id"] for g in state["groups"] if g.get("comment") == OUR_COMMENT}
    return {
        table: [
            {**row, "groups": [g for g in row["groups"] if g not in ours]}
            if "groups" in row and table != "groups"
            else row
            for row in rows
            if row.get("comment") != OUR_COMMENT
        ]
        for table, rows in state.items()
    }


def _group_id(emulator: PiholeEmulator, name: str) -> int | None:
    return next((g["id"] for g in emulator.groups if g["name"] == name), None)


async def test_contacts_counted_without_duplicates_or_gaps(
    hass: HomeAssistant,
    pihole: PiholeEmulator,
    hass_storage: dict[str, Any],
    handled: list[str],
) -> None:
    entry = _entry(hass, pihole)
    coordinator = await _setup(hass, entry)
    sensor = _eid(hass, TV_MAC, "tracker_contacts")
    assert _state(hass, sensor) == "0"
    assert (
        er.async_get(hass).async_get_entity_id(
            "sensor", DOMAIN, f"{ROUTER_ID}_{LAPTOP_MAC}_tracker_contacts"
        )
        is None
    )
    await _polls(hass, coordinator, 1)
    pihole.add_query("log.samsungads.com", TV_IP, "Samsung-TV")
    pihole.add_query("www.example.org", TV_IP, "Samsung-TV")
    pihole.add_query("acr.samba.tv", TV_IP, "Samsung-TV", qtype="AAAA")
    await _until(hass, lambda: _state(hass, sensor) == "2")
    await _polls(hass, coordinator, 2)
    assert _state(hass, sensor) == "2"
    assert hass.states.get(sensor).attributes["companies"] == {"Samsung Ads": 1, "Samba TV": 1}

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]["poll_cursor"]
    coordinator = entry.runtime_data.coordinator
    await _polls(hass, coordinator, 3)
    assert _state(hass, sensor) == "2"

    await _unload(hass, entry)
    assert pihole.live_sessions() == 0  # unload released the API session
    pihole.add_query("alphonso.tv", TV_IP)
    coordinator = await _setup(hass, entry)
    await _until(hass, lambda: _state(hass, sensor) == "3")
    await _polls(hass, coordinator, 2)
    assert _state(hass, sensor) == "3"
    # Each logged query reached the feed exactly once, across reload and unload.
    assert handled == ["log.samsungads.com", "www.example.org", "acr.samba.tv", "alphonso.tv"]
    # Only the very first poll asked for a backlog; later ones resumed from the stored cursor.
    assert len([r for r in pihole.requests if r[1] == "/api/queries?length=100"]) == 1
    await _unload(hass, entry)
    assert pihole.live_sessions() == 0


async def test_block_switches_use_our_groups_only(
    hass: HomeAssistant, pihole: PiholeEmulator
) -> None:
    user_before = _user_state(pihole)
    tv_groups = next(c["groups"] for c in pihole.clients if c["client"] == TV_MAC.upper())
    entry = _entry(hass, pihole)
    await _setup(hass, entry)
    trackers = _eid(hass, TV_MAC, "block_trackers", "switch")
    internet = _eid(hass, TV_MAC, "block_internet", "switch")
    assert _state(hass, trackers) == "off"

    await hass.services.async_call("switch", "turn_on", {"entity_id": trackers}, blocking=True)
    gid = _group_id(pihole, GROUP_TRACKERS)
    assert gid is not None
    rows = {c["client"]: c for c in pihole.clients}
    # The TV's own MAC entry (the user's) gains our group; an IP entry of ours, which
    # wins over it in Pi-hole, keeps the groups the TV has now (the user's subnet's).
    assert set(rows[TV_MAC.upper()]["groups"]) == {*tv_groups, gid}
    assert rows[TV_IP]["comment"] == OUR_COMMENT
    assert set(rows[TV_IP]["groups"]) == {0, gid}
    for name in ("samsungads.com", "log.ads.samsungads.com"):  # subdomains too
        assert blocks(pihole, name, TV_IP, TV_MAC), name
    assert not blocks(pihole, "samsung.com", TV_IP, TV_MAC)
    assert _state(hass, trackers) == "on"
    assert _user_state(pihole) == user_before

    await hass.services.async_call("switch", "turn_on", {"entity_id": internet}, blocking=True)
    net = _group_id(pihole, GROUP_INTERNET)
    assert net is not None
    assert [d["domain"] for d in pihole.domains if net in d["groups"]] == [INTERNET_REGEX]
    tv_rows = [c for c in pihole.clients if c["client"] in (TV_MAC.upper(), TV_IP)]
    assert all(net in c["groups"] for c in tv_rows)
    assert _state(hass, internet) == "on"
    assert _user_state(pihole) == user_before

    for switch in (internet, trackers):
        await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
        assert _state(hass, switch) == "off"
    tv = next(c for c in pihole.clients if c["client"] == TV_MAC.upper())
    assert tv["groups"] == tv_groups
    assert not [c for c in pihole.clients if c["client"] == TV_IP and gid in c["groups"]]
    assert _user_state(pihole) == user_before
    await _unload(hass, entry)


async def test_honest_wording(hass: HomeAssistant, pihole: PiholeEmulator) -> None:
    entry = _entry(hass, pihole)
    await _setup(hass, entry)
    for key in ("block_trackers", "block_internet"):
        attrs = hass.states.get(_eid(hass, TV_MAC, key, "switch")).attributes
        assert attrs["enforced_by"] == "dns"
        assert attrs["bypassable_by_own_dns"] is True
    ours = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert not [e for e in ours if e.domain == "binary_sensor" and "bypass" in e.unique_id]
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{ROUTER_ID}_{TV_MAC}"), entry.entry_id
    )
    assert device is not None
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "block", {"device_id": device.id, "what": "bypass"}, blocking=True
        )
    assert err.value.translation_key == "block_not_supported"
    await _unload(hass, entry)


async def test_wrong_password_at_setup_starts_reauth(
    hass: HomeAssistant, pihole: PiholeEmulator
) -> None:
    entry = _entry(hass, pihole, password="wrong")
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert pihole.logins == 1
    assert pihole.live_sessions() == 0


async def test_revoked_session_is_one_relogin_refused_login_is_reauth(
    hass: HomeAssistant, pihole: PiholeEmulator
) -> None:
    entry = _entry(hass, pihole)
    coordinator = await _setup(hass, entry)
    assert pihole.logins == 1
    sensor = _eid(hass, TV_MAC, "tracker_contacts")

    pihole.sessions.clear()  # revoked on the server (pihole restart, admin logout)
    pihole.add_query("samsungads.com", TV_IP)
    await _until(hass, lambda: _state(hass, sensor) == "1")
    await _polls(hass, coordinator, 3)
    assert pihole.logins == 2
    assert pihole.live_sessions() == 1
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    pihole.password = "changed by the user"
    pihole.sessions.clear()
    await _until(hass, lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    await asyncio.sleep(0.2)  # ten poll intervals: polling stopped, no retry loop
    await hass.async_block_till_done()
    assert pihole.logins == 3
    await _unload(hass, entry)
    assert pihole.live_sessions() == 0


async def test_removal_leaves_nothing_of_ours(hass: HomeAssistant, pihole: PiholeEmulator) -> None:
    before = pihole.state()
    entry = _entry(hass, pihole)
    await _setup(hass, entry)
    for key in ("block_trackers", "block_internet"):
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": _eid(hass, TV_MAC, key, "switch")}, blocking=True
        )
    assert pihole.state() != before
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert pihole.state() == before
    assert pihole.live_sessions() == 0


async def test_hostile_names_are_data(hass: HomeAssistant, pihole: PiholeEmulator) -> None:
    pihole.add_device(ODD_MAC, [(ODD_IP, HOSTILE)], "eth0")
    entry = _entry(hass, pihole, **{CONF_INCLUDE: [ODD_MAC]})
    coordinator = await _setup(hass, entry)
    sensor = _eid(hass, ODD_MAC, "tracker_contacts")
    assert "<img src=x onerror=alert(1)>" in hass.states.get(sensor).attributes["friendly_name"]
    await _polls(hass, coordinator, 1)
    pihole.add_query(HOSTILE + ".samsungads.com", ODD_IP, HOSTILE)
    pihole.add_query("<b>x</b>.samsungads.com", ODD_IP, HOSTILE)
    pihole.add_query("metrics.samsungads.com", ODD_IP, HOSTILE)
    await _until(hass, lambda: _state(hass, sensor) not in ("0", "unknown"))
    await _polls(hass, coordinator, 2)
    state = hass.states.get(sensor)
    assert state.attributes["friendly_name"].startswith("<img src=x onerror=alert(1)> second")
    assert "\n" not in state.attributes["friendly_name"]
    assert state.state == "1"  # names that are no DNS names count nothing
    assert state.attributes["last_tracker"] == "metrics.samsungads.com"
    assert not [s for s in hass.states.async_all() if "<b>" in s.state]
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": _eid(hass, ODD_MAC, "block_trackers", "switch")},
        blocking=True,
    )
    gid = _group_id(pihole, GROUP_TRACKERS)
    ours = [d for d in pihole.domains if d.get("comment") == OUR_COMMENT]
    assert any(gid in d["groups"] for d in ours)
    for row in ours:
        if row["kind"] == "exact":
            assert _PLAIN_DOMAIN.fullmatch(row["domain"]), row["domain"]
        assert "<" not in row["domain"]
        assert "\n" not in row["domain"]
    for row in pihole.clients:
        assert "<" not in row["client"]
        assert "\n" not in row["client"]
        if row.get("comment") == OUR_COMMENT:
            assert row["client"] in (ODD_MAC.upper(), ODD_IP)
    await _unload(hass, entry)
