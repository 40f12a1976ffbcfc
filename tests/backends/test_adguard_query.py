"""Incremental query-log polling against the emulator: no duplicates, no gaps, bounded pages."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator

import aiohttp
import pytest
from aiohttp import web

from custom_components.snoop_guard.backends import adguard_query
from custom_components.snoop_guard.backends.adguard import AdGuardBackend
from custom_components.snoop_guard.backends.adguard_query import (
    MAX_PAGES,
    QueryEntry,
    format_time_ns,
    parse_time_ns,
)
from custom_components.snoop_guard.backends.base import BackendResponseError
from tests.emulators.adguard import AdGuardEmulator, serve

BASE_NS = 1_796_000_000_000_000_000


@pytest.fixture
async def setup(socket_enabled: None) -> AsyncGenerator[tuple[AdGuardEmulator, AdGuardBackend]]:
    emulator = AdGuardEmulator()
    async with serve(emulator.app()) as port, aiohttp.ClientSession() as session:
        backend = AdGuardBackend(
            session, host="127.0.0.1", port=port, username="admin", password="s3cret"
        )
        yield emulator, backend
    assert emulator.violations == []


def _names(entries: list[QueryEntry]) -> list[str]:
    return [e.domain for e in entries]


def _log(emulator: AdGuardEmulator, start: int, count: int, *, step: int = 1000) -> list[str]:
    names = [f"q{start + i}.example" for i in range(count)]
    for i, name in enumerate(names):
        emulator.add_query("192.168.1.50", name, ns=BASE_NS + (start + i) * step)
    return names


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2026-12-01T02:03:04Z", 1796090584 * 10**9),
        ("2026-12-01T02:03:04.5Z", 1796090584 * 10**9 + 500_000_000),
        ("2026-12-01T03:03:04.000000001+01:00", 1796090584 * 10**9 + 1),
        ("2026-12-01 02:03:04Z", None),
        ("", None),
    ],
)
def test_times(text: str, ns: int | None) -> None:
    assert parse_time_ns(text) == ns
    if ns is not None:
        assert parse_time_ns(format_time_ns(ns)) == ns


async def test_first_poll_returns_a_bounded_backlog(
    setup: tuple[AdGuardEmulator, AdGuardBackend],
) -> None:
    emulator, backend = setup
    names = _log(emulator, 0, 300)
    entries, cursor = await backend.async_poll_queries(None)
    assert _names(entries) == names[-adguard_query.BACKLOG :]
    assert json.loads(json.dumps(cursor)) == cursor
    again, _ = await backend.async_poll_queries(cursor)
    assert again == []


async def test_idle_poll_costs_one_small_request(
    setup: tuple[AdGuardEmulator, AdGuardBackend],
) -> None:
    emulator, backend = setup
    _log(emulator, 0, 1000)
    _, cursor = await backend.async_poll_queries(None)
    before = len(emulator.requests)
    entries, cursor = await backend.async_poll_queries(cursor)
    assert entries == []
    assert emulator.requests[before:] == [
        ("GET", "/querylog", {"limit": str(adguard_query.PROBE_LIMIT)})
    ]


async def test_many_pages_no_duplicates_no_gaps_across_restart(
    setup: tuple[AdGuardEmulator, AdGuardBackend],
) -> None:
    emulator, backend = setup
    _log(emulator, 0, 10)
    _, cursor = await backend.async_poll_queries(None)
    # A long outage: far more entries than one poll may page through.
    names = _log(emulator, 10, adguard_query.PAGE_LIMIT * MAX_PAGES * 2 + 123)
    seen: list[str] = []
    polls = 0
    while True:
        before = len(emulator.requests)
        entries, cursor = await backend.async_poll_queries(json.loads(json.dumps(cursor)))
        assert len(emulator.requests) - before <= MAX_PAGES
        polls += 1
        if polls == 2:
            # Entries arrive while the backlog is being filled, and HA restarts:
            # the stored cursor is all that survives.
            names += _log(emulator, 100_000, 37)
            session = backend._client._session
            assert session is not None
            backend = AdGuardBackend(
                session,
                host="127.0.0.1",
                port=backend._client.port,
                username="admin",
                password="s3cret",
            )
        seen += _names(entries)
        if not entries and not cursor["gaps"]:
            break
        assert polls < 20
    assert sorted(seen) == sorted(names)
    assert len(seen) == len(set(seen))


async def test_same_instant_across_a_page_boundary(
    setup: tuple[AdGuardEmulator, AdGuardBackend],
) -> None:
    emulator, backend = setup
    _log(emulator, 0, 5)
    _, cursor = await backend.async_poll_queries(None)
    # 50 queries logged at one nanosecond: the probe page ends inside that run,
    # where a strict older_than would skip the rest.
    same = [f"same{i}.example" for i in range(50)]
    for name in same:
        emulator.add_query("192.168.1.51", name, ns=BASE_NS + 10**9)
    later = _log(emulator, 2_000_000, 3)
    entries, cursor = await backend.async_poll_queries(cursor)
    assert sorted(_names(entries)) == sorted(same + later)
    entries, _ = await backend.async_poll_queries(cursor)
    assert entries == []


async def test_new_entry_at_the_watermark_instant(
    setup: tuple[AdGuardEmulator, AdGuardBackend],
) -> None:
    emulator, backend = setup
    emulator.add_query("192.168.1.50", "a.example", ns=BASE_NS)
    _, cursor = await backend.async_poll_queries(None)
    emulator.add_query("192.168.1.50", "b.example", ns=BASE_NS)
    entries, cursor = await backend.async_poll_queries(cursor)
    assert _names(entries) == ["b.example"]
    assert (await backend.async_poll_queries(cursor))[0] == []


async def test_log_cleared_and_damaged_cursor(
    setup: tuple[AdGuardEmulator, AdGuardBackend],
) -> None:
    emulator, backend = setup
    _log(emulator, 0, 50)
    _, cursor = await backend.async_poll_queries(None)
    emulator.log.clear()
    assert (await backend.async_poll_queries(cursor))[0] == []
    fresh = _log(emulator, 100, 2)
    assert _names((await backend.async_poll_queries(cursor))[0]) == fresh
    entries, repaired = await backend.async_poll_queries({"top": "garbage", "gaps": 7})
    assert _names(entries) == fresh
    assert repaired["gaps"] == []


async def test_hostile_query_names_come_out_as_data(
    setup: tuple[AdGuardEmulator, AdGuardBackend],
) -> None:
    emulator, backend = setup
    _, cursor = await backend.async_poll_queries(None)
    hostile = "<script>alert(1)</script>.example"
    emulator.add_query(
        "192.168.1.50", hostile, "TXT", client_id="tv-livingroom", client_name="$(reboot)\n||x^"
    )
    emulator.log.append((BASE_NS * 2, {"time": "not a time", "question": {"name": "x.example"}}))
    entries, _ = await backend.async_poll_queries(cursor)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.domain == hostile.lower()
    assert entry.qtype == "TXT"
    assert entry.client_ip == "192.168.1.50"
    assert entry.client_id == "tv-livingroom"
    assert entry.client_name == "$(reboot)\n||x^"


async def test_failure_mid_walk_loses_and_repeats_nothing(
    setup: tuple[AdGuardEmulator, AdGuardBackend],
) -> None:
    emulator, backend = setup
    _log(emulator, 0, 5)
    _, cursor = await backend.async_poll_queries(None)
    names = _log(emulator, 10, adguard_query.PAGE_LIMIT * 3)

    def fail_third_page(reads: int) -> None:
        if reads == 4:  # The probe of the first poll was read 1; this is the 3rd page.
            raise web.HTTPServiceUnavailable

    emulator.after_reply["/querylog"] = fail_third_page
    with pytest.raises(BackendResponseError, match="503"):
        await backend.async_poll_queries(cursor)
    # The caller keeps its last cursor and polls again: everything comes, once.
    entries, cursor = await backend.async_poll_queries(cursor)
    assert _names(entries) == names
    assert (await backend.async_poll_queries(cursor))[0] == []
