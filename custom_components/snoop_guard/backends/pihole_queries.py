"""Read Pi-hole's query log (``GET /api/queries``) with a cursor: no duplicates, no gaps.

What ``/api/queries`` does (Pi-hole's queries.yaml and FTL's ``api_queries``):
replies list the newest query first (``ORDER BY id DESC``), ``length`` rows
(100 by default, at most 10,000) after skipping ``start`` rows. ``cursor=N``
keeps only queries with ``id <= N`` (a cursor above the largest id is a 400),
and the reply's ``cursor`` repeats it, or without one is the largest id at the
time of the request. ``from`` (inclusive) and ``until`` (exclusive) filter by
timestamp, which is not unique, so we page by id only.

Our cursor is the id of the newest query we reported, ``{"id": N}`` (JSON, so the
integration can store it). One poll asks for the newest ``page`` queries. If
that page reaches back to our cursor, it holds every new query. Otherwise more
than a page arrived since the last poll: we walk forward from the cursor in
windows ``cursor=N+page`` (the rows with ids in ``(N, N+page]`` all fit in one
reply of ``length=page``, whatever the gaps between ids), oldest first, up to
``max_entries`` per poll; the next poll continues where this one stopped.

Query ids survive a restart of Pi-hole (the in-memory log is reloaded from its
database). When the largest id is below our cursor the log was flushed: we
start again from id 0.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .base import BackendResponseError, RouterClient

_LOGGER = logging.getLogger(__name__)

PAGE: Final = 1000
MAX_ENTRIES: Final = 10000
BACKLOG: Final = 100

type Fetch = Callable[[Mapping[str, str | int]], Awaitable[Any]]
type Cursor = dict[str, int]


@dataclass(frozen=True, slots=True)
class PiholeQuery:
    """One DNS query from Pi-hole's log. Names are data: shown, never interpreted."""

    id: int
    time: float
    client_ip: str
    client_name: str | None
    domain: str
    type: str
    status: str | None


def parse_queries(data: object) -> tuple[list[PiholeQuery], int | None]:
    """Return the queries of a reply (oldest first) and the reply's cursor."""
    if not isinstance(data, dict) or not isinstance(rows := data.get("queries"), list):
        raise BackendResponseError("Pi-hole's query log reply has no queries")
    found: list[PiholeQuery] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        qid, when, domain = row.get("id"), row.get("time"), row.get("domain")
        client = row.get("client")
        if (
            not isinstance(qid, int)
            or isinstance(qid, bool)
            or not isinstance(when, int | float)
            or not isinstance(domain, str)
            or not isinstance(client, dict)
            or not isinstance(ip := client.get("ip"), str)
        ):
            continue
        name = client.get("name")
        qtype, status = row.get("type"), row.get("status")
        found.append(
            PiholeQuery(
                id=qid,
                time=float(when),
                client_ip=ip,
                client_name=name if isinstance(name, str) and name else None,
                domain=domain,
                type=qtype if isinstance(qtype, str) else "",
                status=status if isinstance(status, str) else None,
            )
        )
    found.sort(key=lambda q: q.id)
    cursor = data.get("cursor")
    return found, cursor if isinstance(cursor, int) and not isinstance(cursor, bool) else None


def by_device(
    queries: Iterable[PiholeQuery], clients: Iterable[RouterClient]
) -> dict[str, list[PiholeQuery]]:
    """Group queries by the MAC of the client whose address asked (unknown addresses left out)."""
    owner = {ip: client.mac for client in clients for ip in client.ips}
    found: dict[str, list[PiholeQuery]] = {}
    for query in queries:
        mac = owner.get(query.client_ip)
        if mac is not None:
            found.setdefault(mac, []).append(query)
    return found


def cursor_id(cursor: object) -> int | None:
    """Return the last reported id of a stored cursor (None: nothing reported yet)."""
    if isinstance(cursor, dict):
        value = cursor.get("id")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


async def poll_queries(
    fetch: Fetch,
    cursor: object,
    *,
    page: int = PAGE,
    max_entries: int = MAX_ENTRIES,
    backlog: int = BACKLOG,
) -> tuple[list[PiholeQuery], Cursor]:
    """Return the queries after ``cursor`` (oldest first) and the cursor after them.

    Without a cursor, the last ``backlog`` queries are returned.
    """
    rows, state, _more = await poll_queries_more(
        fetch, cursor, page=page, max_entries=max_entries, backlog=backlog
    )
    return rows, state


async def poll_queries_more(
    fetch: Fetch,
    cursor: object,
    *,
    page: int = PAGE,
    max_entries: int = MAX_ENTRIES,
    backlog: int = BACKLOG,
) -> tuple[list[PiholeQuery], Cursor, bool]:
    """``poll_queries``, and whether a backlog is left for the next poll."""
    last = cursor_id(cursor)
    if last is None:
        rows, _ = parse_queries(await fetch({"length": max(1, backlog)}))
        return rows, {"id": rows[-1].id if rows else 0}, False

    data = await fetch({"length": page})
    rows, top = parse_queries(data)
    if top is None:
        return [], {"id": last}, False
    if top < last:
        _LOGGER.info("Pi-hole's query log restarted below our cursor; reading it from the start")
        last = 0
    if len(data["queries"]) < page or (rows and rows[0].id <= last + 1):
        new = [q for q in rows if q.id > last]
        return new, {"id": new[-1].id if new else last}, False

    # More than a page arrived since the last poll: walk forward in id windows.
    found: list[PiholeQuery] = []
    position = last
    while position < top and len(found) < max_entries:
        upper = min(position + page, top)
        chunk, _ = parse_queries(await fetch({"cursor": upper, "length": page}))
        found.extend(q for q in chunk if position < q.id <= upper)
        position = upper
    return found, {"id": position}, position < top
