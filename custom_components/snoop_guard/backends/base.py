"""The small protocol every router/DNS backend implements.

A backend talks to one router or DNS filter. It declares what it can do
(``capabilities``) so the integration only offers entities the backend can
back with real state. Backends never import Home Assistant; errors are
reported with the exception classes below and mapped to translated Home
Assistant errors in one place on the integration side.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Capability(StrEnum):
    """What a backend can do."""

    LIST_CLIENTS = "list_clients"
    DNS_EVENTS = "dns_events"
    BLOCK_TRACKERS = "block_trackers"
    BLOCK_INTERNET = "block_internet"


class BackendError(Exception):
    """Base class of every backend error."""


class BackendConnectionError(BackendError):
    """The router could not be reached or the connection broke."""


class BackendAuthError(BackendError):
    """The router refused our credentials."""


class HostKeyMismatchError(BackendError):
    """The router presented a host key other than the pinned one."""

    def __init__(self, presented: str | None = None) -> None:
        """Keep the key the router presented (public, safe to show)."""
        super().__init__("host key does not match the pinned key")
        self.presented = presented


class MissingToolError(BackendError):
    """A program the backend needs is missing on the router."""

    def __init__(self, tools: Sequence[str]) -> None:
        """Remember which tools are missing."""
        super().__init__(f"missing on the router: {', '.join(tools)}")
        self.tools = tuple(tools)


class BackendResponseError(BackendError):
    """The router answered, but not with something we understand."""


@dataclass(frozen=True, slots=True)
class RouterClient:
    """A client the router knows about."""

    mac: str
    ips: tuple[str, ...]
    hostname: str | None = None
    interface: str | None = None


@dataclass(frozen=True, slots=True)
class DevicePolicy:
    """What we want enforced for one device."""

    mac: str
    ips: tuple[str, ...] = ()
    block_trackers: bool = False
    block_internet: bool = False


@dataclass(frozen=True, slots=True)
class EnforcedState:
    """What the router really enforces, read back from it."""

    table_present: bool
    rules_intact: bool
    in_sync: bool
    block_trackers: frozenset[str] = field(default_factory=frozenset)
    block_internet: frozenset[str] = field(default_factory=frozenset)
    tracker_addresses: int = 0
    dns_snippet_current: bool = False


@dataclass(frozen=True, slots=True)
class RouterInfo:
    """Facts about the router found when connecting."""

    system: str
    hostname: str | None = None
    missing_tools: tuple[str, ...] = ()
    clock: datetime | None = None
    """The router's local time when we connected (naive, as its logs write it)."""


class Backend(Protocol):
    """One router or DNS system."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this backend can do."""
        ...

    async def async_connect(self) -> RouterInfo:
        """Connect (or reconnect) and check the router has what we need."""
        ...

    async def async_close(self) -> None:
        """Close connections and stop streams."""
        ...

    async def async_list_clients(self) -> list[RouterClient]:
        """Return the clients the router knows now."""
        ...

    def stream_dns_lines(self, backlog: int) -> AsyncGenerator[str]:
        """Yield DNS log lines: the last ``backlog`` ones, then new ones as they come."""
        ...

    async def async_apply(
        self, policies: Sequence[DevicePolicy], tracker_domains: Sequence[str]
    ) -> None:
        """Make the router enforce exactly ``policies``."""
        ...

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], tracker_domains: Sequence[str]
    ) -> EnforcedState:
        """Read back what the router enforces now, and whether it is ``policies``."""
        ...

    async def async_remove_all(self) -> None:
        """Remove everything we ever installed on the router."""
        ...
