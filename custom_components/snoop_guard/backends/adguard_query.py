"""Incremental reading of AdGuard Home's query log (``GET /control/querylog``).

The log is served newest first, ``limit`` entries a page; the next page is asked
for with ``older_than`` (RFC 3339, nanoseconds), and AdGuard Home returns only
entries *strictly* older. Entries carry no id, so an entry is known by its time
and content. Each poll walks down from the top until it reaches what it already
has; when that takes more pages than one poll may fetch, the rest is kept in the
cursor as a gap (upper and lower bound) and filled by the next polls.

Two entries can share one timestamp. A page that ends in the middle of such a
run would lose the rest with a strict ``older_than``, so the next page is asked
for 1 ns later and the entries already taken at that instant are skipped by key.

The cursor is plain JSON (lists, ints, strings): the caller stores it and passes
it back after a restart; a damaged one starts afresh from the newest entries.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final

_LOGGER = logging.getLogger(__name__)

PROBE_LIMIT: Final = 20
"""The first page of a poll: small, since usually little or nothing is new."""
PAGE_LIMIT: Final = 500
MAX_PAGES: Final = 8
"""Requests per poll at most (the probe included)."""
MAX_GAPS: Final = 16
BACKLOG: Final = 100
"""Entries returned by the very first poll (no cursor yet)."""

_TIME: Final = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", re.IGNORECASE
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

type QueryCursor = dict[str, object]
type PageFetcher = Callable[[str | None, int], Awaitable[list[object]]]


@dataclass(frozen=True, slots=True)
class QueryEntry:
    """One DNS query from the log. Names are the server's (and devices') data, as text."""

    time: datetime
    time_ns: int
    client_ip: str
    client_id: str | None
    client_name: str | None
    domain: str
    qtype: str
    reason: str


def parse_time_ns(text: str) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 time as AdGuard Home writes it."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    base, frac, zone = match.groups()
    seconds = _seconds(base, zone)
    if seconds is None:
        return None
    return seconds * 1_000_000_000 + int((frac or "0").ljust(9, "0"))


@lru_cache(maxsize=4096)
def _seconds(base: str, zone: str) -> int | None:
    """Seconds since the epoch of a time to the second; log pages repeat them (cached)."""
    try:
        moment = datetime.fromisoformat(base + ("+00:00" if zone in "Zz" else zone))
    except ValueError:
        return None
    delta = moment - _EPOCH
    return delta.days * 86400 + delta.seconds


def format_time_ns(ns: int) -> str:
    """RFC 3339 with nanoseconds, UTC, trailing zeros trimmed (Go's RFC3339Nano)."""
    seconds, frac = divmod(ns, 1_000_000_000)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{frac:09d}".rstrip("0") if frac else "") + "Z"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def parse_entry(item: object) -> tuple[int, str, QueryEntry] | None:
    """(time in ns, key, entry) of one log item; None when it has no usable time or name."""
    if not isinstance(item, dict):
        return None
    ns = parse_time_ns(_text(item.get("time")))
    question = item.get("question")
    if ns is None or not isinstance(question, dict):
        return None
    domain = _text(question.get("name")).rstrip(".").lower()
    if not domain:
        return None
    client, client_id, qtype = (
        _text(item.get("client")),
        _text(item.get("client_id")),
        _text(question.get("type")),
    )
    info = item.get("client_info")
    name = _text(info.get("name")) if isinstance(info, dict) else ""
    elapsed = _text(item.get("elapsedMs"))
    key = "\x1f".join((client, client_id, domain, qtype, elapsed, _text(item.get("reason"))))
    entry = QueryEntry(
        time=_EPOCH + timedelta(microseconds=ns // 1000),
        time_ns=ns,
        client_ip=client,
        client_id=client_id or None,
        client_name=name or None,
        domain=domain,
        qtype=qtype,
        reason=_text(item.get("reason")),
    )
    return ns, key, entry


@dataclass(slots=True)
class _Bound:
    """An instant and the keys of the entries at that instant already taken."""

    ns: int
    keys: set[str]

    def dump(self) -> list[object]:
        return [self.ns, sorted(self.keys)]

    @staticmethod
    def load(raw: object) -> _Bound:
        if (
            isinstance(raw, list)
            and len(raw) == 2
            and isinstance(raw[0], int)
            and not isinstance(raw[0], bool)
            and isinstance(raw[1], list)
            and all(isinstance(k, str) for k in raw[1])
        ):
            return _Bound(raw[0], set(raw[1]))
        raise ValueError("bad bound")


def _load_cursor(cursor: Mapping[str, object]) -> tuple[_Bound | None, list[tuple[_Bound, _Bound]]]:
    raw_top, raw_gaps = cursor.get("top"), cursor.get("gaps") or []
    if not isinstance(raw_gaps, list):
        raise TypeError("bad gaps")
    top = _Bound.load(raw_top) if raw_top is not None else None
    return top, [(_Bound.load(g[0]), _Bound.load(g[1])) for g in raw_gaps]


@dataclass(slots=True)
class _Walk:
    """The result of walking down the log from an upper bound towards a lower one."""

    entries: list[tuple[int, str, QueryEntry]]
    done: bool
    """The lower bound (or the end of the log) was reached."""
    resume: _Bound | None
    """Where to continue when not done."""
    pages: int


class QueryPoller:
    """Turns AdGuard Home's paged query log into an incremental feed."""

    def __init__(self, fetch: PageFetcher) -> None:
        """``fetch(older_than, limit)`` returns one page of raw log items, newest first."""
        self._fetch = fetch

    async def _walk(
        self, start: _Bound | None, floor: _Bound | None, budget: int, first_limit: int
    ) -> _Walk:
        collected: list[tuple[int, str, QueryEntry]] = []
        upper = start
        strict = False
        pages = 0
        while pages < budget:
            limit = first_limit if pages == 0 else PAGE_LIMIT
            older = None if upper is None else format_time_ns(upper.ns + (0 if strict else 1))
            page = await self._fetch(older, limit)
            pages += 1
            strict = False
            fresh = 0
            for item in page:
                parsed = parse_entry(item)
                if parsed is None:
                    continue
                ns, key, _entry = parsed
                if upper is not None and ns == upper.ns and key in upper.keys:
                    continue  # Taken on the previous page (we asked 1 ns later).
                if floor is not None and (ns < floor.ns or (ns == floor.ns and key in floor.keys)):
                    return _Walk(collected, True, None, pages)
                fresh += 1
                collected.append(parsed)
            if fresh:
                # The page's oldest instant and the keys taken at it: where to go on from.
                last = collected[-1][0]
                keys = set()
                for ns, key, _entry in reversed(collected):
                    if ns != last:
                        break
                    keys.add(key)
                if upper is not None and upper.ns == last:
                    keys |= upper.keys
                upper = _Bound(last, keys)
            if len(page) < limit:
                return _Walk(collected, True, None, pages)  # The end of the log.
            if fresh == 0 and upper is not None:
                # A whole page at one instant, all taken: step past it (rest of it is lost).
                _LOGGER.warning("AdGuard Home logged over %d queries at one instant", limit)
                strict = True
        return _Walk(collected, False, upper, pages)

    async def poll(
        self, cursor: Mapping[str, object] | None
    ) -> tuple[list[QueryEntry], QueryCursor]:
        """Fetch what is new since ``cursor``; return it oldest first, and the new cursor."""
        top: _Bound | None = None
        gaps: list[tuple[_Bound, _Bound]] = []
        if cursor is not None:
            try:
                top, gaps = _load_cursor(cursor)
            except (ValueError, TypeError, IndexError, KeyError):
                _LOGGER.warning("Ignoring a damaged AdGuard Home query-log cursor")

        found: list[tuple[int, str, QueryEntry]] = []
        if top is None:
            walk = await self._walk(None, None, 1, BACKLOG)
            found.extend(walk.entries)
            budget = 0
        else:
            walk = await self._walk(None, top, MAX_PAGES, PROBE_LIMIT)
            found.extend(walk.entries)
            budget = MAX_PAGES - walk.pages
            if not walk.done and walk.resume is not None:
                gaps.insert(0, (walk.resume, top))
        if found:
            newest = found[0][0]
            keys = {key for ns, key, _ in found if ns == newest}
            if top is not None and top.ns == newest:
                keys |= top.keys
            top = _Bound(newest, keys)
        while budget > 0 and gaps:
            upper, floor = gaps[0]
            walk = await self._walk(upper, floor, budget, PAGE_LIMIT)
            budget -= walk.pages
            found.extend(walk.entries)
            if walk.done or walk.resume is None:
                gaps.pop(0)
            else:
                gaps[0] = (walk.resume, floor)
        if len(gaps) > MAX_GAPS:
            _LOGGER.warning(
                "AdGuard Home's query log grows faster than it is read; skipping a backlog"
            )
            del gaps[MAX_GAPS:]
        found.sort(key=lambda item: item[0])
        state: QueryCursor = {
            "v": 1,
            "top": top.dump() if top is not None else None,
            "gaps": [[u.dump(), f.dump()] for u, f in gaps],
        }
        return [entry for _ns, _key, entry in found], state
