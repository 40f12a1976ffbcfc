"""The polled DNS source (AdGuard Home, Pi-hole): cursor, backlog, auth, hostile names."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from unittest.mock import patch

import pytest

from custom_components.snoop_guard import dnsfeed
from custom_components.snoop_guard.backends.base import (
    BackendAuthError,
    BackendConnectionError,
    DnsBatch,
    DnsQuery,
)
from custom_components.snoop_guard.dnsfeed import DnsFeed
from custom_components.snoop_guard.engine.compiled import build_matcher
from custom_components.snoop_guard.engine.counters import Contact
from custom_components.snoop_guard.engine.dnslog import DnsEvent

TV = "58:b4:2d:11:22:33"
TRACKER = "samsungads.com"


class Source:
    """A query log polled with a cursor: the cursor is the index of the next query."""

    def __init__(self, queries: list[DnsQuery], page: int = 2) -> None:
        self.queries = queries
        self.page = page
        self.cursors: list[dict[str, object] | None] = []
        self.fail: list[Exception] = []

    async def async_poll_dns(self, cursor: dict[str, object] | None) -> DnsBatch:
        self.cursors.append(cursor)
        if self.fail:
            raise self.fail.pop(0)
        start = int(cursor["next"]) if cursor else 0  # type: ignore[call-overload]
        batch = self.queries[start : start + self.page]
        end = start + len(batch)
        return DnsBatch(tuple(batch), {"next": end}, more=end < len(self.queries))


def query(name: str, ip: str = "192.168.1.20", **kw: object) -> DnsQuery:
    return DnsQuery(when=datetime(2026, 12, 1, tzinfo=UTC), client_ip=ip, name=name, **kw)  # type: ignore[arg-type]


class Sink:
    def __init__(self) -> None:
        self.contacts: list[tuple[str, Contact]] = []
        self.queries: list[tuple[DnsEvent, str, bool]] = []
        self.auth_failed = 0
        self.progress = 0
        self.unknown = 0


def make_feed(source: Source, sink: Sink, mac_of_ip: Callable[[str], str | None]) -> DnsFeed:
    matcher = build_matcher()

    def on_auth() -> None:
        sink.auth_failed += 1

    def on_progress() -> None:
        sink.progress += 1

    def on_unknown() -> None:
        sink.unknown += 1

    return DnsFeed(
        source,
        matcher=lambda: matcher,
        mac_of_ip=mac_of_ip,
        on_query=lambda e, m, t: sink.queries.append((e, m, t)),
        on_contact=lambda m, c: sink.contacts.append((m, c)),
        on_unknown_client=on_unknown,
        on_auth_failed=on_auth,
        on_progress=on_progress,
    )


@pytest.fixture(autouse=True)
def fast_poll() -> object:
    with patch.object(dnsfeed, "POLL_INTERVAL", timedelta(milliseconds=10)):
        yield


async def run_until(feed: DnsFeed, done: Callable[[], bool], limit: float = 2.0) -> None:
    task = asyncio.create_task(feed.async_follow())
    try:
        async with asyncio.timeout(limit):
            while not done() and not task.done():  # noqa: ASYNC110 - polls a plain predicate
                await asyncio.sleep(0.005)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_backlog_drained_page_by_page_then_cursor_resumes() -> None:
    source = Source([query(TRACKER), query("example.org"), query(TRACKER), query(TRACKER)])
    sink = Sink()
    feed = make_feed(source, sink, {"192.168.1.20": TV}.get)
    await run_until(feed, lambda: len(sink.contacts) == 3)
    assert [m for m, _ in sink.contacts] == [TV, TV, TV]
    assert len(sink.queries) == 4
    assert feed.poll_cursor == {"next": 4}
    assert sink.progress >= 2
    # The first two polls follow each other at once (a backlog was left).
    assert source.cursors[:2] == [None, {"next": 2}]

    # A restart with the stored cursor: nothing counted twice, the new query once.
    source.queries.append(query(TRACKER))
    again = Sink()
    resumed = make_feed(source, again, {"192.168.1.20": TV}.get)
    resumed.load(None, None, {"next": 4})
    await run_until(resumed, lambda: len(again.contacts) == 1)
    await asyncio.sleep(0.05)
    assert len(again.contacts) == 1


async def test_refused_login_stops_polling_and_asks_for_reauth() -> None:
    source = Source([query(TRACKER)])
    source.fail = [BackendAuthError("refused")]
    sink = Sink()
    feed = make_feed(source, sink, {"192.168.1.20": TV}.get)
    await asyncio.wait_for(feed.async_follow(), 1)  # returns by itself
    assert sink.auth_failed == 1
    assert len(source.cursors) == 1  # one request, never a retry loop
    assert sink.contacts == []


async def test_connection_errors_are_retried_without_losing_the_cursor() -> None:
    source = Source([query(TRACKER)])
    source.fail = [BackendConnectionError("down")]
    sink = Sink()
    feed = make_feed(source, sink, {"192.168.1.20": TV}.get)
    with patch.object(dnsfeed, "STREAM_BACKOFF_MAX", 0.01):
        feed_task = run_until(feed, lambda: len(sink.contacts) == 1, limit=4.0)
        await feed_task
    assert source.cursors[:2] == [None, None]
    assert feed.connected


async def test_filter_mac_unknown_address_and_hostile_names() -> None:
    hostile = "<img src=x onerror=alert(1)>.samsungads.com"
    source = Source(
        [
            query(TRACKER, ip="192.168.1.99", client_mac="58-B4-2D-11-22-44"),
            query(TRACKER, ip="192.168.1.98"),
            query(hostile),
            query("Ads.SamsungAds.com."),
            query(""),
        ],
        page=10,
    )
    sink = Sink()
    feed = make_feed(source, sink, {"192.168.1.20": TV}.get)
    await run_until(feed, lambda: feed.poll_cursor == {"next": 5})
    macs = [m for m, _ in sink.contacts]
    # The filter's own MAC wins; an unknown address waits for a listing.
    assert macs == ["58:b4:2d:11:22:44", TV]
    assert sink.contacts[1][1].domain == "ads.samsungads.com"
    assert sink.unknown == 1
    assert feed.drain({"192.168.1.98": "58:b4:2d:11:22:55"})[0][0] == "58:b4:2d:11:22:55"
    # Markup is no name: the matcher refuses it, and it is not counted.
    assert all(c.domain != hostile for _, c in sink.contacts)


async def test_contact_time_is_the_filters_but_never_in_the_future() -> None:
    future = DnsQuery(when=datetime(2099, 1, 1, tzinfo=UTC), client_ip="192.168.1.20", name=TRACKER)
    source = Source([future])
    sink = Sink()
    feed = make_feed(source, sink, {"192.168.1.20": TV}.get)
    await run_until(feed, lambda: len(sink.contacts) == 1)
    assert sink.contacts[0][1].when <= datetime.now(UTC)


def test_stored_cursor_is_validated() -> None:
    feed = make_feed(Source([]), Sink(), lambda ip: None)
    feed.load(None, None, "not a dict")
    assert feed.poll_cursor is None
    feed.load(None, None, {"x": "y" * 100_000})
    assert feed.poll_cursor is None
    feed.load(None, None, {"next": 3})
    assert feed.poll_cursor == {"next": 3}


async def test_an_unknown_address_is_asked_about_once_per_interval() -> None:
    source = Source([query(TRACKER, ip="192.168.1.98") for _ in range(5)], page=10)
    sink = Sink()
    feed = make_feed(source, sink, lambda ip: None)
    await run_until(feed, lambda: feed.poll_cursor == {"next": 5})
    # Five contacts wait for a listing; one refresh was asked for, not five.
    assert sink.unknown == 1
    assert len(feed.drain({"192.168.1.98": TV})) == 5


async def test_unloading_mid_batch_finishes_the_batch_and_moves_the_cursor() -> None:
    source = Source([query("example.org")] * 1200 + [query(TRACKER)], page=2000)
    sink = Sink()
    feed = make_feed(source, sink, {"192.168.1.20": TV}.get)
    task = asyncio.create_task(feed.async_follow())
    while len(sink.queries) < 500:  # noqa: ASYNC110 - the first turn the loop gets
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Counters and cursor are saved together: never half a batch with the old cursor.
    assert len(sink.queries) == 1201
    assert len(sink.contacts) == 1
    assert feed.poll_cursor == {"next": 1201}


async def test_backoff_doubles_while_down_and_restarts_after_queries_flowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(
        dnsfeed, "asyncio", SimpleNamespace(sleep=sleep, CancelledError=asyncio.CancelledError)
    )
    source = Source([query(TRACKER)])
    down = BackendConnectionError("down")
    source.fail = [down, down, down]
    sink = Sink()
    feed = make_feed(source, sink, {"192.168.1.20": TV}.get)
    task = asyncio.get_running_loop().create_task(feed.async_follow())
    while len(waits) < 5:
        await real_sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Three failures in a row: 1, 2, 4 s; then a poll that worked and the usual interval.
    assert waits[:3] == [1.0, 2.0, 4.0]
    assert waits[3] == dnsfeed.POLL_INTERVAL.total_seconds()
    assert len(sink.contacts) == 1
