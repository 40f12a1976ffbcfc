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
from typing import Protocol, runtime_checkable


class Capability(StrEnum):
    """What a backend can do."""

    LIST_CLIENTS = "list_clients"
    DNS_EVENTS = "dns_events"
    BLOCK_TRACKERS = "block_trackers"
    BLOCK_INTERNET = "block_internet"
    BLOCK_BYPASS = "block_bypass"
    """Force a device's DNS through the home's resolver (a firewall on the path can)."""


class Enforcement(StrEnum):
    """How a backend's blocks take effect, which says what a device can get around."""

    FIREWALL = "firewall"
    """Packets are dropped on the router: a hard-coded resolver or DoH does not help the device."""
    DNS = "dns"
    """The DNS filter refuses to answer: a device with its own resolver or DoH bypasses it."""


class DnsSource(StrEnum):
    """How a backend delivers DNS queries."""

    LOG_LINES = "log_lines"
    """``stream_dns_lines`` yields dnsmasq log lines (pushed as they are written)."""
    POLLED = "polled"
    """``async_poll_dns`` returns the queries logged after a cursor (polled)."""


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


class WrongServerError(BackendResponseError):
    """A server answered, but it is not the kind of system this backend talks to."""


@dataclass(frozen=True, slots=True)
class RouterClient:
    """A client the router knows about."""

    mac: str
    ips: tuple[str, ...]
    hostname: str | None = None
    interface: str | None = None


@dataclass(frozen=True, slots=True)
class DnsQuery:
    """One DNS query from a DNS filter's query log.

    ``name`` and ``client_name`` come from LAN devices: data, never markup or a rule.
    ``client_mac`` is set when the filter itself knows the client by MAC.
    """

    when: datetime
    """When the server logged it (timezone-aware)."""
    client_ip: str
    name: str
    qtype: str = ""
    client_mac: str | None = None
    client_name: str | None = None


@dataclass(frozen=True, slots=True)
class DnsBatch:
    """What one poll of a query log returned."""

    queries: tuple[DnsQuery, ...]
    """Oldest first; none of them was returned by an earlier poll with the same cursor chain."""
    cursor: dict[str, object]
    """JSON-able: store it and pass it to the next poll, across restarts too."""
    more: bool = False
    """A backlog is left: poll again at once instead of waiting for the interval."""


@dataclass(frozen=True, slots=True)
class NamedAddress:
    """A client a DNS filter knows by address and name but not by MAC.

    ``name`` comes from the server or the device (rDNS, the hosts file, the user):
    data for discovery, never markup or a rule.
    """

    ip: str
    name: str
    source: str


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
    limits: tuple[str, ...] = ()
    """Machine keys of why the server does not enforce what we wrote (``in_sync`` may be
    True meanwhile), e.g. ``protection_disabled``, ``filtering_disabled``,
    ``allowlist_mode``, ``client_filtering_off``, ``blocking_disabled``."""


@dataclass(frozen=True, slots=True)
class RouterInfo:
    """Facts about the router found when connecting."""

    system: str
    hostname: str | None = None
    missing_tools: tuple[str, ...] = ()
    clock: datetime | None = None
    """The router's local time when we connected (naive, as its logs write it)."""


class DnsFilterRoles:
    """What every DNS filter (AdGuard Home, Pi-hole) declares: the same roles, DNS level."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Clients, DNS events and both kinds of block; never the DNS bypass (it goes past us)."""
        return frozenset(Capability) - {Capability.BLOCK_BYPASS}

    @property
    def enforcement(self) -> Enforcement:
        """Blocks are DNS answers refused by the filter: a device with its own resolver escapes."""
        return Enforcement.DNS

    @property
    def dns_source(self) -> DnsSource:
        """The query log is polled with a cursor."""
        return DnsSource.POLLED


class Backend(Protocol):
    """One router or DNS system."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this backend can do."""
        ...

    @property
    def enforcement(self) -> Enforcement:
        """How this backend's blocks take effect."""
        ...

    @property
    def dns_source(self) -> DnsSource:
        """Which of ``stream_dns_lines`` / ``async_poll_dns`` delivers DNS queries."""
        ...

    @property
    def manual_removal(self) -> str:
        """What to remove by hand when ``async_remove_all`` could not (for the log)."""
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


@runtime_checkable
class LineDnsSource(Protocol):
    """A backend whose DNS queries come as dnsmasq log lines (``DnsSource.LOG_LINES``)."""

    def stream_dns_lines(self, backlog: int) -> AsyncGenerator[str]:
        """Yield DNS log lines: the last ``backlog`` ones, then new ones as they come."""
        ...


@runtime_checkable
class PolledDnsSource(Protocol):
    """A backend whose query log is polled with a cursor (``DnsSource.POLLED``)."""

    async def async_poll_dns(self, cursor: dict[str, object] | None) -> DnsBatch:
        """Return the queries logged after ``cursor`` (None: a short recent backlog).

        Bounded per call (``more`` says a backlog is left). A refused login raises
        BackendAuthError at once, without retrying.
        """
        ...


@runtime_checkable
class NamedAddressSource(Protocol):
    """A backend whose last client listing also named clients it has no MAC for."""

    @property
    def named_addresses(self) -> tuple[NamedAddress, ...]:
        """The named, MAC-less clients of the last ``async_list_clients``."""
        ...
