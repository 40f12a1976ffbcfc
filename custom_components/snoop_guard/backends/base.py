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
    block_bypass: bool = False
    """Send the device's plain DNS to the router and reject its DoT/DoQ and known DoH."""


@dataclass(frozen=True, slots=True)
class BypassFlow:
    """Evidence that a device sent DNS past the home's resolver (read back from the router)."""

    mac: str
    address: str
    port: int
    """53 (plain DNS), 853 (DNS over TLS/QUIC) or 443 (a known DoH resolver)."""
    seconds_ago: int | None = None
    """How long ago the last such packet passed (None when the router does not say)."""


@dataclass(frozen=True, slots=True)
class TrackerSet:
    """The tracker domains to enforce, prepared once per change of the knowledge.

    ``snippet`` is the DNS server's configuration for them (for dnsmasq, the
    ``nftset=`` snippet) and ``sha256`` its hex digest, as ``sha256sum`` prints it.
    Building the text of a large list is CPU work for an executor; backends
    compare digests with the router's copy instead of rebuilding it or reading
    the router's copy back in full on every reconciliation.
    """

    domains: tuple[str, ...]
    snippet: str
    sha256: str


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
    allowed_addresses: int = 0
    """Addresses dnsmasq answered for allow-listed (needed) names."""
    shared_addresses: frozenset[str] = field(default_factory=frozenset)
    """Tracker addresses that allow-listed names resolved to as well: never rejected."""
    block_bypass: frozenset[str] = field(default_factory=frozenset)
    """MACs whose DNS bypass is blocked."""
    observes_bypass: bool = False
    """Whether ``bypass_flows`` is real evidence (the backend can see forwarded DNS)."""
    bypass_flows: tuple[BypassFlow, ...] = ()
    """Recent DNS traffic of LAN devices that went past the home's resolver."""


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

    async def async_apply(self, policies: Sequence[DevicePolicy], trackers: TrackerSet) -> None:
        """Make the router enforce exactly ``policies``."""
        ...

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], trackers: TrackerSet
    ) -> EnforcedState:
        """Read back what the router enforces now, and whether it is ``policies``."""
        ...

    async def async_remove_all(self) -> None:
        """Remove everything we ever installed on the router."""
        ...
