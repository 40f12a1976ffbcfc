"""AdGuard Home's ``async_poll_dns``: DnsQuery batches, resumable cursors, out-of-order logs."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC

import aiohttp
import pytest

from custom_components.snoop_guard.backends import adguard_query
from custom_components.snoop_guard.backends.adguard import AdGuardBackend
from custom_components.snoop_guard.backends.base import BackendAuthError, DnsBatch, PolledDnsSource
from tests.emulators.adguard import AdGuardEmulator, serve

BASE_NS = 1_796_000_000_000_000_000
MS = 1_000_000


@pytest.fixture
async def agh(socket_enabled: None) -> AsyncGenerator[tuple[AdGuardEmulator, int]]:
    emulator = AdGuardEmulator()
    async with serve(emulator.app()) as port:
        yield emulator, port
    assert emulator.violations == []


@pytest.fixture
def emulator(agh: tuple[AdGuardEmulator, int]) -> AdGuardEmulator:
    return agh[0]


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def backend(agh: tuple[AdGuardEmulator, int], session: aiohttp.ClientSession) -> AdGuardBackend:
    """A backend for the emulator, with the right password."""
    return _backend(session, agh[1])


def _backend(session: aiohttp.ClientSession, port: int, password: str = "s3cret") -> AdGuardBackend:
    return AdGuardBackend(session, host="127.0.0.1", port=port, username="admin", password=password)


def _stored(cursor: dict[str, object]) -> dict[str, object]:
    """What a JSON store gives back."""
    return json.loads(json.dumps(cursor))  # type: ignore[no-any-return]


Cursor = dict[str, object]


async def _drain(
    poll: Callable[[Cursor], Awaitable[DnsBatch]], cursor: Cursor, rounds: int = 10
) -> tuple[list[str], Cursor]:
    """Poll (each cursor through a JSON store) until nothing more is left; names and cursor.

    Fails if ``rounds`` polls do not drain the log, or a cursor grows past 32 KiB.
    """
    got: list[str] = []
    for _ in range(rounds):
        batch = await poll(cursor)
        got += [q.name for q in batch.queries]
        cursor = _stored(batch.cursor)
        assert len(repr(cursor)) < 32 * 1024  # Bounded marks (the feed stores up to 64 KiB).
        if not batch.more:
            return got, cursor
    pytest.fail("the backlog never drained")


async def test_empty_log_then_queries_as_dns_query(
    emulator: AdGuardEmulator, backend: AdGuardBackend
) -> None:
    assert isinstance(backend, PolledDnsSource)
    batch = await backend.async_poll_dns(None)
    assert batch.queries == ()
    assert batch.more is False
    emulator.add_query("192.168.1.50", "Tracker.Example.", "AAAA", client_name="<b>tv</b>")
    batch = await backend.async_poll_dns(_stored(batch.cursor))
    (query,) = batch.queries
    assert query.name == "tracker.example"
    assert query.qtype == "AAAA"
    assert query.client_ip == "192.168.1.50"
    assert query.client_name == "<b>tv</b>"
    assert query.client_mac is None  # The log names no MAC.
    assert query.when.tzinfo is not None
    assert query.when.astimezone(UTC).year >= 2026
    assert (await backend.async_poll_dns(_stored(batch.cursor))).queries == ()


async def test_backlog_bigger_than_a_poll_says_more_and_resumes_after_restart(
    agh: tuple[AdGuardEmulator, int],
) -> None:
    emulator, port = agh
    async with aiohttp.ClientSession() as session:
        batch = await _backend(session, port).async_poll_dns(None)
        names = [
            f"q{i}.example" for i in range(adguard_query.PAGE_LIMIT * adguard_query.MAX_PAGES + 77)
        ]
        for i, name in enumerate(names):
            emulator.add_query("192.168.1.50", name, ns=BASE_NS + i * 10 * MS)
        # Each poll by a new backend: only the stored cursor survives (restart, reconnect).
        got, _ = await _drain(
            lambda cursor: _backend(session, port).async_poll_dns(cursor), _stored(batch.cursor)
        )
        assert sorted(got) == sorted(names)
        assert len(got) == len(set(got))


async def test_equal_and_out_of_order_times_are_neither_lost_nor_repeated(
    emulator: AdGuardEmulator, backend: AdGuardBackend
) -> None:
    emulator.add_query("192.168.1.50", "a.example", ns=BASE_NS + 200 * MS)
    emulator.add_query("192.168.1.50", "b.example", ns=BASE_NS + 400 * MS)
    first = await backend.async_poll_dns(None)
    assert [q.name for q in first.queries] == ["a.example", "b.example"]
    # Written later by other goroutines: one older than the newest seen, one equal.
    emulator.add_query("192.168.1.51", "late.example", ns=BASE_NS + 300 * MS)
    emulator.add_query("192.168.1.52", "same.example", ns=BASE_NS + 400 * MS)
    emulator.add_query("192.168.1.50", "new.example", ns=BASE_NS + 500 * MS)
    second = await backend.async_poll_dns(_stored(first.cursor))
    assert sorted(q.name for q in second.queries) == [
        "late.example",
        "new.example",
        "same.example",
    ]
    emulator.add_query("192.168.1.53", "later.example", ns=BASE_NS + 450 * MS)
    third = await backend.async_poll_dns(_stored(second.cursor))
    assert [q.name for q in third.queries] == ["later.example"]
    assert (await backend.async_poll_dns(_stored(third.cursor))).queries == ()


async def test_out_of_order_across_page_boundaries(
    emulator: AdGuardEmulator, backend: AdGuardBackend
) -> None:
    emulator.add_query("192.168.1.50", "start.example", ns=BASE_NS)
    batch = await backend.async_poll_dns(None)
    names = []
    for i in range(1500):
        # Jitter of up to 50 ms against the write order, some equal times.
        ns = BASE_NS + 10**9 + i * MS - (i % 7) * 8 * MS
        name = f"j{i}.example"
        names.append(name)
        emulator.add_query("192.168.1.50", name, ns=ns)
    got, _ = await _drain(backend.async_poll_dns, _stored(batch.cursor), rounds=100)
    assert sorted(got) == sorted(names)
    assert len(got) == len(set(got))


async def test_refused_login_latches_without_a_second_request(
    agh: tuple[AdGuardEmulator, int],
) -> None:
    emulator, port = agh
    async with aiohttp.ClientSession() as session:
        backend = _backend(session, port, password="wrong")
        for _ in range(3):
            with pytest.raises(BackendAuthError):
                await backend.async_poll_dns(None)
        assert len(emulator.requests) == 1
        assert emulator.failed_logins == 1


async def test_a_burst_at_one_time_keeps_the_cursor_small(
    emulator: AdGuardEmulator, backend: AdGuardBackend
) -> None:
    batch = await backend.async_poll_dns(None)
    # 5,000 queries within one second: more than a poll reads, more marks than kept.
    names = [f"b{i}.example" for i in range(5000)]
    for i, name in enumerate(names):
        emulator.add_query("192.168.1.50", name, ns=BASE_NS + i * 200_000)
    got, cursor = await _drain(backend.async_poll_dns, _stored(batch.cursor))
    assert sorted(got) == sorted(names)
    assert (await backend.async_poll_dns(cursor)).queries == ()
