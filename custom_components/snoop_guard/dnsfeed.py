"""Follow the DNS queries of the LAN and turn them into tracker contacts.

Two kinds of source. A router's dnsmasq log is pushed line by line
(``stream_dns_lines``); a DNS filter's query log (AdGuard Home, Pi-hole) is
polled every ``POLL_INTERVAL`` with a cursor the filter's backend defines, and
polled again at once while a backlog is left. Either way every query is handed
to the scan detector and every tracker lookup is counted at once, without
touching the coordinator's refresh schedule. A query from an address no
listing knows yet is kept (bounded) until one names the MAC behind it. The
log cursor (lines) and the poll cursor (filters) are stored, so a reconnect
or a restart never counts a query twice and never skips one. A refused login
stops polling and starts reauthentication: a filter that locks out an address
after failed logins (AdGuard Home) must never see a retry loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .backends.base import (
    BackendAuthError,
    BackendError,
    DnsBatch,
    DnsQuery,
    HostKeyMismatchError,
    LineDnsSource,
    PolledDnsSource,
)
from .const import (
    LOG_BACKLOG,
    LOGGER,
    MAX_PENDING_CONTACTS,
    POLL_INTERVAL,
    STREAM_BACKOFF_MAX,
)
from .engine.counters import Contact
from .engine.dnslog import DnsEvent, DnsEventKind, DnsmasqLogParser, LogCursor
from .engine.routerdata import normalize_mac
from .engine.trackers import TrackerMatcher

type LineStream = Callable[[int], AsyncGenerator[str]]
# A poll cursor is the backend's own JSON-able mapping; bounded when stored.
_MAX_CURSOR_CHARS = 64 * 1024
_YIELD_EVERY = 500
# An address no listing names is asked about at most this often (seconds): behind a DNS
# filter some never get a MAC (the filter itself, guests, IPv6 privacy addresses).
_UNKNOWN_ASK_INTERVAL = 300.0
_MAX_UNKNOWN_ASKED = 4096


class DnsFeed:
    """Parses the DNS log and reports queries and tracker contacts per MAC."""

    def __init__(
        self,
        source: object,
        *,
        matcher: Callable[[], TrackerMatcher],
        mac_of_ip: Callable[[str], str | None],
        on_query: Callable[[DnsEvent, str, bool], None],
        on_contact: Callable[[str, Contact], None],
        on_unknown_client: Callable[[], None],
        on_auth_failed: Callable[[], None] = lambda: None,
        on_progress: Callable[[], None] = lambda: None,
    ) -> None:
        """Wire the feed: where lines come from and where findings go.

        ``on_query(event, mac, is_tracker)`` gets every query of a known device (scan
        detection), ``on_contact`` every tracker lookup of one, ``on_unknown_client``
        is called when a tracker lookup came from an address no listing named yet,
        ``on_auth_failed`` when the filter refused our login (polling stops), and
        ``on_progress`` after each poll that moved the cursor (to store it).
        ``source`` is a backend that is a LineDnsSource or a PolledDnsSource.
        """
        self._source = source
        self._matcher = matcher
        self._mac_of_ip = mac_of_ip
        self._on_query = on_query
        self._on_contact = on_contact
        self._on_unknown_client = on_unknown_client
        self._on_auth_failed = on_auth_failed
        self._on_progress = on_progress
        self.parser = DnsmasqLogParser()
        self.cursor = LogCursor()
        self.poll_cursor: dict[str, object] | None = None
        self.polls = 0
        self.last_poll: datetime | None = None
        self.connected = False
        self._flowed = False
        self._down_logged = False
        self._asked: dict[str, float] = {}
        self._pending: dict[str, deque[Contact]] = defaultdict(
            lambda: deque(maxlen=MAX_PENDING_CONTACTS)
        )

    def load(
        self, raw_cursor: Any, router_clock: datetime | None = None, raw_poll: Any = None
    ) -> None:
        """Restore the cursors; a new log cursor starts at the router's clock.

        So the log's history from before Snoop Guard is not counted. A filter
        without a stored poll cursor starts with its backend's short backlog.
        """
        self.cursor = LogCursor.from_dict(raw_cursor)
        if router_clock is not None:
            self.cursor.start_at(router_clock)
        if isinstance(raw_poll, dict) and len(repr(raw_poll)) <= _MAX_CURSOR_CHARS:
            self.poll_cursor = dict(raw_poll)

    async def async_follow(self) -> None:
        """Follow the DNS queries forever: stream or poll, reconnecting with backoff."""
        session: Callable[[], Awaitable[None]]
        if isinstance(self._source, PolledDnsSource):
            session = partial(self._async_poll, self._source)
        elif isinstance(self._source, LineDnsSource):
            session = partial(self._async_stream, self._source)
        else:
            return
        backoff = 0.5  # the first wait is 1 s
        while True:
            self._flowed = False
            try:
                await session()
            except (BackendAuthError, HostKeyMismatchError) as err:
                self._mark(up=False, error=err)
                self._on_auth_failed()
                return
            except BackendError as err:
                self._mark(up=False, error=err)
            # Queries flowed before the drop: try again soon; else back off further.
            backoff = 1.0 if self._flowed else min(backoff * 2, STREAM_BACKOFF_MAX)
            await asyncio.sleep(backoff)

    async def _async_poll(self, source: PolledDnsSource) -> None:
        """Poll until an error: at once while a backlog is left, else every interval."""
        while True:
            batch = await source.async_poll_dns(self.poll_cursor)
            self._up()
            self.polls += 1
            self.last_poll = dt_util.utcnow()
            await self._async_handle_batch(batch)
            if not batch.more:
                await asyncio.sleep(POLL_INTERVAL.total_seconds())

    async def _async_handle_batch(self, batch: DnsBatch) -> None:
        """Handle a batch and move the cursor past it, giving the loop a turn now and then.

        Counters and the cursor are saved together: a batch cut by unloading would
        be counted again after a restart. So a cancellation finishes the batch first.
        """
        rest = iter(batch.queries)
        try:
            for count, query in enumerate(rest, 1):
                self.handle_query(query)
                if count % _YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # a big backlog must not hold the loop
        except asyncio.CancelledError:
            for left in rest:
                self.handle_query(left)
            raise
        finally:
            if batch.cursor != self.poll_cursor:
                self.poll_cursor = batch.cursor
                self._on_progress()

    async def _async_stream(self, source: LineDnsSource) -> None:
        """Read the log stream until it ends or breaks."""
        async with contextlib.aclosing(source.stream_dns_lines(LOG_BACKLOG)) as lines:
            async for line in lines:
                self._up()
                self.handle_line(line)

    def _up(self) -> None:
        self._flowed = True
        if not self.connected:
            self._mark(up=True)

    @callback
    def _mark(self, *, up: bool, error: Exception | None = None) -> None:
        self.connected = up
        if up and self._down_logged:
            LOGGER.info("Following the DNS query log again")
            self._down_logged = False
        elif not up and not self._down_logged:
            LOGGER.warning("Lost the DNS query log (%s); retrying", error)
            self._down_logged = True

    @callback
    def handle_line(self, line: str) -> None:
        """Count a tracker lookup in one dnsmasq log line, if it is one."""
        event = self.parser.parse_line(line)
        if event is None or event.kind is not DnsEventKind.QUERY or not event.client_ip:
            return
        if not self.cursor.should_process(event):
            return
        self._handle_event(event, dt_util.utcnow())

    @callback
    def handle_query(self, query: DnsQuery) -> None:
        """Count a tracker lookup in one query of a DNS filter's log, if it is one."""
        now = dt_util.utcnow()
        event = DnsEvent(
            kind=DnsEventKind.QUERY,
            timestamp=query.when,
            pid=None,
            serial=None,
            client_ip=query.client_ip,
            qtype=query.qtype or None,
            name=query.name.strip().rstrip(".").lower(),
            answer=None,
            line_key="",
        )
        if not event.name:
            return
        # The filter's time, never later than ours (a clock ahead must not date contacts ahead).
        mac = normalize_mac(query.client_mac) if query.client_mac else None
        self._handle_event(event, min(query.when, now), mac=mac)

    def _handle_event(self, event: DnsEvent, when: datetime, mac: str | None = None) -> None:
        assert event.client_ip is not None
        tracker = self._matcher().match(event.name)
        mac = mac or self._mac_of_ip(event.client_ip)
        if mac is not None:
            # PTR sweeps and geolocation lookups are no trackers: feed every query.
            self._on_query(event, mac, tracker is not None)
        if tracker is None:
            return
        contact = Contact(
            when=when,
            domain=event.name,
            company=tracker.company,
            category=tracker.category,
        )
        if mac is None:
            # A device we have not listed yet: keep the contact until the next
            # listing tells us its MAC.
            self._pending[event.client_ip].append(contact)
            self._ask_about(event.client_ip)
            return
        self._on_contact(mac, contact)

    def _ask_about(self, ip: str) -> None:
        now = time.monotonic()
        if now - self._asked.get(ip, -_UNKNOWN_ASK_INTERVAL) < _UNKNOWN_ASK_INTERVAL:
            return
        if len(self._asked) >= _MAX_UNKNOWN_ASKED:
            self._asked.clear()
        self._asked[ip] = now
        self._on_unknown_client()

    @callback
    def drain(self, ip_to_mac: Mapping[str, str]) -> list[tuple[str, Contact]]:
        """Return the kept contacts of addresses a listing now names, as (mac, contact)."""
        found = [
            (ip_to_mac[ip], contact)
            for ip in [ip for ip in self._pending if ip in ip_to_mac]
            for contact in self._pending.pop(ip)
        ]
        if len(self._pending) > MAX_PENDING_CONTACTS:
            self._pending.clear()
        return found
