r"""What to change on a Pi-hole so it enforces our policies, and what it enforces now.

Pure functions over the JSON rows Pi-hole's API returns (groups, clients, deny
domains); no I/O. Everything of ours carries ``OUR_COMMENT``; the user's own
groups, lists, domains and clients are never changed, except that a client
entry of the user's for a blocked device gets our group *added* to the groups it
has (and removed again later, which restores its membership exactly).

How Pi-hole picks a client's groups (FTL ``get_client_groupids``): an entry for
the exact IP wins over one for a subnet containing it (the longest prefix), which
wins over one for the MAC address, which wins over host name and interface
entries. So for each address of a blocked device without an IP entry we create
one, with the groups the device has now (the subnet's or MAC entry's, else
``Default``) plus ours, so it keeps every group it had; and a MAC entry
(``Default`` plus ours) when it has none, for the addresses we do not know (IPv6
privacy addresses). Reading back uses the same order. Host name and interface
entries of the user are not considered.

Trackers are regex deny entries in our group, each covering a chunk of the
tracker domains and their subdomains, ``(^|\.)(a\.com|b\.net)$`` (Pi-hole's
regexes are POSIX extended expressions, matched case-insensitively against the
queried name), as AdGuard's ``||name^`` and dnsmasq's ``address=/name/`` block
a name and its subdomains. Chunks are cut from the sorted domains after names
whose CRC is divisible by ``_CUT_ONE_IN`` (bounded by ``CHUNK_DOMAINS`` and
``CHUNK_CHARS``), so a change to the tracker list rewrites a few entries, not
all: measured on 50 000 domains (~470-490 entries), one added domain rewrites
one entry in most cases and up to 6-7 (a cap splits a long run between cuts, and
that split shifts). Exact deny entries of ours (older versions) are deleted. "Block
internet" is the deny-all regex ``^.*$`` in our second group.
"""

from __future__ import annotations

import ipaddress
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from ..engine.routerdata import normalize_mac
from .base import DevicePolicy, EnforcedState

GROUP_TRACKERS: Final = "Snoop Guard trackers"
GROUP_INTERNET: Final = "Snoop Guard internet"
OUR_COMMENT: Final = "Managed by Snoop Guard (Home Assistant)"
INTERNET_REGEX: Final = "^.*$"
DEFAULT_GROUP: Final = 0
_DOMAIN: Final = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$")
_ERE_SPECIAL: Final = frozenset("\\^$.|?*+()[]{}")
CHUNK_DOMAINS: Final = 200
"""Most tracker domains in one regex entry."""
CHUNK_CHARS: Final = 4096
"""Longest regex entry (its JSON body stays small; 50 000 domains make ~470-490 entries)."""
_CUT_ONE_IN: Final = 128
_PREFIX: Final = "(^|\\.)("
_SUFFIX: Final = ")$"

type Json = dict[str, Any]


def ere_escape(text: str) -> str:
    """Return ``text`` with every POSIX extended regex special character escaped."""
    return "".join("\\" + c if c in _ERE_SPECIAL else c for c in text)


def ere_exact(domain: str) -> str:
    """Return a POSIX extended regex matching exactly ``domain`` (specials escaped)."""
    return "^" + ere_escape(domain) + "$"


def _cut_after(domain: str) -> bool:
    return zlib.crc32(domain.encode()) % _CUT_ONE_IN == 0


