"""Which MAC asked: mapping a DNS client's address to a device, and saying how we know.

Devices are keyed by MAC, but a DNS filter's query log names clients by IP. A
router knows both (its leases and neighbour table). A DNS filter often does not:
AdGuard Home knows MACs only for persistent clients and its own DHCP server, and
Pi-hole for devices in its network table. So the address book merges, most
authoritative first:

1. ``router``: the router's own listing (leases and neighbour table);
2. ``dns_filter``: clients the DNS filter itself knows by MAC;
3. ``neighbour_table``: Home Assistant's host's neighbour (ARP/NDP) table, which
   holds every LAN device Home Assistant talked to or heard from recently;
4. ``home_assistant``: what Home Assistant's own DHCP watcher and discovery
   recorded in the last hour (the device inventory's address map).

An address taken by a more authoritative source is never overridden by a lower
one. How each device was identified is shown in diagnostics. Home Assistant's own
records only count while recent (``RECENT``, an hour), and are never fed back into the
inventory as fresh sightings: a stale lease must not keep naming a device.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from .backends.base import NamedAddress, RouterClient
from .engine.routerdata import normalize_mac

NEIGHBOUR_TIMEOUT: Final = 5.0
# Home Assistant's DHCP/discovery records tie an address to a MAC for this long: short,
# as guest networks lease for an hour; devices in use are in the neighbour table anyway.
RECENT: Final = 3600.0
MAX_NEIGHBOURS: Final = 4096
_PROC_ARP: Final = "/proc/net/arp"
# Neighbour states that say nothing about who holds the address now.
_USELESS_STATES: Final = frozenset({"FAILED", "INCOMPLETE", "NOARP", "NONE"})


class Method(StrEnum):
    """How a device's address was tied to its MAC."""

    ROUTER = "router"
    DNS_FILTER = "dns_filter"
    NEIGHBOUR_TABLE = "neighbour_table"
    HOME_ASSISTANT = "home_assistant"


def _ip(value: object) -> str | None:
    try:
        address = ipaddress.ip_address(str(value).split("%", 1)[0])
    except ValueError:
        return None
    if address.is_unspecified or address.is_multicast or address.is_loopback:
        return None
    return str(address)


def _mac(value: object) -> str | None:
    mac = normalize_mac(str(value))
    if mac is None or mac in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):
        return None
    return mac


def parse_proc_arp(text: str) -> dict[str, str]:
    """Parse ``/proc/net/arp`` (IPv4): complete entries only."""
    found: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 4:
            continue
        try:
            flags = int(parts[2], 16)
        except ValueError:
            continue
        if not flags & 0x2:  # ATF_COM: the entry is complete
            continue
        if (ip := _ip(parts[0])) and (mac := _mac(parts[3])):
            found[ip] = mac
        if len(found) >= MAX_NEIGHBOURS:
            break
    return found


def parse_ip_neigh_json(text: str) -> dict[str, str]:
    """Parse ``ip -j neigh show`` (IPv4 and IPv6); bad rows are skipped."""
    try:
        rows = json.loads(text)
    except ValueError:
        return {}
    found: dict[str, str] = {}
    if not isinstance(rows, list):
        return found
    for row in rows:
        if not isinstance(row, dict):
            continue
        states = row.get("state")
        if isinstance(states, list) and set(map(str, states)) & _USELESS_STATES:
            continue
        if (ip := _ip(row.get("dst"))) and (mac := _mac(row.get("lladdr", ""))):
            found[ip] = mac
        if len(found) >= MAX_NEIGHBOURS:
            break
    return found


async def async_read_neighbours() -> dict[str, str]:
    """Read this host's neighbour table (``ip -j neigh``, else ``/proc/net/arp``).

    Never raises: a host without either (a container without iproute2, another
    OS) simply has no neighbour table to offer.
    """
    try:
        process = await asyncio.create_subprocess_exec(
            "ip",
            "-j",
            "neigh",
            "show",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            stdin=asyncio.subprocess.DEVNULL,
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), NEIGHBOUR_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        if process.returncode == 0:
            return parse_ip_neigh_json(out.decode(errors="replace"))
    except (OSError, TimeoutError):
        pass
    loop = asyncio.get_running_loop()
    try:
        text = await loop.run_in_executor(None, _read_text, _PROC_ARP)
    except OSError:
        return {}
    return parse_proc_arp(text)


def _read_text(path: str) -> str:
    with open(path, encoding="ascii", errors="replace") as handle:
        return handle.read(1 << 20)


@dataclass(slots=True)
class AddressBook:
    """The merged address → MAC map, and how each MAC was identified."""

    ip_to_mac: dict[str, str] = field(default_factory=dict)
    methods: dict[str, Method] = field(default_factory=dict)
    sources: dict[str, Method] = field(default_factory=dict)
    """Which source each address came from."""

    def add(self, pairs: Iterable[tuple[str, str]], method: Method) -> None:
        """Add mappings from one source; addresses already taken stay as they are."""
        for ip, mac in pairs:
            if ip in self.ip_to_mac:
                continue
            self.ip_to_mac[ip] = mac
            self.sources[ip] = method
            self.methods.setdefault(mac, method)

    def fresh(self) -> dict[str, str]:
        """Return the mappings seen now (router, filter, neighbour table), not HA's records."""
        return {
            ip: mac
            for ip, mac in self.ip_to_mac.items()
            if self.sources.get(ip) is not Method.HOME_ASSISTANT
        }

    def addresses_of(self) -> dict[str, tuple[str, ...]]:
        """Return each MAC's current addresses (every source), for per-client rules."""
        found: dict[str, list[str]] = {}
        for ip, mac in self.ip_to_mac.items():
            found.setdefault(mac, []).append(ip)
        return {mac: tuple(sorted(ips)) for mac, ips in found.items()}

    @classmethod
    def build(
        cls,
        clients: Iterable[RouterClient],
        *,
        clients_method: Method,
        neighbours: Mapping[str, str] = {},
        inventory: Mapping[str, str] = {},
    ) -> AddressBook:
        """Merge the sources, most authoritative first."""
        book = cls()
        listed = list(clients)
        book.add(((ip, c.mac) for c in listed for ip in c.ips), clients_method)
        for client in listed:
            book.methods.setdefault(client.mac, clients_method)
        book.add(neighbours.items(), Method.NEIGHBOUR_TABLE)
        book.add(inventory.items(), Method.HOME_ASSISTANT)
        return book

    def clients_not_in(
        self, clients: Iterable[RouterClient], named: Iterable[NamedAddress] = ()
    ) -> list[RouterClient]:
        """Devices only the neighbour table knows: listed so they can be watched too.

        A name the filter knows for one of their addresses (AdGuard's runtime clients,
        Pi-hole's network table) comes along, for discovery like a router's host name.
        HA's own records are not listed: they are in the inventory already, and listing
        them would refresh their addresses as if seen now.
        """
        known = {c.mac for c in clients}
        names = {n.ip: n.name for n in named}
        by_mac: dict[str, list[str]] = {}
        for ip, mac in self.ip_to_mac.items():
            if mac not in known and self.sources.get(ip) is Method.NEIGHBOUR_TABLE:
                by_mac.setdefault(mac, []).append(ip)
        return [
            RouterClient(
                mac=mac,
                ips=tuple(sorted(ips)),
                hostname=next((names[ip] for ip in sorted(ips) if ip in names), None),
            )
            for mac, ips in sorted(by_mac.items())
        ]
