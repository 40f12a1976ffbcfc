"""Incremental reading of AdGuard Home's query log (``GET /control/querylog``).

The log is served newest *written* first, ``limit`` entries a page, from
``offset`` on, keeping only entries strictly older than ``older_than`` (RFC 3339,
nanoseconds). AdGuard Home logs from several goroutines, so times in write order
can be equal or slightly out of order; entries carry no id, so an entry is known
by its time and a short digest of its content (a *mark*).

Each poll walks down from the top of the log until it meets an entry it already
returned (everything written before that one was read with it) or a page reaching
below the cursor's *floor*. Marks of the entries returned in the last
``OVERLAP_NS`` before the newest time are kept (bounded, ``MAX_SEEN``), so an
entry logged late with an older or equal time is still taken, once. Pages go by
``offset`` in one fixed ``older_than`` frame, never by the times on them: an
entry logged at the front meanwhile only pushes the rest back (read twice, its
mark skips it). When a walk takes more pages than one poll may fetch, the rest is
kept in the cursor as a gap (frame, offset, the last marks read, lower bound) and
filled by the next polls.

The cursor is plain JSON (lists, ints, strings, a few KiB): the caller stores it
and passes it back after a restart; a damaged one starts afresh from the newest
entries.
"""

from __future__ import annotations

import hashlib
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
MAX_GAPS: Final = 4
OVERLAP_NS: Final = 2_000_000_000
"""Each walk re-reads this much before the newest time it has: the log is not time-ordered."""
TAIL_MARKS: Final = 64
"""Marks kept where a walk stops, to skip entries read again when it goes on."""
MAX_SEEN: Final = 512
"""Marks of returned entries kept per bound of the cursor (bounded memory and size)."""
BACKLOG: Final = 100
"""Entries returned by the very first poll (no cursor yet)."""

_TIME: Final = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", re.IGNORECASE
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_KEY: Final = re.compile(r"[0-9a-f]{8}")