@lru_cache(maxsize=4)
def tracker_regexes(domains: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Return our regex deny entries for ``domains``, each with the domains it covers.

    Each matches its domains and their subdomains. Deterministic: the same set
    gives the same entries. Cuts follow the names, not their positions, so adding
    or removing a domain changes a few entries near it: usually one, measured up
    to 6-7 of ~490 for 50 000 domains (within a run between two cuts, the
    ``CHUNK_DOMAINS``/``CHUNK_CHARS`` caps split by position and that shifts).
    """
    chunks: dict[str, tuple[str, ...]] = {}
    names: list[str] = []
    escaped: list[str] = []
    size = len(_PREFIX) + len(_SUFFIX)

    def flush() -> None:
        nonlocal size
        if names:
            chunks[_PREFIX + "|".join(escaped) + _SUFFIX] = tuple(names)
        names.clear()
        escaped.clear()
        size = len(_PREFIX) + len(_SUFFIX)

    for domain in sorted(domains):
        text = ere_escape(domain)
        if names and (len(names) >= CHUNK_DOMAINS or size + len(text) + 1 > CHUNK_CHARS):
            flush()
        names.append(domain)
        escaped.append(text)
        size += len(text) + 1
        if _cut_after(domain):
            flush()
    flush()
    return chunks


def tracker_domains(domains: Iterable[str]) -> frozenset[str]:
    """Return the tracker domains Pi-hole can take as exact entries (lower case)."""
    found = set()
    for raw in domains:
        name = raw.strip().rstrip(".").lower()
        if len(name) <= 253 and "." in name and _DOMAIN.fullmatch(name):
            found.add(name)
    return frozenset(found)


def is_ours(row: Json) -> bool:
    """Whether a client or domain row is one we created."""
    return row.get("comment") == OUR_COMMENT


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Pi-hole's rows that matter to us, read in one go."""

    groups: Sequence[Json]
    clients: Sequence[Json]
    exact: Sequence[Json]
    regex: Sequence[Json]

    def group(self, name: str) -> Json | None:
        """Return the group called ``name``."""
        return next((g for g in self.groups if g.get("name") == name), None)


@dataclass(slots=True)
class Plan:
    """Changes that bring Pi-hole to the wanted state (empty: it is there)."""

    delete_exact: list[str] = field(default_factory=list)
    add_regex: dict[str, int] = field(default_factory=dict)
    fix_regex: dict[str, int] = field(default_factory=dict)
    delete_regex: list[str] = field(default_factory=list)
    create_clients: dict[str, list[int]] = field(default_factory=dict)
    update_clients: dict[str, tuple[str | None, list[int]]] = field(default_factory=dict)
    delete_clients: list[str] = field(default_factory=list)
    chunks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The tracker domains of each regex in ``add_regex`` that is a tracker chunk."""
    tracker_entries_missing: int = 0
    tracker_domains_on: int = 0
    internet_entry_missing: bool = False

    @property
    def domains_done(self) -> bool:
        """Whether our deny entries are all there, and only those."""
        return not (self.delete_exact or self.add_regex or self.fix_regex or self.delete_regex)

    @property
    def empty(self) -> bool:
        """Whether nothing needs to change."""
        return self.domains_done and not (
            self.create_clients or self.update_clients or self.delete_clients
        )


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _groups(row: Json) -> list[int]:
    value = row.get("groups")
    return [g for g in value if isinstance(g, int)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class _Device:
    """A policy's client entries on Pi-hole."""

    mac: str | None
    ips: tuple[str, ...]
    ip_rows: dict[str, Json]
    mac_row: Json | None


def _index(clients: Sequence[Json]) -> tuple[dict[str, Json], dict[str, Json]]:
    by_ip: dict[str, Json] = {}
    by_mac: dict[str, Json] = {}
    for row in clients:
        text = str(row.get("client", ""))
        if (address := _ip(text)) is not None:
            by_ip[str(address)] = row
        elif (":" in text or "-" in text) and (mac := normalize_mac(text)) is not None:
            by_mac[mac] = row
    return by_ip, by_mac


def _device(policy: DevicePolicy, by_ip: dict[str, Json], by_mac: dict[str, Json]) -> _Device:
    mac = normalize_mac(policy.mac)
    ips = tuple(dict.fromkeys(str(a) for t in policy.ips if (a := _ip(t)) is not None))
    return _Device(
        mac=mac,
        ips=ips,
        ip_rows={ip: by_ip[ip] for ip in ips if ip in by_ip},
        mac_row=by_mac.get(mac) if mac else None,
    )


type _Subnets = list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Json]]


