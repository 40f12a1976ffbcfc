"""Pi-hole v6 backend against the emulator on loopback: login, sessions, clients, query log."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncGenerator, Callable

import aiohttp
import pytest
from aiohttp import web

from custom_components.snoop_guard.backends.base import (
    BackendAuthError,
    BackendConnectionError,
    Capability,
    NamedAddress,
    PolledDnsSource,
    RouterClient,
    RouterInfo,
    WrongServerError,
)
from custom_components.snoop_guard.backends.pihole import (
    PiholeBackend,
    PiholeSeatsExceededError,
    PiholeTwoFactorError,
)
from custom_components.snoop_guard.backends.pihole_queries import by_device
from tests.emulators.pihole import PiholeEmulator
from tests.emulators.pihole_fixtures import (  # noqa: F401
    PASSWORD,
    fixture_backend,
    fixture_http,
    fixture_make_backend,
    fixture_pihole,
)

type Make = Callable[..., PiholeBackend]

HOSTILE = "tv$(reboot)`id`;rm -rf / (.*)|^[a]+$ <script>alert(1)</script>"


async def test_connect_and_close_release_the_session(
    pihole: PiholeEmulator, make_backend: Make
) -> None:
    backend = make_backend()
    assert backend.capabilities == frozenset(Capability) - {Capability.BLOCK_BYPASS}
    assert await backend.async_connect() == RouterInfo(system="pihole", hostname="pihole")
    assert pihole.live_sessions() == 1
    assert pihole.logins == 1
    await backend.async_close()
    assert pihole.live_sessions() == 0
    assert pihole.sessions == {}


async def test_concurrent_first_requests_share_one_login(
    pihole: PiholeEmulator, make_backend: Make
) -> None:
    backend = make_backend()
    await asyncio.gather(*(backend.async_list_clients() for _ in range(5)))
    assert pihole.logins == 1
    pihole.expire_sessions()
    await asyncio.gather(*(backend.async_list_clients() for _ in range(5)))
    assert pihole.logins == 2
    await backend.async_close()


async def test_wrong_password_is_one_auth_error(pihole: PiholeEmulator, make_backend: Make) -> None:
    backend = make_backend(password="wrong")
    with pytest.raises(BackendAuthError) as err:
        await backend.async_connect()
    assert not isinstance(err.value, PiholeTwoFactorError)
    assert pihole.logins == 1
    await backend.async_close()
    assert pihole.sessions == {}


async def test_two_factor_account_needs_an_app_password(
    pihole: PiholeEmulator, make_backend: Make
) -> None:
    pihole.totp = True
    pihole.app_password = "app-password-123"
    with pytest.raises(PiholeTwoFactorError, match="app password"):
        await make_backend().async_connect()
    assert pihole.logins == 1

    app = make_backend(password="app-password-123")
    await app.async_connect()
    assert [s.app for s in pihole.sessions.values()] == [True]
    await app.async_close()


async def test_unreachable_is_a_connection_error(
    socket_enabled: None, http: aiohttp.ClientSession
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = PiholeBackend(http, host="127.0.0.1", port=port, password=PASSWORD)
    with pytest.raises(BackendConnectionError):
        await backend.async_connect()


@pytest.fixture
async def web_ui(socket_enabled: None) -> AsyncGenerator[int]:
    """A router's web interface: HTML for every path."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>Router login</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    await runner.cleanup()


