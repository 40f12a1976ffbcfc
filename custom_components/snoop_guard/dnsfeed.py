"""Follow the router's DNS log and turn its lines into tracker contacts.

The stream is push: every query is handed to the scan detector and every tracker
lookup is counted at once, without touching the coordinator's refresh schedule.
A query from an address the last listing did not know is kept (bounded) until a
listing names the MAC behind it. The log cursor makes sure a reconnect or a
restart never counts a line twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Callable, Mapping
from datetime import datetime
from typing import Any

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .backends.base import BackendError
from .const import LOG_BACKLOG, LOGGER, MAX_PENDING_CONTACTS, STREAM_BACKOFF_MAX
from .engine.counters import Contact
from .engine.dnslog import DnsEvent, DnsEventKind, DnsmasqLogParser, LogCursor
from .engine.trackers import TrackerMatcher

type LineStream = Callable[[int], AsyncGenerator[str]]


class DnsFeed:
    """Parses the DNS log and reports queries and tracker contacts per MAC."""

    def __init__(
        self,
        stream: LineStream,
        *,
        matcher: Callable[[], TrackerMatcher],
        mac_of_ip: Callable[[str], str | None],
        on_query: Callable[[DnsEvent, str, bool], None],
        on_contact: Callable[[str, Contact], None],
        on_unknown_client: Callable[[], None],
    ) -> None:
        """Wire the feed: where lines come from and where findings go.

        ``on_query(event, mac, is_tracker)`` gets every query of a known device (scan
        detection), ``on_contact`` every tracker lookup of one, ``on_unknown_client``
        is called when a tracker lookup came from an address no listing named yet.
        """
        self._stream = stream
        self._matcher = matcher
        self._mac_of_ip = mac_of_ip
        self._on_query = on_query
        self._on_contact = on_contact
        self._on_unknown_client = on_unknown_client
        self.parser = DnsmasqLogParser()
        self.cursor = LogCursor()
        self.connected = False
        self._down_logged = False
        self._pending: dict[str, deque[Contact]] = defaultdict(
            lambda: deque(maxlen=MAX_PENDING_CONTACTS)
        )

    def load(self, raw_cursor: Any, router_clock: datetime | None = None) -> None:
        """Restore the cursor; a new one starts at the router's clock.

        So the log's history from before Snoop Guard is not counted.
        """
        self.cursor = LogCursor.from_dict(raw_cursor)
        if router_clock is not None:
            self.cursor.start_at(router_clock)

    async def async_follow(self) -> None:
        """Follow the router's DNS log forever, reconnecting with backoff."""
        backoff = 1.0
        while True:
            try:
                async with contextlib.aclosing(self._stream(LOG_BACKLOG)) as lines:
                    async for line in lines:
                        if not self.connected:
                            self._mark(up=True)
                            backoff = 1.0
                        self.handle_line(line)
            except BackendError as err:
                self._mark(up=False, error=err)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, STREAM_BACKOFF_MAX)

    @callback
    def _mark(self, *, up: bool, error: Exception | None = None) -> None:
        self.connected = up
        if up and self._down_logged:
            LOGGER.info("Following the router's DNS log again")
            self._down_logged = False
        elif not up and not self._down_logged:
            LOGGER.warning("Lost the router's DNS log (%s); retrying", error)
            self._down_logged = True

    @callback
    def handle_line(self, line: str) -> None:
        """Count a tracker lookup in one dnsmasq log line, if it is one."""
        event = self.parser.parse_line(line)
        if event is None or event.kind is not DnsEventKind.QUERY or not event.client_ip:
            return
        if not self.cursor.should_process(event):
            return
        tracker = self._matcher().match(event.name)
        mac = self._mac_of_ip(event.client_ip)
        if mac is not None:
            # PTR sweeps and geolocation lookups are no trackers: feed every query.
            self._on_query(event, mac, tracker is not None)
        if tracker is None:
            return
        contact = Contact(
            when=dt_util.utcnow(),
            domain=event.name,
            company=tracker.company,
            category=tracker.category,
        )
        if mac is None:
            # A device we have not listed yet: keep the contact until the next
            # listing tells us its MAC.
            self._pending[event.client_ip].append(contact)
            self._on_unknown_client()
            return
        self._on_contact(mac, contact)

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
