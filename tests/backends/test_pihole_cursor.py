"""The query-log cursor against FTL's paging rules, for any burst sizes, pages and gaps."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.backends.pihole_api import PiholeApiError
from custom_components.snoop_guard.backends.pihole_queries import poll_queries
from tests.emulators.pihole import PiholeEmulator


def _fetcher(emulator: PiholeEmulator) -> Any:
    """Serve ``/api/queries`` straight from the emulator's state (no sockets)."""

    async def fetch(params: Mapping[str, str | int]) -> Any:
        status, body = emulator._queries({k: str(v) for k, v in params.items()})
        if status != 200:
            raise PiholeApiError(status, "bad_request", str(body))
        return body

    return fetch


async def _drain(
    emulator: PiholeEmulator, cursor: Any, page: int, cap: int
) -> tuple[list[int], Any]:
    seen: list[int] = []
    while True:
        entries, after = await poll_queries(_fetcher(emulator), cursor, page=page, max_entries=cap)
        seen += [q.id for q in entries]
        if not entries and after == cursor:
            return seen, after
        cursor = after


@settings(max_examples=150, deadline=None)
@given(
    bursts=st.lists(st.integers(0, 70), min_size=1, max_size=6),
    page=st.integers(1, 25),
    cap=st.integers(1, 60),
    hidden=st.sets(st.integers(1, 420)),
)
def test_every_query_once_in_order(
    bursts: list[int], page: int, cap: int, hidden: set[int]
) -> None:
    emulator = PiholeEmulator()
    _, cursor = asyncio.run(poll_queries(_fetcher(emulator), None, page=page))
    assert cursor == {"id": 0}
    seen: list[int] = []
    for burst in bursts:
        for n in range(burst):
            emulator.add_query(f"n{n}.example", "192.168.1.20")
        # Rows FTL never shows (excluded domains or clients): the ids have gaps.
        emulator.queries = [q for q in emulator.queries if q["id"] not in hidden]
        got, cursor = asyncio.run(_drain(emulator, cursor, page, cap))
        seen += got
    assert seen == [q["id"] for q in emulator.queries]