async def test_not_a_pihole_is_a_wrong_server(web_ui: int, http: aiohttp.ClientSession) -> None:
    backend = PiholeBackend(http, host="127.0.0.1", port=web_ui, password=PASSWORD)
    with pytest.raises(WrongServerError):
        await backend.async_connect()


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (
            404,
            '{"error": {"key": "not_found", "message": "Not found", "hint": null}}',
            "application/json",
        ),
        (404, "404 page not found", "text/plain"),
        (200, '{"hello": "world"}', "application/json"),
        (200, "not json", "application/json"),
    ],
)
async def test_other_servers_are_wrong_servers(
    socket_enabled: None, http: aiohttp.ClientSession, status: int, body: str, content_type: str
) -> None:
    async def anything(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        backend = PiholeBackend(http, host="127.0.0.1", port=port, password=PASSWORD)
        with pytest.raises(WrongServerError):
            await backend.async_connect()
    finally:
        await runner.cleanup()


async def test_refused_password_is_latched_one_login_only(
    pihole: PiholeEmulator, make_backend: Make
) -> None:
    backend = make_backend(password="wrong")
    for _ in range(3):
        with pytest.raises(BackendAuthError):
            await backend.async_poll_dns(None)
    with pytest.raises(BackendAuthError):
        await backend.async_list_clients()
    assert pihole.logins == 1
    assert len(pihole.requests) == 1


async def test_password_changed_under_a_live_session_is_one_relogin(
    pihole: PiholeEmulator, make_backend: Make
) -> None:
    backend = make_backend()
    await backend.async_connect()
    pihole.password = "changed"
    pihole.expire_sessions()
    for _ in range(3):
        with pytest.raises(BackendAuthError):
            await backend.async_poll_dns({"id": 0})
    assert pihole.logins == 2


async def test_full_session_table_is_a_clear_error(
    pihole: PiholeEmulator, make_backend: Make
) -> None:
    pihole.max_sessions = 1
    first = make_backend()
    await first.async_connect()
    second = make_backend()
    with pytest.raises(PiholeSeatsExceededError, match="max_sessions"):
        await second.async_connect()
    assert isinstance(PiholeSeatsExceededError("x"), BackendConnectionError)
    await first.async_close()
    await second.async_connect()
    await second.async_close()
    assert pihole.sessions == {}


async def test_expired_session_logs_in_again_once(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    pihole.add_device("aa:bb:cc:00:00:01", [("192.168.1.20", "tv")], "eth0")
    pihole.expire_sessions()
    assert [c.mac for c in await backend.async_list_clients()] == ["aa:bb:cc:00:00:01"]
    assert pihole.logins == 2

    pihole.expire_sessions()
    pihole.password = "changed"
    with pytest.raises(BackendAuthError):
        await backend.async_list_clients()
    assert pihole.logins == 3


async def test_clients_come_from_the_network_table(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    pihole.add_device("AA:BB:CC:00:00:01", [("192.168.1.20", HOSTILE), ("fd00::20", None)], "eth0")
    pihole.add_device("ip-192.168.1.99", [("192.168.1.99", None)], "eth0")
    pihole.add_device("ip-192.168.1.98", [("192.168.1.98", "Roku-Ultra")], "eth0")
    pihole.add_device("aa:bb:cc:00:00:02", [("192.168.1.21", None)], "wlan0")
    assert await backend.async_list_clients() == [
        RouterClient("aa:bb:cc:00:00:01", ("192.168.1.20", "fd00::20"), HOSTILE, "eth0"),
        RouterClient("aa:bb:cc:00:00:02", ("192.168.1.21",), None, "wlan0"),
    ]
    # Devices without a MAC are offered by name, for the glue to tie to a MAC it sees.
    assert backend.named_addresses == (NamedAddress("192.168.1.98", "Roku-Ultra", "network_table"),)
    assert any(path.startswith("/api/network/devices?") for _, path, _ in pihole.requests)


# -- query log ------------------------------------------------------------------


def _ids(entries: list[object]) -> list[int]:
    return [e.id for e in entries]  # type: ignore[attr-defined]


async def test_first_poll_returns_the_backlog(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    for n in range(150):
        pihole.add_query(f"n{n}.example", "192.168.1.20")
    entries, cursor = await backend.async_poll_queries(None, backlog=20)
    assert _ids(entries) == list(range(131, 151))
    assert cursor == {"id": 150}
    assert json.loads(json.dumps(cursor)) == cursor


async def test_pages_have_no_duplicates_or_gaps(pihole: PiholeEmulator, make_backend: Make) -> None:
    backend = make_backend(page=10)
    await backend.async_connect()
    pihole.add_query("first.example", "192.168.1.20")
    seen, cursor = await backend.async_poll_queries(None)
    for burst in (35, 5, 0, 10, 11, 1):
        for n in range(burst):
            pihole.add_query(f"n{n}.example", "192.168.1.20", HOSTILE, "AAAA")
        entries, cursor = await backend.async_poll_queries(cursor)
        assert len(entries) == burst
        seen += entries
    assert _ids(seen) == list(range(1, 64))
    # The 35-query burst was more than a page: read forward in id windows, oldest first.
    windows = [p for _, p, _ in pihole.requests if p.startswith("/api/queries?cursor=")]
    assert windows[:4] == [f"/api/queries?cursor={n}&length=10" for n in (11, 21, 31, 36)]
    assert seen[-1].client_name == HOSTILE
    assert (seen[-1].domain, seen[-1].type, seen[-1].client_ip) == (
        "n0.example",
        "AAAA",
        "192.168.1.20",
    )
    await backend.async_close()


async def test_cursor_survives_a_restart_and_caps_each_poll(
    pihole: PiholeEmulator, make_backend: Make
) -> None:
    backend = make_backend(page=10)
    await backend.async_connect()
    for n in range(5):
        pihole.add_query(f"old{n}.example", "192.168.1.20")
    _, cursor = await backend.async_poll_queries(None)
    stored = json.dumps(cursor)
    await backend.async_close()

    for n in range(50):
        pihole.add_query(f"new{n}.example", "192.168.1.21")
    restarted = make_backend(page=10)
    await restarted.async_connect()
    first, cursor = await restarted.async_poll_queries(json.loads(stored), max_entries=20)
    second, cursor = await restarted.async_poll_queries(cursor, max_entries=20)
    third, cursor = await restarted.async_poll_queries(cursor, max_entries=20)
    assert (len(first), len(second), len(third)) == (20, 20, 10)
    assert _ids(first + second + third) == list(range(6, 56))
    assert await restarted.async_poll_queries(cursor) == ([], cursor)
    await restarted.async_close()


async def test_flushed_log_starts_again(pihole: PiholeEmulator, backend: PiholeBackend) -> None:
    for n in range(30):
        pihole.add_query(f"n{n}.example", "192.168.1.20")
    _, cursor = await backend.async_poll_queries(None)
    pihole.flush_queries()
    pihole.add_query("after.example", "192.168.1.20")
    entries, cursor = await backend.async_poll_queries(cursor)
    assert [e.domain for e in entries] == ["after.example"]
    assert cursor == {"id": 1}


async def test_queries_map_to_devices_by_address(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    pihole.add_device("aa:bb:cc:00:00:01", [("192.168.1.20", "tv"), ("fd00::20", None)], "eth0")
    pihole.add_query("a.tracker.example", "192.168.1.20")
    pihole.add_query("b.tracker.example", "fd00::20", HOSTILE)
    pihole.add_query("c.example", "192.168.1.99")
    entries, _ = await backend.async_poll_queries(None)
    mapped = by_device(entries, await backend.async_list_clients())
    assert {mac: [q.domain for q in qs] for mac, qs in mapped.items()} == {
        "aa:bb:cc:00:00:01": ["a.tracker.example", "b.tracker.example"]
    }


async def test_garbage_cursor_is_a_first_poll(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    pihole.add_query("a.example", "192.168.1.20")
    for bad in ({"id": "1"}, {"id": -3}, [], "x", {"id": True}):
        entries, cursor = await backend.async_poll_queries(bad)
        assert _ids(entries) == [1]
        assert cursor == {"id": 1}


async def test_poll_dns_empty_log_restart_and_backlog(
    pihole: PiholeEmulator, make_backend: Make
) -> None:
    backend = make_backend(page=50)
    assert isinstance(backend, PolledDnsSource)
    batch = await backend.async_poll_dns(None)
    assert batch.queries == ()
    assert batch.more is False
    pihole.add_query("Tracker.Example", "192.168.1.50", client_name=HOSTILE, qtype="AAAA")
    batch = await backend.async_poll_dns(json.loads(json.dumps(batch.cursor)))
    (query,) = batch.queries
    assert (query.name, query.qtype, query.client_ip) == ("tracker.example", "AAAA", "192.168.1.50")
    assert query.client_name == HOSTILE
    assert query.client_mac is None
    assert query.when.tzinfo is not None
    assert query.when.timestamp() == pytest.approx(pihole.clock - 0.001)
    await backend.async_close()

    # A backlog of many pages, polled by a new backend each time (restart, reconnect).
    names = [f"q{i}.example" for i in range(1234)]
    for name in names:
        pihole.add_query(name, "192.168.1.51")
    cursor = json.loads(json.dumps(batch.cursor))
    got: list[str] = []
    mores: list[bool] = []
    for _ in range(20):
        fresh = make_backend(page=50, max_entries=300)
        batch = await fresh.async_poll_dns(cursor)
        await fresh.async_close()
        got += [q.name for q in batch.queries]
        mores.append(batch.more)
        cursor = json.loads(json.dumps(batch.cursor))
        if not batch.more:
            break
    assert got == names
    assert mores[0] is True
    assert mores[-1] is False
