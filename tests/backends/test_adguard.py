"""The AdGuard Home backend against the emulator on loopback (every exchange spec-checked)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from custom_components.snoop_guard.backends.adguard import AdGuardBackend
from custom_components.snoop_guard.backends.adguard_rules import BEGIN, END
from custom_components.snoop_guard.backends.base import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    DevicePolicy,
    NamedAddress,
    TrackerSet,
    WrongServerError,
)
from tests.emulators.adguard import BLOCK_SECONDS, AdGuardEmulator, serve

TV_MAC, TV_IP = "aa:bb:cc:00:00:01", "192.168.1.50"
SPEAKER_MAC, SPEAKER_IP = "aa:bb:cc:00:00:02", "192.168.1.51"
TRACKERS = TrackerSet(
    domains=("samsungads.com", "acr.samba.tv", "BAD$domain", "alphonso.tv"),
    snippet="",
    sha256="ab" * 32,
)
ODD_RULES = [
    "! my own rules",
    "",
    "||ads.example^   ",
    "@@||good.example^$important",
    "# comment with ünïcödé and a tab\t",
    "/regex\\d+/",
    "\r",
    "! snoop-guard:begin but not ours",
]


@dataclass
class Harness:
    emulator: AdGuardEmulator
    session: aiohttp.ClientSession
    port: int

    def backend(self, password: str | None = None) -> AdGuardBackend:
        return AdGuardBackend(
            self.session,
            host="127.0.0.1",
            port=self.port,
            username=self.emulator.username,
            password=self.emulator.password if password is None else password,
        )


@pytest.fixture
async def agh(socket_enabled: None) -> AsyncGenerator[Harness]:
    emulator = AdGuardEmulator()
    async with serve(emulator.app()) as port, aiohttp.ClientSession() as session:
        yield Harness(emulator, session, port)
    assert emulator.violations == []


async def test_connect_reports_version(agh: Harness) -> None:
    info = await agh.backend().async_connect()
    assert info.system == "adguardhome"
    assert info.hostname == "AdGuard Home v0.107.57"


async def test_wrong_password_is_one_attempt_then_latched(agh: Harness) -> None:
    backend = agh.backend(password="wrong")
    for _ in range(3):
        with pytest.raises(BackendAuthError, match="15 minutes"):
            await backend.async_connect()
        with pytest.raises(BackendAuthError):
            await backend.async_poll_queries(None)
    assert agh.emulator.failed_logins == 1
    assert len(agh.emulator.requests) == 1


async def test_lockout_is_honoured_and_expires(agh: Harness) -> None:
    for _ in range(5):
        with pytest.raises(BackendAuthError):
            await agh.backend(password="wrong").async_connect()
    # Locked out: even the right password is refused, and it is one request.
    with pytest.raises(BackendAuthError):
        await agh.backend().async_connect()
    assert agh.emulator.failed_logins == 5
    agh.emulator.skew += BLOCK_SECONDS + 1
    assert (await agh.backend().async_connect()).system == "adguardhome"


async def test_cookie_login_and_lockout_on_the_login_endpoint(agh: Harness) -> None:
    url = f"http://127.0.0.1:{agh.port}/control/login"
    for _ in range(5):
        async with agh.session.post(url, json={"name": "admin", "password": "no"}) as reply:
            assert reply.status == 403
    async with agh.session.post(url, json={"name": "admin", "password": "s3cret"}) as reply:
        assert reply.status == 429
        assert int(reply.headers["Retry-After"]) > 800
    agh.emulator.skew += BLOCK_SECONDS + 1
    async with agh.session.post(url, json={"name": "admin", "password": "s3cret"}) as reply:
        assert reply.status == 200
        token = reply.cookies["agh_session"].value
    status = f"http://127.0.0.1:{agh.port}/control/status"
    async with agh.session.get(status, cookies={"agh_session": "00" * 16}) as reply:
        assert reply.status == 401
    async with agh.session.get(status, cookies={"agh_session": token}) as reply:
        assert reply.status == 200  # The session cookie alone is enough.


async def test_unreachable_is_a_connection_error(socket_enabled: None) -> None:
    async with aiohttp.ClientSession() as session:
        # Port 9 on loopback: nothing listens there.
        backend = AdGuardBackend(session, host="127.0.0.1", port=9)
        with pytest.raises(BackendConnectionError):
            await backend.async_connect()


@pytest.mark.parametrize(
    ("status", "body", "content_type", "wrong_server"),
    [
        (404, "404 page not found", "text/plain", True),
        (200, "<html><body>Router login</body></html>", "text/html", True),
        (200, '{"hello": "world"}', "application/json", True),
        (500, '{"message": "boom"}', "application/json", False),
    ],
)
async def test_other_http_server_is_a_response_error(
    socket_enabled: None, status: int, body: str, content_type: str, wrong_server: bool
) -> None:
    async def anything(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    async with serve(app) as port, aiohttp.ClientSession() as session:
        backend = AdGuardBackend(session, host="127.0.0.1", port=port)
        with pytest.raises(BackendResponseError) as err:
            await backend.async_connect()
        assert isinstance(err.value, WrongServerError) is wrong_server


async def test_clients_say_how_they_were_identified(agh: Harness) -> None:
    emulator = agh.emulator
    emulator.clients = [
        {"name": "Living room TV", "ids": [TV_MAC.upper(), TV_IP, "tv-livingroom"], "tags": []},
        {"name": "Guest net", "ids": ["192.168.9.0/24"]},
    ]
    emulator.dhcp_enabled = True
    emulator.leases = [
        {
            "mac": SPEAKER_MAC,
            "ip": SPEAKER_IP,
            "hostname": "Sonos",
            "expires": "2026-12-01T10:00:00Z",
        }
    ]
    emulator.auto_clients = [
        {"ip": TV_IP, "name": "tv.lan", "source": "rDNS", "whois_info": {}},
        {
            "ip": "192.168.1.77",
            "name": "'; DROP TABLE\n||evil^$client=*",
            "source": "ARP",
            "whois_info": {},
        },
    ]
    backend = agh.backend()
    every = await backend.async_list_all_clients()
    by_source = {(c.source, c.mac or (c.ips or (c.name,))[0]): c for c in every}
    tv = by_source["persistent", TV_MAC]
    assert tv.ips == (TV_IP,)
    assert tv.client_ids == ("tv-livingroom",)
    assert by_source["dhcp", SPEAKER_MAC].name == "Sonos"
    hostile = by_source["runtime:ARP", "192.168.1.77"]
    assert hostile.name == "'; DROP TABLE\n||evil^$client=*"
    assert hostile.mac is None
    # The TV's runtime entry is known through its persistent client: not listed twice.
    assert ("runtime:rDNS", TV_IP) not in by_source
    routers = await backend.async_list_clients()
    assert [(c.mac, c.ips, c.hostname) for c in routers] == [
        (TV_MAC, (TV_IP,), "Living room TV"),
        (SPEAKER_MAC, (SPEAKER_IP,), "Sonos"),
    ]
    # MAC-less named clients are offered for discovery, their names as data.
    assert backend.named_addresses == (
        NamedAddress("192.168.1.77", "'; DROP TABLE\n||evil^$client=*", "runtime:ARP"),
    )


def _policies(*, trackers: bool = False, internet: bool = False) -> list[DevicePolicy]:
    return [
        DevicePolicy(TV_MAC, (TV_IP,), block_trackers=trackers, block_internet=internet),
        DevicePolicy(SPEAKER_MAC, (SPEAKER_IP,)),
    ]


async def test_tracker_block_written_read_back_and_removed(agh: Harness) -> None:
    emulator = agh.emulator
    emulator.user_rules = list(ODD_RULES)
    emulator.clients = [{"name": "TV", "ids": [TV_MAC, "tv-livingroom"]}]
    backend = agh.backend()
    state = await backend.async_read_state(_policies(trackers=True), TRACKERS)
    assert not state.table_present
    assert state.block_trackers == frozenset()

    await backend.async_apply(_policies(trackers=True), TRACKERS)
    rules = emulator.user_rules
    assert rules[: len(ODD_RULES)] == ODD_RULES
    block = rules[len(ODD_RULES) :]
    assert block[0] == BEGIN
    assert block[-1] == END
    assert "||samsungads.com^$client=192.168.1.50|tv-livingroom" in block
    assert not any("BAD" in line for line in block)
    state = await backend.async_read_state(_policies(trackers=True), TRACKERS)
    assert state.table_present
    assert state.rules_intact
    assert state.dns_snippet_current
    assert state.in_sync
    assert state.block_trackers == {TV_MAC}
    assert state.tracker_addresses == 3

    # Applying again changes nothing on the server.
    writes = len(emulator.writes)
    await backend.async_apply(_policies(trackers=True), TRACKERS)
    assert len(emulator.writes) == writes

    # Turning it off keeps the (empty) block; removal leaves the user's rules exactly.
    await backend.async_apply(_policies(), TRACKERS)
    state = await backend.async_read_state(_policies(), TRACKERS)
    assert state.block_trackers == frozenset()
    assert state.in_sync
    await backend.async_remove_all()
    assert emulator.user_rules == ODD_RULES


async def test_block_edited_by_hand_reads_back_off(agh: Harness) -> None:
    emulator = agh.emulator
    backend = agh.backend()
    await backend.async_apply(_policies(trackers=True), TRACKERS)
    emulator.user_rules = [line for line in emulator.user_rules if "samsungads" not in line]
    state = await backend.async_read_state(_policies(trackers=True), TRACKERS)
    assert not state.rules_intact
    assert not state.in_sync
    assert state.block_trackers == frozenset()
    await backend.async_apply(_policies(trackers=True), TRACKERS)
    assert (await backend.async_read_state(_policies(trackers=True), TRACKERS)).in_sync


async def test_concurrent_edit_is_detected_and_kept(agh: Harness) -> None:
    emulator = agh.emulator
    emulator.user_rules = ["||mine.example^"]

    def user_saves(reads: int) -> None:
        if reads == 1:  # Right after our first read, the user saves in the web UI.
            emulator.user_rules = [*emulator.user_rules, "||added-meanwhile.example^"]

    emulator.after_reply["/filtering/status"] = user_saves
    await agh.backend().async_apply(_policies(trackers=True), TRACKERS)
    assert emulator.user_rules[:2] == ["||mine.example^", "||added-meanwhile.example^"]
    assert emulator.user_rules[2] == BEGIN


async def test_rules_that_keep_changing_are_never_clobbered(agh: Harness) -> None:
    emulator = agh.emulator

    def user_keeps_typing(reads: int) -> None:
        emulator.user_rules = [*emulator.user_rules, f"||edit{reads}.example^"]

    emulator.after_reply["/filtering/status"] = user_keeps_typing
    with pytest.raises(BackendResponseError, match="kept changing"):
        await agh.backend().async_apply(_policies(trackers=True), TRACKERS)
    assert [w for w in emulator.writes if w[0] == "set_rules"] == []
    assert BEGIN not in emulator.user_rules


async def test_internet_block_via_access_list(agh: Harness) -> None:
    emulator = agh.emulator
    user_access = {
        "allowed_clients": [],
        "disallowed_clients": ["10.0.0.9", "badphone", "192.168.1.51"],
        "blocked_hosts": ["version.bind", "id.server", "hostname.bind"],
    }
    emulator.access = {k: list(v) for k, v in user_access.items()}
    emulator.user_rules = list(ODD_RULES)
    backend = agh.backend()
    policies = [
        DevicePolicy(TV_MAC, (TV_IP, "fe80::1"), block_internet=True),
        # The user already disallowed this one: blocked, but never ours to remove.
        DevicePolicy(SPEAKER_MAC, (SPEAKER_IP,), block_internet=True),
    ]
    await backend.async_apply(policies, TRACKERS)
    assert emulator.access["disallowed_clients"] == [
        *user_access["disallowed_clients"],
        TV_IP,
        "fe80::1",
    ]
    assert emulator.access["blocked_hosts"] == user_access["blocked_hosts"]
    state = await backend.async_read_state(policies, TRACKERS)
    assert state.block_internet == {TV_MAC, SPEAKER_MAC}
    assert state.in_sync

    await backend.async_apply([DevicePolicy(TV_MAC, (TV_IP,))], TRACKERS)
    assert emulator.access == user_access
    await backend.async_apply(policies, TRACKERS)
    await backend.async_remove_all()
    assert emulator.access == user_access
    assert emulator.user_rules == ODD_RULES


async def test_allowlist_mode_reads_back_off(agh: Harness) -> None:
    emulator = agh.emulator
    emulator.access["allowed_clients"] = ["192.168.1.0/24"]
    backend = agh.backend()
    policies = [DevicePolicy(TV_MAC, (TV_IP,), block_internet=True)]
    await backend.async_apply(policies, TRACKERS)
    assert TV_IP in emulator.access["disallowed_clients"]
    writes = len(emulator.writes)
    for _ in range(3):
        state = await backend.async_read_state(policies, TRACKERS)
        # AdGuard Home ignores disallowed_clients while an allowlist is set: not
        # enforced, but written as wanted (no re-apply), and the reason is named.
        assert state.block_internet == frozenset()
        assert state.in_sync
        assert state.limits == ("allowlist_mode",)
    assert len(emulator.writes) == writes


async def test_user_cidr_counts_as_blocked(agh: Harness) -> None:
    agh.emulator.access["disallowed_clients"] = ["192.168.1.0/24"]
    policies = [DevicePolicy(TV_MAC, (TV_IP,), block_internet=True)]
    state = await agh.backend().async_read_state(policies, TRACKERS)
    assert state.block_internet == {TV_MAC}


async def test_hostile_names_never_reach_rules(agh: Harness) -> None:
    emulator = agh.emulator
    emulator.clients = [{"name": "x'|y,z\n||a^", "ids": [TV_MAC, "Not A ClientID!", "x|y"]}]
    policies = [
        DevicePolicy(
            TV_MAC,
            (TV_IP, "1.2.3.4\n||evil^", "tv$important"),
            block_trackers=True,
            block_internet=True,
        )
    ]
    await agh.backend().async_apply(policies, TRACKERS)
    block = emulator.user_rules
    assert all(line.startswith("!") or line.endswith("$client=192.168.1.50") for line in block)
    assert emulator.access["disallowed_clients"] == [TV_IP]


@pytest.mark.parametrize(
    "switch_off",
    [
        lambda e: setattr(e, "protection_enabled", False),
        lambda e: setattr(e, "filtering_enabled", False),
        lambda e: e.clients.append(
            {"name": "TV", "ids": [TV_IP], "use_global_settings": False, "filtering_enabled": False}
        ),
        lambda e: e.user_rules.insert(0, "@@||samsungads.com^$important"),
    ],
    ids=["protection-off", "filtering-off", "client-filtering-off", "user-override"],
)
async def test_tracker_rules_that_do_not_apply_read_back_off(
    agh: Harness, switch_off: Callable[[AdGuardEmulator], None], request: pytest.FixtureRequest
) -> None:
    backend = agh.backend()
    await backend.async_apply(_policies(trackers=True), TRACKERS)
    state = await backend.async_read_state(_policies(trackers=True), TRACKERS)
    assert state.block_trackers
    assert state.in_sync
    assert state.limits == ()
    writes = len(agh.emulator.writes)
    assert writes == 1  # One apply: one write of the user rules.
    switch_off(agh.emulator)
    limit = {
        "protection-off": "protection_disabled",
        "filtering-off": "filtering_disabled",
        "client-filtering-off": "client_filtering_off",
        "user-override": "user_rule_override",
    }[request.node.callspec.id]
    for _ in range(3):
        state = await backend.async_read_state(_policies(trackers=True), TRACKERS)
        # What we wrote is still as wanted: in sync, so the coordinator does not
        # re-apply; what the server enforces is off, and ``limits`` says why.
        assert state.in_sync
        assert state.limits == (limit,)
        if limit != "user_rule_override":
            assert state.block_trackers == frozenset()
    await backend.async_apply(_policies(trackers=True), TRACKERS)
    assert len(agh.emulator.writes) == writes