def _subnets(clients: Sequence[Json]) -> _Subnets:
    """Return the subnet (CIDR) client entries, longest prefix first."""
    found = [(net, row) for row in clients if (net := _network(str(row.get("client", ""))))]
    return sorted(found, key=lambda item: -item[0].prefixlen)


def _source(ip: str, device: _Device, subnets: _Subnets) -> Json | None:
    """Return the client entry whose groups Pi-hole gives ``ip`` (FTL's order), if any.

    The IP's own entry, else the longest subnet containing it, else the MAC entry.
    """
    if (row := device.ip_rows.get(ip)) is not None:
        return row
    address = _ip(ip)
    for net, row in subnets:
        if address is not None and address.version == net.version and address in net:
            return row
    return device.mac_row


def _inherited(ip: str, device: _Device, subnets: _Subnets, ours: set[int]) -> list[int]:
    """Return the groups Pi-hole gives ``ip`` now, when it has no entry of its own."""
    source = _source(ip, device, subnets)
    if source is None:
        return [DEFAULT_GROUP]
    return [g for g in _groups(source) if g not in ours]


def plan_changes(
    snap: Snapshot,
    policies: Sequence[DevicePolicy],
    domains: frozenset[str],
    trackers_gid: int,
    internet_gid: int,
) -> Plan:
    """Plan the changes that make Pi-hole enforce ``policies`` with our two groups."""
    plan = Plan()
    ours = {trackers_gid, internet_gid}
    _plan_domains(plan, snap, domains, trackers_gid, internet_gid)

    by_ip, by_mac = _index(snap.clients)
    subnets = _subnets(snap.clients)
    extra: dict[str, set[int]] = {}
    for policy in policies:
        wanted = {trackers_gid} if policy.block_trackers else set()
        if policy.block_internet:
            wanted.add(internet_gid)
        if not wanted:
            continue
        device = _device(policy, by_ip, by_mac)
        for ip in device.ips:
            if ip in device.ip_rows:
                extra.setdefault(str(device.ip_rows[ip]["client"]), set()).update(wanted)
            else:
                base = _inherited(ip, device, subnets, ours)
                created = plan.create_clients.setdefault(ip, base)
                created.extend(sorted(wanted - set(created)))
        if device.mac_row is not None:
            extra.setdefault(str(device.mac_row["client"]), set()).update(wanted)
        elif device.mac is not None:
            # Addresses we do not know (IPv6 privacy addresses) reach Pi-hole by MAC.
            created = plan.create_clients.setdefault(device.mac.upper(), [DEFAULT_GROUP])
            created.extend(sorted(wanted - set(created)))

    for row in snap.clients:
        key = str(row.get("client", ""))
        have = _groups(row)
        if is_ours(row) and key not in extra:
            plan.delete_clients.append(key)
            continue
        want = [g for g in have if g not in ours] + sorted(extra.get(key, set()))
        if set(want) != set(have):
            plan.update_clients[key] = (row.get("comment"), want)
    return plan


def _row_fits(row: Json, gid: int) -> bool:
    return is_ours(row) and _groups(row) == [gid] and row.get("enabled") is True


