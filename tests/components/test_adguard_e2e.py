"""AdGuard Home end to end: Home Assistant → Snoop Guard → the AdGuard Home emulator on loopback.

Every request the backend sends and every reply the emulator gives is checked
against AdGuard Home's OpenAPI spec; a test fails on any violation. The DNS
feed sleeps POLL_INTERVAL between polls with asyncio (not Home Assistant's
clock), so the interval is shortened here and tests wait on real time.
"""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.backends.adguard_rules import BEGIN, END
from custom_components.snoop_guard.const import CONF_INCLUDE, DOMAIN
from custom_components.snoop_guard.coordinator import SnoopGuardCoordinator
from custom_components.snoop_guard.diagnostics import async_get_config_entry_diagnostics
from tests.emulators.adguard import AdGuardEmulator, serve

from . import filter_helpers as e2e
from .filter_helpers import fixture_fast_poll, fixture_handled, fixture_neighbours  # noqa: F401

ROUTER_ID = "agh-e2e"
TV_MAC, TV_IP = "58:b4:2d:11:22:33", "192.168.1.50"
LAPTOP_MAC, LAPTOP_IP = "3c:22:fb:01:02:03", "192.168.1.52"
RUNTIME_MAC, RUNTIME_IP = "58:b4:2d:77:77:77", "192.168.1.77"
USER_RULES = [
    "! my own rules",
    "",
    "||ads.example^   ",
    "@@||good.example^$important",
    "# comment with ünïcödé and a tab\t",
    "/regex\\d+/",
    "\r",
    "! snoop-guard:begin but not ours",
]
USER_ACCESS = {
    "allowed_clients": [],
    "disallowed_clients": ["192.168.1.9", "kid-phone"],
    "blocked_hosts": ["version.bind"],
}
HOSTILE = "<img src=x onerror=alert(1)>\nsecond line\r" + "x" * 300
# Our block's lines: markers, comments we write, or a plain-domain $client= rule.
_OUR_LINE = re.compile(
    r"! snoop-guard:[a-z]+(?: [ -~]*)?|\|\|[a-z0-9_.-]+\^\$client=[0-9a-z.:|-]+|"
)


@pytest.fixture
async def agh(socket_enabled: None, neighbours: dict[str, str]) -> AsyncGenerator[AdGuardEmulator]:
    """An AdGuard Home on 127.0.0.1 that knows the TV by its DHCP lease."""
    emulator = AdGuardEmulator()
    emulator.dhcp_enabled = True
    emulator.leases = [
        {"mac": TV_MAC, "ip": TV_IP, "hostname": "Samsung-TV"},
        {"mac": LAPTOP_MAC, "ip": LAPTOP_IP, "hostname": "work-laptop"},
    ]
    emulator.user_rules = list(USER_RULES)
    emulator.access = copy.deepcopy(USER_ACCESS)
    async with serve(emulator.app()) as port:
        emulator.port = port  # type: ignore[attr-defined]
        yield emulator
    assert emulator.violations == []


def _entry(
    hass: HomeAssistant, emulator: AdGuardEmulator, *, password: str = "s3cret", **options: Any
) -> MockConfigEntry:
    return e2e.add_filter_entry(
        hass,
        backend="adguard",
        title="AdGuard Home",
        port=emulator.port,  # type: ignore[attr-defined]
        router_id=ROUTER_ID,
        credentials={CONF_USERNAME: "admin", CONF_PASSWORD: password},
        options=options,
    )


def _eid(hass: HomeAssistant, mac: str, key: str, platform: str = "sensor") -> str:
    return e2e.entity_id(hass, ROUTER_ID, mac, key, platform)


