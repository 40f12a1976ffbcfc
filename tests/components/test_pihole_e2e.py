"""Pi-hole v6 end to end: Home Assistant → Snoop Guard → the Pi-hole emulator on loopback.

Every request is validated against Pi-hole's OpenAPI spec and every reply too;
a test fails on any spec error. The DNS feed sleeps POLL_INTERVAL with asyncio
(not Home Assistant's clock), so the interval is shortened here.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.pihole_plan import (
    GROUP_INTERNET,
    GROUP_TRACKERS,
    INTERNET_REGEX,
    OUR_COMMENT,
)
from custom_components.snoop_guard.const import CONF_INCLUDE, DOMAIN
from tests.emulators.pihole import PiholeEmulator
from tests.emulators.pihole_resolver import blocks

from . import filter_helpers as e2e
from .filter_helpers import fixture_fast_poll, fixture_handled, fixture_neighbours  # noqa: F401

# No neighbour table: every device is known to Pi-hole.
pytestmark = pytest.mark.usefixtures("neighbours")

PASSWORD = "correct horse"
ROUTER_ID = "pihole-e2e"
TV_MAC, TV_IP = "58:b4:2d:11:22:33", "192.168.1.50"
LAPTOP_MAC, LAPTOP_IP = "3c:22:fb:01:02:03", "192.168.1.52"
ODD_MAC, ODD_IP = "58:b4:2d:77:77:77", "192.168.1.77"
HOSTILE = "<img src=x onerror=alert(1)>\nsecond line\r" + "x" * 300
_PLAIN_DOMAIN = re.compile(r"[a-z0-9_.-]+")


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


def _entry(
    hass: HomeAssistant, emulator: PiholeEmulator, *, password: str = PASSWORD, **options: Any
) -> MockConfigEntry:
    return e2e.add_filter_entry(
        hass,
        backend="pihole",
        title="Pi-hole",
        port=emulator.port,
        router_id=ROUTER_ID,
        credentials={CONF_PASSWORD: password},
        options=options,
    )


def _eid(hass: HomeAssistant, mac: str, key: str, platform: str = "sensor") -> str:
    return e2e.entity_id(hass, ROUTER_ID, mac, key, platform)


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
    def while_unloaded(name: str) -> None:
        assert pihole.live_sessions() == 0  # unload released the API session
        pihole.add_query(name, TV_IP)

    entry = _entry(hass, pihole)
    names = await e2e.assert_counted_once(
        hass,
        entry,
        (TV_MAC, LAPTOP_MAC),
        lambda name, qtype: pihole.add_query(name, TV_IP, "Samsung-TV", qtype=qtype),
        while_unloaded,
        hass_storage,
    )
    # Each logged query reached the feed exactly once, across reload and unload.
    assert handled == names
    # Only the very first poll asked for a backlog; later ones resumed from the stored cursor.
    assert len([r for r in pihole.requests if r[1] == "/api/queries?length=100"]) == 1
    await e2e.unload_entry(hass, entry)
    assert pihole.live_sessions() == 0


async def test_block_switches_use_our_groups_only(
    hass: HomeAssistant, pihole: PiholeEmulator
) -> None:
    user_before = _user_state(pihole)
    tv_groups = next(c["groups"] for c in pihole.clients if c["client"] == TV_MAC.upper())
    entry = _entry(hass, pihole)
    trackers, internet = await e2e.block_switches(hass, entry, TV_MAC)

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
    assert e2e.state_of(hass, trackers) == "on"
    assert _user_state(pihole) == user_before

    await hass.services.async_call("switch", "turn_on", {"entity_id": internet}, blocking=True)
    net = _group_id(pihole, GROUP_INTERNET)
    assert net is not None
    assert [d["domain"] for d in pihole.domains if net in d["groups"]] == [INTERNET_REGEX]
    tv_rows = [c for c in pihole.clients if c["client"] in (TV_MAC.upper(), TV_IP)]
    assert all(net in c["groups"] for c in tv_rows)
    assert e2e.state_of(hass, internet) == "on"
    assert _user_state(pihole) == user_before

    for switch in (internet, trackers):
        await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
        assert e2e.state_of(hass, switch) == "off"
    tv = next(c for c in pihole.clients if c["client"] == TV_MAC.upper())
    assert tv["groups"] == tv_groups
    assert not [c for c in pihole.clients if c["client"] == TV_IP and gid in c["groups"]]
    assert _user_state(pihole) == user_before
    await e2e.unload_entry(hass, entry)


async def test_honest_wording(hass: HomeAssistant, pihole: PiholeEmulator) -> None:
    entry = _entry(hass, pihole)
    await e2e.setup_entry(hass, entry)
    await e2e.assert_dns_wording(hass, entry, ROUTER_ID, TV_MAC)
    await e2e.unload_entry(hass, entry)


async def test_wrong_password_at_setup_starts_reauth(
    hass: HomeAssistant, pihole: PiholeEmulator
) -> None:
    entry = _entry(hass, pihole, password="wrong")
    await e2e.assert_setup_starts_reauth(hass, entry)
    assert pihole.logins == 1
    assert pihole.live_sessions() == 0


async def test_revoked_session_is_one_relogin_refused_login_is_reauth(
    hass: HomeAssistant, pihole: PiholeEmulator
) -> None:
    entry = _entry(hass, pihole)
    coordinator = await e2e.setup_entry(hass, entry)
    assert pihole.logins == 1
    sensor = _eid(hass, TV_MAC, "tracker_contacts")

    pihole.sessions.clear()  # revoked on the server (pihole restart, admin logout)
    pihole.add_query("samsungads.com", TV_IP)
    await e2e.wait_until(hass, lambda: e2e.state_of(hass, sensor) == "1")
    await e2e.wait_polls(hass, coordinator, 3)
    assert pihole.logins == 2
    assert pihole.live_sessions() == 1
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    pihole.password = "changed by the user"
    pihole.sessions.clear()
    await e2e.wait_until(
        hass, lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN))
    )
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    await asyncio.sleep(0.2)  # ten poll intervals: polling stopped, no retry loop
    await hass.async_block_till_done()
    assert pihole.logins == 3
    await e2e.unload_entry(hass, entry)
    assert pihole.live_sessions() == 0


async def test_removal_leaves_nothing_of_ours(hass: HomeAssistant, pihole: PiholeEmulator) -> None:
    before = pihole.state()
    entry = _entry(hass, pihole)
    await e2e.setup_entry(hass, entry)
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
    coordinator = await e2e.setup_entry(hass, entry)
    sensor = _eid(hass, ODD_MAC, "tracker_contacts")
    assert "<img src=x onerror=alert(1)>" in hass.states.get(sensor).attributes["friendly_name"]
    await e2e.wait_polls(hass, coordinator, 1)
    pihole.add_query(HOSTILE + ".samsungads.com", ODD_IP, HOSTILE)
    pihole.add_query("<b>x</b>.samsungads.com", ODD_IP, HOSTILE)
    pihole.add_query("metrics.samsungads.com", ODD_IP, HOSTILE)
    await e2e.wait_until(hass, lambda: e2e.state_of(hass, sensor) not in ("0", "unknown"))
    await e2e.wait_polls(hass, coordinator, 2)
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
    await e2e.unload_entry(hass, entry)