def _plan_domains(
    plan: Plan, snap: Snapshot, domains: frozenset[str], trackers_gid: int, internet_gid: int
) -> None:
    # Exact entries of ours are from older versions: the regex chunks replace them.
    plan.delete_exact = sorted(str(r.get("domain", "")) for r in snap.exact if is_ours(r))

    chunks = tracker_regexes(domains)
    ours_regex = {str(r.get("domain", "")): r for r in snap.regex if is_ours(r)}
    users_regex = {str(r.get("domain", "")) for r in snap.regex if not is_ours(r)}
    want_regex = dict.fromkeys(chunks, trackers_gid)
    want_regex[INTERNET_REGEX] = internet_gid
    taken = want_regex.keys() & users_regex  # one entry per regex: the user's is not ours
    want_regex = {k: v for k, v in want_regex.items() if k not in taken}
    fits = {k for k, v in want_regex.items() if k in ours_regex and _row_fits(ours_regex[k], v)}
    plan.delete_regex = sorted(k for k in ours_regex if k not in fits)
    plan.add_regex = {k: v for k, v in want_regex.items() if k not in fits}
    if INTERNET_REGEX in plan.add_regex and INTERNET_REGEX in ours_regex:
        # A short entry of ours that needs a fix: put it in place (tracker chunks, long
        # for a URL, are deleted and added instead).
        plan.fix_regex[INTERNET_REGEX] = plan.add_regex.pop(INTERNET_REGEX)
        plan.delete_regex.remove(INTERNET_REGEX)
    plan.chunks = {k: chunks[k] for k in plan.add_regex if k in chunks}
    plan.tracker_entries_missing = len(plan.chunks) + len(taken - {INTERNET_REGEX})
    plan.tracker_domains_on = sum(len(chunks[k]) for k in fits if k in chunks)
    plan.internet_entry_missing = INTERNET_REGEX not in fits


def removal_plan(snap: Snapshot) -> Plan:
    """Plan the removal of everything of ours, restoring every membership."""
    plan = Plan()
    ours = {
        int(g["id"])
        for g in snap.groups
        if g.get("name") in (GROUP_TRACKERS, GROUP_INTERNET) and isinstance(g.get("id"), int)
    }
    for row in snap.clients:
        key = str(row.get("client", ""))
        if is_ours(row):
            plan.delete_clients.append(key)
        elif ours & set(have := _groups(row)):
            plan.update_clients[key] = (row.get("comment"), [g for g in have if g not in ours])
    plan.delete_exact = sorted(str(r.get("domain", "")) for r in snap.exact if is_ours(r))
    plan.delete_regex = sorted(str(r.get("domain", "")) for r in snap.regex if is_ours(r))
    return plan


def enforced_state(
    snap: Snapshot, policies: Sequence[DevicePolicy], domains: frozenset[str]
) -> EnforcedState:
    """Read back, from Pi-hole's rows, what it enforces for each device."""
    trackers, internet = snap.group(GROUP_TRACKERS), snap.group(GROUP_INTERNET)
    if (
        trackers is None
        or internet is None
        or not isinstance(tgid := trackers.get("id"), int)
        or not isinstance(igid := internet.get("id"), int)
    ):
        return EnforcedState(table_present=False, rules_intact=False, in_sync=False)
    plan = plan_changes(snap, policies, domains, tgid, igid)
    trackers_on = trackers.get("enabled") is True and plan.tracker_entries_missing == 0
    internet_on = internet.get("enabled") is True and not plan.internet_entry_missing
    by_ip, by_mac = _index(snap.clients)
    subnets = _subnets(snap.clients)
    blocked_trackers: set[str] = set()
    blocked_internet: set[str] = set()
    for policy in policies:
        device = _device(policy, by_ip, by_mac)
        if device.mac is None:
            continue
        if trackers_on and _member(device, subnets, tgid):
            blocked_trackers.add(device.mac)
        if internet_on and _member(device, subnets, igid):
            blocked_internet.add(device.mac)
    intact = trackers_on and internet_on
    return EnforcedState(
        table_present=True,
        rules_intact=intact,
        in_sync=intact and plan.empty,
        block_trackers=frozenset(blocked_trackers),
        block_internet=frozenset(blocked_internet),
        tracker_addresses=plan.tracker_domains_on,
        dns_snippet_current=plan.domains_done,
    )


def _member(device: _Device, subnets: _Subnets, gid: int) -> bool:
    """Whether Pi-hole puts every address of the device in group ``gid``.

    Each address gets the groups of the entry FTL picks for it (``_source``); the
    MAC entry also serves the addresses we do not know, so it must have ``gid``.
    """
    if device.mac_row is not None and gid not in _groups(device.mac_row):
        return False
    if not device.ips:
        return device.mac_row is not None
    for ip in device.ips:
        row = _source(ip, device, subnets)
        if row is None or gid not in _groups(row):
            return False
    return True