type QueryCursor = dict[str, object]
type PageFetcher = Callable[[str | None, int, int], Awaitable[list[object]]]


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
    """(time in ns, key, entry) of one log item; None when it has no usable time or name.

    The key is a short digest of what tells two entries at one instant apart
    (client, name, type, upstream, answer and timing fields).
    """
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
    reason = _text(item.get("reason"))
    answer = item.get("answer")
    fields = (
        client,
        client_id,
        domain,
        qtype,
        _text(item.get("elapsedMs")),
        reason,
        _text(item.get("upstream")),
        _text(item.get("status")),
        _text(item.get("client_proto")),
        str(item.get("cached")),
        str(len(answer)) if isinstance(answer, list) else "",
    )
    key = hashlib.blake2b("\x1f".join(fields).encode(), digest_size=4).hexdigest()
    entry = QueryEntry(
        time=_EPOCH + timedelta(microseconds=ns // 1000),
        time_ns=ns,
        client_ip=client,
        client_id=client_id or None,
        client_name=name or None,
        domain=domain,
        qtype=qtype,
        reason=reason,
    )
    return ns, key, entry


type _Mark = tuple[int, str]
"""(time in ns, key) of an entry already returned."""


def _load_marks(raw: object) -> set[_Mark]:
    """Read marks from ``[base, "delta:key delta:key ..."]`` (``_dump_marks``)."""
    if raw == []:
        return set()
    if not isinstance(raw, list) or len(raw) != 2 or not isinstance(raw[1], str):
        raise TypeError("bad marks")
    base = _int(raw[0])
    marks: set[_Mark] = set()
    for word in raw[1].split():
        delta, _, key = word.partition(":")
        if not key or not _KEY.fullmatch(key):
            raise ValueError("bad mark")
        marks.add((base + int(delta, 16), key))
    return marks


def _dump_marks(marks: set[_Mark]) -> list[object]:
    """Write marks compactly: the least time, and each hex offset from it with its key."""
    if not marks:
        return []
    base = min(ns for ns, _key in marks)
    return [base, " ".join(f"{ns - base:x}:{key}" for ns, key in sorted(marks, reverse=True))]


def _int(raw: object) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise TypeError("bad int")
    return raw


def _window(marks: set[_Mark], floor: int, most: int = MAX_SEEN) -> tuple[int, set[_Mark]]:
    """Keep the marks at or above ``floor``, at most ``most``; raise ``floor`` to match."""
    kept = {m for m in marks if m[0] >= floor}
    if len(kept) > most:
        ordered = sorted(kept, reverse=True)
        cut = ordered[most - 1][0] + 1  # Never keep part of one instant.
        floor = max(floor, cut)
        kept = {m for m in ordered[:most] if m[0] >= floor}
    return floor, kept


@dataclass(slots=True)
class _Known:
    """What is already returned: everything older than ``floor``, and ``marks`` above it."""

    floor: int
    marks: set[_Mark]

    def has(self, ns: int, key: str) -> bool:
        return ns < self.floor or (ns, key) in self.marks

    def dump(self) -> list[object]:
        return [self.floor, _dump_marks(self.marks)]

    @staticmethod
    def load(raw: object) -> _Known:
        if not isinstance(raw, list) or len(raw) != 2:
            raise TypeError("bad bound")
        return _Known(_int(raw[0]), _load_marks(raw[1]))


@dataclass(slots=True)
class _Gap:
    """A stretch not read yet: entries older than ``frame`` from ``offset`` on, down to ``low``.

    ``marks`` are the last entries read before ``offset``: entries logged meanwhile
    inside the frame (out of order) push those back, to be read again and skipped.
    """

    frame: int
    offset: int
    marks: set[_Mark]
    low: _Known

    def dump(self) -> list[object]:
        # Going on in the gap needs only the newest marks of its lower bound.
        floor, marks = _window(self.low.marks, self.low.floor, TAIL_MARKS)
        return [self.frame, self.offset, _dump_marks(self.marks), [floor, _dump_marks(marks)]]

    @staticmethod
    def load(raw: object) -> _Gap:
        if not isinstance(raw, list) or len(raw) != 4:
            raise TypeError("bad gap")
        return _Gap(_int(raw[0]), _int(raw[1]), _load_marks(raw[2]), _Known.load(raw[3]))


@dataclass(slots=True)
class _Walk:
    """The result of walking down the log from an upper bound towards a lower one."""

    entries: list[tuple[int, str, QueryEntry]]
    gap: tuple[int, int, set[_Mark]] | None
    """(frame, offset, marks) to go on from; None: the lower bound or the log's end was reached."""
    pages: int
    oldest: int | None
    """The oldest time on the pages read."""


class QueryPoller:
    """Turns AdGuard Home's paged query log into an incremental feed."""

    def __init__(self, fetch: PageFetcher) -> None:
        """``fetch(older_than, offset, limit)`` returns one page of raw log items, newest first."""
        self._fetch = fetch

    async def _walk(
        self,
        frame: int | None,
        offset: int,
        taken: set[_Mark],
        low: _Known | None,
        budget: int,
        first_limit: int,
    ) -> _Walk:
        """Walk down the entries older than ``frame`` from ``offset`` until ``low``.

        AdGuard Home serves its log in write order, which is not strictly time order
        (several goroutines log), so pages go by ``offset`` in one fixed frame rather
        than by the times on them. An entry logged at the front meanwhile pushes the
        rest back: what is read twice is recognised by its mark and skipped. The walk
        ends at the first entry ``low`` has returned (everything written before it
        was read with it) or on a page that reaches below ``low.floor``.
        """
        collected: list[tuple[int, str, QueryEntry]] = []
        seen = set(taken)
        order: list[_Mark] = []
        pages = 0
        oldest: int | None = None
        newest: int | None = None
        limit = first_limit
        while pages < budget:
            older = None if frame is None else format_time_ns(frame)
            page = await self._fetch(older, offset, limit)
            pages += 1
            offset += len(page)
            reached = False
            for item in page:
                parsed = parse_entry(item)
                if parsed is None:
                    continue
                ns, key, _entry = parsed
                oldest = ns if oldest is None else min(oldest, ns)
                newest = ns if newest is None else max(newest, ns)
                if low is not None and (ns, key) in low.marks:
                    # Everything written before an entry we returned was read with it.
                    reached = True
                    break
                order.append((ns, key))
                if low is not None and ns < low.floor:
                    reached = True
                    continue
                if (ns, key) in seen:
                    continue
                seen.add((ns, key))
                collected.append(parsed)
            if reached or len(page) < limit:
                return _Walk(collected, None, pages, oldest)
            limit = PAGE_LIMIT
        if frame is None:
            # Continue later inside the times read so far: newer entries stay out.
            frame = (newest if newest is not None else 0) + 1
        return _Walk(collected, (frame, offset, set(order[-TAIL_MARKS:])), pages, oldest)

    async def poll(
        self, cursor: Mapping[str, object] | None
    ) -> tuple[list[QueryEntry], QueryCursor]:
        """Fetch what is new since ``cursor``; return it oldest first, and the new cursor."""
        top: _Known | None = None
        gaps: list[_Gap] = []
        if cursor is not None:
            try:
                top, gaps = _load_cursor(cursor)
            except (ValueError, TypeError, IndexError, KeyError):
                _LOGGER.warning("Ignoring a damaged AdGuard Home query-log cursor")

        found: list[tuple[int, str, QueryEntry]] = []
        if top is None:
            walk = await self._walk(None, 0, set(), None, 1, BACKLOG)
            found.extend(walk.entries)
            budget = 0
            floor = 0  # An empty log: everything logged from now on is new.
            if found:
                newest = max(ns for ns, _key, _entry in found)
                floor = newest - OVERLAP_NS
                if walk.gap is not None and walk.oldest is not None:
                    floor = max(floor, walk.oldest)  # Older entries are not ours to report.
            marks = {(ns, key) for ns, key, _entry in found}
            top = _Known(*_window(marks, floor))
        else:
            walk = await self._walk(None, 0, set(), top, MAX_PAGES, PROBE_LIMIT)
            found.extend(walk.entries)
            budget = MAX_PAGES - walk.pages
            floor = top.floor
            if walk.gap is not None:
                frame, offset, tail = walk.gap
                gaps.insert(0, _Gap(frame, offset, tail, top))
            if found:
                newest = max(ns for ns, _key, _entry in found)
                floor = max(floor, newest - OVERLAP_NS)
            marks = top.marks | {(ns, key) for ns, key, _entry in found}
            top = _Known(*_window(marks, floor))
        while budget > 0 and gaps:
            gap = gaps[0]
            walk = await self._walk(gap.frame, gap.offset, gap.marks, gap.low, budget, PAGE_LIMIT)
            budget -= walk.pages
            found.extend(walk.entries)
            if walk.gap is None:
                gaps.pop(0)
            else:
                gaps[0] = _Gap(*walk.gap, gap.low)
        if len(gaps) > MAX_GAPS:
            _LOGGER.warning(
                "AdGuard Home's query log grows faster than it is read; skipping a backlog"
            )
            del gaps[MAX_GAPS:]
        found.sort(key=lambda item: item[0])
        state: QueryCursor = {
            "v": 2,
            "top": top.dump(),
            "gaps": [gap.dump() for gap in gaps],
        }
        return [entry for _ns, _key, entry in found], state


def _load_cursor(cursor: Mapping[str, object]) -> tuple[_Known | None, list[_Gap]]:
    raw_top, raw_gaps = cursor.get("top"), cursor.get("gaps") or []
    if not isinstance(raw_gaps, list):
        raise TypeError("bad gaps")
    if cursor.get("v") == 1:
        # The first format: [ns, keys] at the newest instant; its keys are not ours now.
        if isinstance(raw_top, list) and raw_top:
            return _Known(_int(raw_top[0]) + 1, set()), []
        return None, []
    top = _Known.load(raw_top) if raw_top is not None else None
    return top, [_Gap.load(g) for g in raw_gaps]