class Clock:
    """Moves Home Assistant's timers forward (reconcile every 30 s), not the DNS feed's sleep.

    The coordinator refreshes in a background task: ``tick`` waits for a new snapshot
    when ``coordinator`` is given.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.offset = timedelta()

    async def tick(self, seconds: float, coordinator: SnoopGuardCoordinator | None = None) -> None:
        before = coordinator.data if coordinator is not None else None
        self.offset += timedelta(seconds=seconds)
        async_fire_time_changed(self.hass, dt_util.utcnow() + self.offset)
        await self.hass.async_block_till_done()
        if coordinator is not None:
            await e2e.wait_until(self.hass, lambda: coordinator.data is not before)


def _ours(rules: list[str]) -> list[str]:
    if BEGIN not in rules:
        return []
    return rules[rules.index(BEGIN) : rules.index(END) + 1]


def _users(rules: list[str]) -> list[str]:
    ours = _ours(rules)
    if not ours:
        return rules
    start = rules.index(BEGIN)
    return rules[:start] + rules[start + len(ours) :]


async def test_contacts_counted_without_duplicates_or_gaps(
    hass: HomeAssistant,
    agh: AdGuardEmulator,
    hass_storage: dict[str, Any],
    handled: list[str],
) -> None:
    names = await e2e.assert_counted_once(
        hass,
        _entry(hass, agh),
        (TV_MAC, LAPTOP_MAC),
        lambda name, qtype: agh.add_query(TV_IP, name, qtype),
        lambda name: agh.add_query(TV_IP, name),
        hass_storage,
    )
    # Each logged query reached the feed exactly once, across reload and unload.
    assert handled == names
    # After the first setup every poll resumed from the stored cursor (no fresh backlog).
    assert [q for m, p, q in agh.requests if p == "/querylog" and q.get("limit") == "100"] == [
        {"limit": "100"}
    ]


async def test_block_switches_write_read_back_and_keep_user_state(
    hass: HomeAssistant, agh: AdGuardEmulator
) -> None:
    entry = _entry(hass, agh)
    trackers, internet = await e2e.block_switches(hass, entry, TV_MAC)

    await hass.services.async_call("switch", "turn_on", {"entity_id": trackers}, blocking=True)
    ours = _ours(agh.user_rules)
    assert ours, agh.user_rules
    client_rules = [r for r in ours if "$client=" in r]
    assert client_rules
    assert all(r.endswith(f"$client={TV_IP}") for r in client_rules)
    assert any(r.startswith("||samsungads.com^") for r in client_rules)
    assert _users(agh.user_rules) == USER_RULES
    assert all(a is b or a == b for a, b in zip(_users(agh.user_rules), USER_RULES, strict=True))
    # On only after the state was read back: a read followed the last write.
    methods = [(m, p) for m, p, _ in agh.requests]
    last_write = max(i for i, r in enumerate(methods) if r == ("POST", "/filtering/set_rules"))
    assert ("GET", "/filtering/status") in methods[last_write + 1 :]
    assert e2e.state_of(hass, trackers) == "on"

    await hass.services.async_call("switch", "turn_on", {"entity_id": internet}, blocking=True)
    assert agh.access["disallowed_clients"] == [*USER_ACCESS["disallowed_clients"], TV_IP]
    assert agh.access["blocked_hosts"] == USER_ACCESS["blocked_hosts"]
    assert e2e.state_of(hass, internet) == "on"

    await hass.services.async_call("switch", "turn_off", {"entity_id": internet}, blocking=True)
    assert agh.access == USER_ACCESS
    assert e2e.state_of(hass, internet) == "off"
    await hass.services.async_call("switch", "turn_off", {"entity_id": trackers}, blocking=True)
    assert not any("$client=" in r for r in agh.user_rules)
    assert _users(agh.user_rules) == USER_RULES
    assert e2e.state_of(hass, trackers) == "off"


async def test_filtering_off_means_switch_off(hass: HomeAssistant, agh: AdGuardEmulator) -> None:
    """Rules written but not applied by the server: the switch reads back off."""
    agh.filtering_enabled = False
    entry = _entry(hass, agh)
    coordinator = await e2e.setup_entry(hass, entry)
    trackers = _eid(hass, TV_MAC, "block_trackers", "switch")
    await hass.services.async_call("switch", "turn_on", {"entity_id": trackers}, blocking=True)
    assert any("$client=" in r for r in agh.user_rules)
    state = hass.states.get(trackers)
    assert state.state == "off"
    assert state.attributes["desired"] is True
    assert "filtering_disabled" in state.attributes["not_enforced_because"]
    assert coordinator.blocks.policies[TV_MAC].block_trackers


async def test_honest_wording(hass: HomeAssistant, agh: AdGuardEmulator) -> None:
    entry = _entry(hass, agh)
    await e2e.setup_entry(hass, entry)
    error = await e2e.assert_dns_wording(hass, entry, ROUTER_ID, TV_MAC)
    assert error.translation_domain == DOMAIN
    assert "DNS filter" in str(error)
    for key in ("block_trackers", "block_internet"):
        attrs = hass.states.get(_eid(hass, TV_MAC, key, "switch")).attributes
        assert attrs["not_enforced_because"] == []
    assert er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)


async def test_wrong_password_is_one_request_and_reauth(
    hass: HomeAssistant, agh: AdGuardEmulator
) -> None:
    entry = _entry(hass, agh, password="wrong")
    await e2e.assert_setup_starts_reauth(hass, entry)
    clock = Clock(hass)
    for _ in range(3):
        await clock.tick(300)
    assert agh.failed_logins == 1
    assert len(agh.requests) == 1


async def test_removal_leaves_nothing_of_ours(
    hass: HomeAssistant, agh: AdGuardEmulator, hass_storage: dict[str, Any]
) -> None:
    before = (list(agh.user_rules), copy.deepcopy(agh.access))
    entry = _entry(hass, agh)
    await e2e.setup_entry(hass, entry)
    for key in ("block_trackers", "block_internet"):
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": _eid(hass, TV_MAC, key, "switch")}, blocking=True
        )
    assert agh.user_rules != before[0]
    assert agh.access != before[1]
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert (agh.user_rules, agh.access) == before
    assert f"{DOMAIN}.{entry.entry_id}" not in hass_storage


def _assert_shown_as_data(hass: HomeAssistant, mac: str) -> None:
    """The hostile device name is plain text (one line); hostile query names count nothing."""
    sensor = hass.states.get(_eid(hass, mac, "tracker_contacts"))
    name = sensor.attributes["friendly_name"]
    assert name.startswith("<img src=x onerror=alert(1)> second line x")
    assert "\n" not in name
    assert "\r" not in name
    # Names that are no DNS names are not tracker contacts; the plain one is.
    assert sensor.state == "1"
    assert sensor.attributes["last_tracker"] == "metrics.samsungads.com"
    assert e2e.state_of(hass, _eid(hass, mac, "last_tracker")) == "metrics.samsungads.com"
    for state in hass.states.async_all():
        assert "<b>" not in state.state


async def test_hostile_names_are_data(hass: HomeAssistant, agh: AdGuardEmulator) -> None:
    agh.leases.append({"mac": RUNTIME_MAC, "ip": RUNTIME_IP, "hostname": HOSTILE})
    entry = _entry(hass, agh, **{CONF_INCLUDE: [RUNTIME_MAC]})
    coordinator = await e2e.setup_entry(hass, entry)
    sensor = _eid(hass, RUNTIME_MAC, "tracker_contacts")
    name = hass.states.get(sensor).attributes["friendly_name"]
    assert "<img src=x onerror=alert(1)>" in name  # shown as the text it is
    await e2e.wait_polls(hass, coordinator, 1)
    agh.add_query(RUNTIME_IP, HOSTILE + ".samsungads.com", client_name=HOSTILE)
    agh.add_query(RUNTIME_IP, "<b>x</b>.samsungads.com", client_name=HOSTILE)
    agh.add_query(RUNTIME_IP, "metrics.samsungads.com", client_name=HOSTILE)
    await e2e.wait_until(hass, lambda: e2e.state_of(hass, sensor) not in ("0", "unknown"))
    await e2e.wait_polls(hass, coordinator, 2)
    _assert_shown_as_data(hass, RUNTIME_MAC)
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": _eid(hass, RUNTIME_MAC, "block_trackers", "switch")},
        blocking=True,
    )
    ours = _ours(agh.user_rules)
    assert any(f"$client={RUNTIME_IP}" in r for r in ours)
    for rule in ours:
        assert _OUR_LINE.fullmatch(rule), rule
        assert "<" not in rule
        assert "x" * 50 not in rule
    assert all(isinstance(v, str) for v in agh.access["disallowed_clients"])


def _runtime_client(agh: AdGuardEmulator, neighbours: dict[str, str], name: str) -> None:
    """A client AdGuard Home knows by its name (rDNS) only; the neighbour table has its MAC."""
    agh.auto_clients = [{"ip": RUNTIME_IP, "name": name, "source": "rDNS", "whois_info": {}}]
    neighbours[RUNTIME_IP] = RUNTIME_MAC


async def test_ip_only_client_identified_by_neighbour_table(
    hass: HomeAssistant, agh: AdGuardEmulator, neighbours: dict[str, str]
) -> None:
    _runtime_client(agh, neighbours, "living-room")
    entry = _entry(hass, agh, **{CONF_INCLUDE: [RUNTIME_MAC]})
    coordinator = await e2e.setup_entry(hass, entry)
    sensor = _eid(hass, RUNTIME_MAC, "tracker_contacts")
    await e2e.wait_polls(hass, coordinator, 1)
    agh.add_query(RUNTIME_IP, "samsungads.com")
    await e2e.wait_until(hass, lambda: e2e.state_of(hass, sensor) == "1")
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    devices = list(diagnostics["devices"].values())
    found = [d for d in devices if d["contacts_24h"] == 1]
    assert [d["identified_by"] for d in found] == ["neighbour_table"]
    tv = [d for d in devices if d["identified_by"] == "dns_filter"]
    assert tv  # the TV, known to AdGuard Home by its lease


async def test_runtime_client_name_feeds_discovery(
    hass: HomeAssistant, agh: AdGuardEmulator, neighbours: dict[str, str]
) -> None:
    """A client AdGuard Home names (rDNS) but has no MAC for is classified by that name."""
    _runtime_client(agh, neighbours, "Samsung-TV-Bedroom")
    entry = _entry(hass, agh)  # no include: watched because it is classified as a TV
    await e2e.setup_entry(hass, entry)
    sensor = _eid(hass, RUNTIME_MAC, "tracker_contacts")
    state = hass.states.get(sensor)
    assert state is not None
    assert state.attributes["kind"] == "tv"
    assert any("Samsung-TV-Bedroom" in e for e in state.attributes["evidence"])


async def test_protection_off_is_shown_and_not_reapplied(
    hass: HomeAssistant, agh: AdGuardEmulator
) -> None:
    entry = _entry(hass, agh)
    coordinator = await e2e.setup_entry(hass, entry)
    trackers = _eid(hass, TV_MAC, "block_trackers", "switch")
    await hass.services.async_call("switch", "turn_on", {"entity_id": trackers}, blocking=True)
    assert e2e.state_of(hass, trackers) == "on"
    agh.protection_enabled = False
    reads = len(agh.requests)
    clock = Clock(hass)
    await clock.tick(31, coordinator)
    assert ("GET", "/status", {}) in agh.requests[reads:], agh.requests[reads:]
    state = hass.states.get(trackers)
    assert state.state == "off"
    assert "protection_disabled" in state.attributes["not_enforced_because"]
    count = coordinator.reapply_count
    writes = len(agh.writes)
    for _ in range(3):
        await clock.tick(31, coordinator)
    assert coordinator.reapply_count == count
    assert len(agh.writes) == writes


async def test_block_follows_the_lease_and_never_names_another_device(
    hass: HomeAssistant, agh: AdGuardEmulator
) -> None:
    """A device gone quiet stays blocked; its old address held by another device is dropped."""
    entry = _entry(hass, agh)
    coordinator = await e2e.setup_entry(hass, entry)
    trackers = _eid(hass, TV_MAC, "block_trackers", "switch")
    await hass.services.async_call("switch", "turn_on", {"entity_id": trackers}, blocking=True)
    assert e2e.state_of(hass, trackers) == "on"
    clock = Clock(hass)
    # The TV's lease disappears and nothing else knows its address: the block holds.
    agh.leases = [lease for lease in agh.leases if lease["mac"] != TV_MAC]
    await clock.tick(31, coordinator)
    assert e2e.state_of(hass, trackers) == "on"
    assert any(f"$client={TV_IP}" in rule for rule in agh.user_rules)
    # The laptop now holds the TV's old address: no rule may name it for the TV.
    agh.leases = [{"mac": LAPTOP_MAC, "ip": TV_IP, "hostname": "work-laptop"}]
    await clock.tick(31, coordinator)
    await clock.tick(31, coordinator)
    assert not any(f"$client={TV_IP}" in rule for rule in agh.user_rules)
    state = hass.states.get(trackers)
    assert state is not None
    assert state.state == "off"
    assert state.attributes["desired"] is True
    assert "address_unknown" in state.attributes["not_enforced_because"]
