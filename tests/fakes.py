"""An in-memory router backend that behaves like the real one, for harness tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence

from custom_components.snoop_guard.backends.base import (
    BackendConnectionError,
    BackendError,
    Capability,
    DevicePolicy,
    EnforcedState,
    RouterClient,
    RouterInfo,
)


class FakeRouter:
    """Router state shared by every FakeBackend built during a test."""

    def __init__(self) -> None:
        self.clients: list[RouterClient] = []
        self.table: dict[str, frozenset[str]] | None = None
        self.snippet_domains: tuple[str, ...] | None = None
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.apply_calls = 0
        self.fail_with: BackendError | None = None
        self.closed = 0
        self.path_problems: list[str] = []

    def log(self, line: str) -> None:
        self.lines.put_nowait(line)

    def drop_stream(self) -> None:
        self.lines.put_nowait(None)


class FakeBackend:
    """Implements the Backend protocol on a FakeRouter."""

    def __init__(self, router: FakeRouter) -> None:
        self.router = router

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset(Capability)

    @property
    def snippet_path(self) -> str:
        return "/etc/dnsmasq.d/snoop-guard.conf"

    def _check(self) -> None:
        if self.router.fail_with is not None:
            raise self.router.fail_with

    async def async_connect(self) -> RouterInfo:
        self._check()
        return RouterInfo(system="linux", hostname="fake-router")

    async def async_check_paths(self) -> list[str]:
        self._check()
        return list(self.router.path_problems)

    async def async_close(self) -> None:
        self.router.closed += 1

    async def async_list_clients(self) -> list[RouterClient]:
        self._check()
        return list(self.router.clients)

    async def stream_dns_lines(self, backlog: int) -> AsyncGenerator[str]:
        self._check()
        while True:
            line = await self.router.lines.get()
            if line is None:
                raise BackendConnectionError("stream dropped")
            yield line

    async def async_apply(
        self, policies: Sequence[DevicePolicy], tracker_domains: Sequence[str]
    ) -> None:
        self._check()
        self.router.apply_calls += 1
        self.router.table = {
            "trackers": frozenset(p.mac for p in policies if p.block_trackers),
            "internet": frozenset(p.mac for p in policies if p.block_internet),
        }
        self.router.snippet_domains = tuple(tracker_domains)

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], tracker_domains: Sequence[str]
    ) -> EnforcedState:
        self._check()
        table = self.router.table
        snippet_ok = self.router.snippet_domains == tuple(tracker_domains)
        if table is None:
            return EnforcedState(
                table_present=False,
                rules_intact=False,
                in_sync=False,
                dns_snippet_current=snippet_ok,
            )
        want_t = frozenset(p.mac for p in policies if p.block_trackers)
        want_i = frozenset(p.mac for p in policies if p.block_internet)
        return EnforcedState(
            table_present=True,
            rules_intact=True,
            in_sync=snippet_ok and table["trackers"] == want_t and table["internet"] == want_i,
            block_trackers=table["trackers"],
            block_internet=table["internet"],
            dns_snippet_current=snippet_ok,
        )

    async def async_remove_all(self) -> None:
        self._check()
        self.router.table = None
        self.router.snippet_domains = None
