"""AdGuard Home end to end: Home Assistant → Snoop Guard → the AdGuard Home emulator on loopback.

Every request the backend sends and every reply the emulator gives is checked
against AdGuard Home's OpenAPI spec; a test fails on any violation. The DNS
feed sleeps POLL_INTERVAL between polls with asyncio (not Home Assistant's
clock), so the interval is shortened here and tests wait on real time.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.backends.adguard_rules import BEGIN, END
from custom_components.snoop_guard.backends.base import DnsQuery
from custom_components.snoop_guard.const import (
    CONF_DEFAULT_LISTS_OFF,
    CONF_INCLUDE,
    CONF_ROUTER_ID,
    DOMAIN,
)
from custom_components.snoop_guard.coordinator import SnoopGuardCoordinator
from custom_components.snoop_guard.diagnostics import async_get_config_entry_diagnostics
from custom_components.snoop_guard.dnsfeed import DnsFeed
from custom_components.snoop_guard.engine.vendorlists import CATALOGUE
from tests.emulators.adguard import AdGuardEmulator, serve

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


@pytest.fixture(autouse=True)
def fast_poll() -> Generator[None]:
    """Poll every 20 ms instead of 2 s (the benchmark measures the real interval)."""
    with patch("custom_components.snoop_guard.dnsfeed.POLL_INTERVAL", timedelta(seconds=0.02)):
        yield


@pytest.fixture
def neighbours() -> Generator[dict[str, str]]:
    """This host's neighbour table, as the coordinator reads it."""
    table: dict[str, str] = {}

    async def read() -> dict[str, str]:
        return dict(table)

    with patch("custom_components.snoop_guard.coordinator.async_read_neighbours", side_effect=read):
        yield table


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
    hass: HomeAssistant, emulator: AdGuardEmulator, *, password: str = "s3cret", **options: Any
) -> MockConfigEntry:
    port = emulator.port  # type: ignore[attr-defined]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AdGuard Home",
        version=1,
        minor_version=2,
        unique_id=f"adguard:127.0.0.1:{port}",
        data={
            "backend": "adguard",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_USERNAME: "admin",
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


def _eid(hass: HomeAssistant, mac: str, key: str, platform: str = "sensor") -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{ROUTER_ID}_{mac}_{key}")
    assert found is not None, f"no {key} entity for {mac}"
    return found


async def _until(hass: HomeAssistant, check: Callable[[], bool], limit: float = 2.0) -> None:
    """Let the feed poll (real time) until ``check`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)
        await hass.async_block_till_done()


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
            await _until(self.hass, lambda: coordinator.data is not before)


async def _polls(hass: HomeAssistant, coordinator: SnoopGuardCoordinator, count: int) -> None:
    start = coordinator.dns.polls
    await _until(hass, lambda: coordinator.dns.polls >= start + count)


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


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
    entry = _entry(hass, agh)
    coordinator = await _setup(hass, entry)
    sensor = _eid(hass, TV_MAC, "tracker_contacts")
    assert _state(hass, sensor) == "0"
    laptop = f"{ROUTER_ID}_{LAPTOP_MAC}_tracker_contacts"
    assert er.async_get(hass).async_get_entity_id("sensor", DOMAIN, laptop) is None

    await _polls(hass, coordinator, 1)
    agh.add_query(TV_IP, "log.samsungads.com")
    agh.add_query(TV_IP, "www.example.org")
    agh.add_query(TV_IP, "acr.samba.tv", "AAAA")
    await _until(hass, lambda: _state(hass, sensor) == "2")
    await _polls(hass, coordinator, 2)
    assert _state(hass, sensor) == "2"
    assert hass.states.get(sensor).attributes["companies"] == {"Samsung Ads": 1, "Samba TV": 1}

    # Reload: the stored cursor is reused, nothing is counted twice.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]["poll_cursor"]
    assert stored
    coordinator = entry.runtime_data.coordinator
    await _polls(hass, coordinator, 3)
    assert _state(hass, sensor) == "2"

    # Unloaded: a query logged meanwhile is counted after setup (no gap).
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    agh.add_query(TV_IP, "alphonso.tv")
    coordinator = await _setup(hass, entry)
    await _until(hass, lambda: _state(hass, sensor) == "3")
    await _polls(hass, coordinator, 2)
    assert _state(hass, sensor) == "3"
    # Each logged query reached the feed exactly once, across reload and unload.
    assert handled == ["log.samsungads.com", "www.example.org", "acr.samba.tv", "alphonso.tv"]
    # After the first setup every poll resumed from the stored cursor (no fresh backlog).
    assert [q for m, p, q in agh.requests if p == "/querylog" and q.get("limit") == "100"] == [
        {"limit": "100"}
    ]


async def test_block_switches_write_read_back_and_keep_user_state(
    hass: HomeAssistant, agh: AdGuardEmulator
) -> None:
    entry = _entry(hass, agh)
    await _setup(hass, entry)
    trackers = _eid(hass, TV_MAC, "block_trackers", "switch")
    internet = _eid(hass, TV_MAC, "block_internet", "switch")
    assert _state(hass, trackers) == "off"

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
    assert _state(hass, trackers) == "on"

    await hass.services.async_call("switch", "turn_on", {"entity_id": internet}, blocking=True)
    assert agh.access["disallowed_clients"] == [*USER_ACCESS["disallowed_clients"], TV_IP]
    assert agh.access["blocked_hosts"] == USER_ACCESS["blocked_hosts"]
    assert _state(hass, internet) == "on"

    await hass.services.async_call("switch", "turn_off", {"entity_id": internet}, blocking=True)
    assert agh.access == USER_ACCESS
    assert _state(hass, internet) == "off"
    await hass.services.async_call("switch", "turn_off", {"entity_id": trackers}, blocking=True)
    assert not any("$client=" in r for r in agh.user_rules)
    assert _users(agh.user_rules) == USER_RULES
    assert _state(hass, trackers) == "off"


async def test_filtering_off_means_switch_off(hass: HomeAssistant, agh: AdGuardEmulator) -> None:
    """Rules written but not applied by the server: the switch reads back off."""
    agh.filtering_enabled = False
    entry = _entry(hass, agh)
    coordinator = await _setup(hass, entry)
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
    await _setup(hass, entry)
    for key in ("block_trackers", "block_internet"):
        attrs = hass.states.get(_eid(hass, TV_MAC, key, "switch")).attributes
        assert attrs["enforced_by"] == "dns"
        assert attrs["bypassable_by_own_dns"] is True
        assert attrs["not_enforced_because"] == []
    ours = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert ours
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
    assert err.value.translation_domain == DOMAIN
    assert "DNS filter" in str(err.value)


async def test_wrong_password_is_one_request_and_reauth(
    hass: HomeAssistant, agh: AdGuardEmulator
) -> None:
    entry = _entry(hass, agh, password="wrong")
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
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
    await _setup(hass, entry)
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
    assert _state(hass, _eid(hass, mac, "last_tracker")) == "metrics.samsungads.com"
    for state in hass.states.async_all():
        assert "<b>" not in state.state


async def test_hostile_names_are_data(hass: HomeAssistant, agh: AdGuardEmulator) -> None:
    agh.leases.append({"mac": RUNTIME_MAC, "ip": RUNTIME_IP, "hostname": HOSTILE})
    entry = _entry(hass, agh, **{CONF_INCLUDE: [RUNTIME_MAC]})
    coordinator = await _setup(hass, entry)
    sensor = _eid(hass, RUNTIME_MAC, "tracker_contacts")
    name = hass.states.get(sensor).attributes["friendly_name"]
    assert "<img src=x onerror=alert(1)>" in name  # shown as the text it is
    await _polls(hass, coordinator, 1)
    agh.add_query(RUNTIME_IP, HOSTILE + ".samsungads.com", client_name=HOSTILE)
    agh.add_query(RUNTIME_IP, "<b>x</b>.samsungads.com", client_name=HOSTILE)
    agh.add_query(RUNTIME_IP, "metrics.samsungads.com", client_name=HOSTILE)
    await _until(hass, lambda: _state(hass, sensor) not in ("0", "unknown"))
    await _polls(hass, coordinator, 2)
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


async def test_ip_only_client_identified_by_neighbour_table(
    hass: HomeAssistant, agh: AdGuardEmulator, neighbours: dict[str, str]
) -> None:
    agh.auto_clients = [
        {"ip": RUNTIME_IP, "name": "living-room", "source": "rDNS", "whois_info": {}}
    ]
    neighbours[RUNTIME_IP] = RUNTIME_MAC
    entry = _entry(hass, agh, **{CONF_INCLUDE: [RUNTIME_MAC]})
    coordinator = await _setup(hass, entry)
    sensor = _eid(hass, RUNTIME_MAC, "tracker_contacts")
    await _polls(hass, coordinator, 1)
    agh.add_query(RUNTIME_IP, "samsungads.com")
    await _until(hass, lambda: _state(hass, sensor) == "1")
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
    agh.auto_clients = [
        {"ip": RUNTIME_IP, "name": "Samsung-TV-Bedroom", "source": "rDNS", "whois_info": {}}
    ]
    neighbours[RUNTIME_IP] = RUNTIME_MAC
    entry = _entry(hass, agh)  # no include: watched because it is classified as a TV
    await _setup(hass, entry)
    sensor = _eid(hass, RUNTIME_MAC, "tracker_contacts")
    state = hass.states.get(sensor)
    assert state is not None
    assert state.attributes["kind"] == "tv"
    assert any("Samsung-TV-Bedroom" in e for e in state.attributes["evidence"])


async def test_protection_off_is_shown_and_not_reapplied(
    hass: HomeAssistant, agh: AdGuardEmulator
) -> None:
    entry = _entry(hass, agh)
    coordinator = await _setup(hass, entry)
    trackers = _eid(hass, TV_MAC, "block_trackers", "switch")
    await hass.services.async_call("switch", "turn_on", {"entity_id": trackers}, blocking=True)
    assert _state(hass, trackers) == "on"
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
