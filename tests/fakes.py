"""An in-memory router backend that behaves like the real one, for harness tests.

The fake router keeps what the real router would: an nftables table, changed
only by the JSON transactions the real ``build_ruleset`` writes and listed back
in the shape ``nft -j list table`` prints (``FakeNft``), and the text of the
dnsmasq snippet the real builder wrote. Reading the state back goes through the
real ``parse_state``, so the fake reports what the real backend would report
for the same router, not a semantics of its own. ``FakeRouter.resolve`` plays
dnsmasq answering a name: the addresses go to the sets of the snippet line
dnsmasq would pick.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import ipaddress
import re
from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from custom_components.snoop_guard.backends.base import (
    BackendConnectionError,
    BackendError,
    BackendResponseError,
    Capability,
    DevicePolicy,
    DnsSource,
    EnforcedState,
    Enforcement,
    RouterClient,
    RouterInfo,
    TrackerSet,
)
from custom_components.snoop_guard.backends.dnsmasq import TRACKER_TARGETS, build_snippet
from custom_components.snoop_guard.backends.nftables import (
    FAMILY,
    TABLE,
    build_delete,
    build_ruleset,
    parse_state,
    safe_interfaces,
)

type Json = dict[str, Any]

_MAC = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$")
_NFTSET_LINE = re.compile(r"^nftset=/([^/\n]+)/([^\n]+)$")


class NftError(Exception):
    """nft refused a transaction (nothing of it was applied)."""


def _element(set_type: str | list[str], value: object) -> str | tuple[object, ...]:
    """Return ``value`` as nft stores and prints it; raise NftError as nft would."""
    if isinstance(set_type, list):  # a concatenation: {"concat": [mac, address, port]}
        parts = value.get("concat") if isinstance(value, dict) else None
        if not isinstance(parts, list) or len(parts) != len(set_type):
            raise NftError(f"element {value!r} does not fit a {set_type} set")
        return tuple(_element(t, v) for t, v in zip(set_type, parts, strict=True))
    if set_type == "inet_service":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
            raise NftError(f"{value!r} is not a port")
        return str(value)
    if not isinstance(value, str):
        raise NftError(f"element {value!r} is not a plain value")
    if set_type == "ifname":
        if not 0 < len(value.encode()) < 16 or "\0" in value:
            raise NftError(f"{value!r} is not an interface name")
        return value
    if set_type == "ether_addr":
        if not _MAC.fullmatch(value.lower()):
            raise NftError(f"{value!r} is not a MAC address")
        return value.lower()
    version = {"ipv4_addr": 4, "ipv6_addr": 6}.get(set_type)
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        raise NftError(f"Could not resolve hostname: {value!r}") from None
    if addr.version != version or "%" in value:
        raise NftError(f"{value!r} does not fit a {set_type} set")
    return addr.compressed


@dataclass
class _Set:
    type: str | list[str]
    timeout: int | None
    elements: dict[str | tuple[object, ...], None] = field(default_factory=dict)
    size: int | None = None
    dynamic: bool = False  # the packet path updates it: the kernel adds the flag


@dataclass
class _Chain:
    spec: Json
    rules: list[Json] = field(default_factory=list)


@dataclass
class _Table:
    sets: dict[str, _Set] = field(default_factory=dict)
    chains: dict[str, _Chain] = field(default_factory=dict)


class FakeNft:
    """The kernel's nftables state for our table, driven by nft's JSON input format.

    Only the commands our backend uses are known; anything else is refused, so a
    builder that starts writing something new fails here first.
    """

    def __init__(self) -> None:
        self.tables: dict[tuple[str, str], _Table] = {}

    def apply(self, transaction: object) -> None:
        """Run one ``nft -j -f -`` transaction atomically."""
        if not isinstance(transaction, dict) or not isinstance(transaction.get("nftables"), list):
            raise NftError("not an nftables JSON transaction")
        work = copy.deepcopy(self.tables)
        for command in transaction["nftables"]:
            if not isinstance(command, dict) or len(command) != 1:
                raise NftError(f"malformed command {command!r}")
            ((verb, body),) = command.items()
            if not isinstance(body, dict) or len(body) != 1:
                raise NftError(f"malformed command {command!r}")
            ((kind, spec),) = body.items()
            self._run(work, verb, kind, spec)
        self.tables = work

    def _table(self, work: dict[tuple[str, str], _Table], spec: Json) -> _Table:
        table = work.get((str(spec.get("family")), str(spec.get("table"))))
        if table is None:
            raise NftError("No such file or directory (table)")
        return table

    def _run(self, work: dict[tuple[str, str], _Table], verb: str, kind: str, spec: Json) -> None:
        match verb, kind:
            case "add", "table":
                work.setdefault((spec["family"], spec["name"]), _Table())
            case "delete", "table":
                if work.pop((spec["family"], spec["name"]), None) is None:
                    raise NftError("No such file or directory (table)")
            case "add", "set":
                table = self._table(work, spec)
                timeout = spec.get("timeout") if "timeout" in spec.get("flags", []) else None
                existing = table.sets.get(spec["name"])
                if existing is None:
                    table.sets[spec["name"]] = _Set(spec["type"], timeout, size=spec.get("size"))
                elif (existing.type, existing.timeout) != (spec["type"], timeout):
                    raise NftError("File exists (set with another type)")
                elif existing.dynamic and "dynamic" not in spec.get("flags", []):
                    raise NftError("File exists (set with other flags: dynamic)")
            case "add", "chain":
                table = self._table(work, spec)
                hook = {k: spec[k] for k in ("type", "hook", "prio", "policy") if k in spec}
                chain = table.chains.setdefault(spec["name"], _Chain(hook))
                if chain.spec != hook:
                    raise NftError("File exists (chain with another hook)")
            case "flush", "chain":
                self._chain(work, spec, spec["name"]).rules.clear()
            case "add", "rule":
                table = self._table(work, spec)
                for ref in _set_references(spec.get("expr")):
                    if ref not in table.sets:
                        raise NftError(f"Could not process rule: set {ref} does not exist")
                for ref in _updated_sets(spec.get("expr")):
                    if (updated := table.sets.get(ref)) is not None:
                        updated.dynamic = True
                rule = {k: copy.deepcopy(spec[k]) for k in ("comment", "expr") if k in spec}
                # nft lists a counter with its values.
                rule["expr"] = [
                    {"counter": {"packets": 0, "bytes": 0}} if e == {"counter": None} else e
                    for e in rule.get("expr", [])
                ]
                self._chain(work, spec, spec["chain"]).rules.append(rule)
            case "flush", "set":
                self._set(work, spec).elements.clear()
            case "add", "element":
                nft_set = self._set(work, spec)
                values = [_element(nft_set.type, v) for v in spec.get("elem", [])]
                nft_set.elements.update(dict.fromkeys(values))
            case _:
                raise NftError(f"the fake does not know '{verb} {kind}'")

    def _chain(self, work: dict[tuple[str, str], _Table], spec: Json, name: str) -> _Chain:
        chain = self._table(work, spec).chains.get(name)
        if chain is None:
            raise NftError(f"No such file or directory (chain {name})")
        return chain

    def _set(self, work: dict[tuple[str, str], _Table], spec: Json) -> _Set:
        nft_set = self._table(work, spec).sets.get(spec["name"])
        if nft_set is None:
            raise NftError(f"No such file or directory (set {spec['name']})")
        return nft_set

    def add_elements(self, set_name: str, values: Iterable[object]) -> None:
        """Add elements behind the backend's back (as dnsmasq's nftset does)."""
        self.apply(
            {
                "nftables": [
                    {
                        "add": {
                            "element": {
                                "family": FAMILY,
                                "table": TABLE,
                                "name": set_name,
                                "elem": list(values),
                            }
                        }
                    }
                ]
            }
        )

    def listing(self) -> Json | None:
        """Return what ``nft -j list table inet snoop_guard`` prints, None without the table."""
        table = self.tables.get((FAMILY, TABLE))
        if table is None:
            return None
        base = {"family": FAMILY, "table": TABLE}
        items: list[Json] = [
            {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
            {"table": {"family": FAMILY, "name": TABLE, "handle": 1}},
        ]
        handle = 1
        for name, nft_set in table.sets.items():
            handle += 1
            spec: Json = {**base, "name": name, "type": nft_set.type, "handle": handle}
            if nft_set.size is not None:
                spec["size"] = nft_set.size
            if nft_set.timeout is not None:
                spec |= {"flags": ["timeout"], "timeout": nft_set.timeout}
            if nft_set.elements:
                spec["elem"] = [
                    {"elem": {"val": _listed(v), "expires": nft_set.timeout - 1}}
                    if nft_set.timeout is not None
                    else _listed(v)
                    for v in nft_set.elements
                ]
            items.append({"set": spec})
        for name, chain in table.chains.items():
            handle += 1
            items.append({"chain": {**base, "name": name, "handle": handle, **chain.spec}})
        for name, chain in table.chains.items():
            for rule in chain.rules:
                handle += 1
                items.append(
                    {"rule": {**base, "chain": name, "handle": handle, **copy.deepcopy(rule)}}
                )
        return {"nftables": items}


def _updated_sets(expr: object) -> set[str]:
    """Sets a rule's ``update``/``add`` statements write to (from the packet path)."""
    found: set[str] = set()
    todo = [expr]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            stmt = item.get("set")
            if isinstance(stmt, dict) and stmt.get("op") in ("add", "update"):
                found.add(str(stmt.get("set", "")).removeprefix("@"))
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return found


def _listed(value: str | tuple[object, ...]) -> object:
    """Return a stored element as nft lists it (ports as numbers)."""
    if isinstance(value, tuple):
        return {"concat": [int(v) if isinstance(v, str) and v.isdigit() else v for v in value]}
    return value


def _set_references(expr: object) -> set[str]:
    found: set[str] = set()
    if isinstance(expr, str) and expr.startswith("@"):
        found.add(expr[1:])
    elif isinstance(expr, dict):
        for value in expr.values():
            found |= _set_references(value)
    elif isinstance(expr, list):
        for value in expr:
            found |= _set_references(value)
    return found


def snippet_sets_for(snippet: str, name: str) -> list[str]:
    """Return the set names dnsmasq fills for an answer to ``name`` under ``snippet``.

    dnsmasq uses the ``nftset=`` line with the longest matching domain, the
    later one on a tie (``domain_find_sets`` in dnsmasq's forward.c).
    """
    best: tuple[int, str] | None = None
    name = name.lower().rstrip(".")
    for line in snippet.splitlines():
        if (found := _NFTSET_LINE.fullmatch(line)) is None:
            continue
        domain, targets = found.groups()
        if (name == domain or name.endswith(f".{domain}")) and (
            best is None or len(domain) >= best[0]
        ):
            best = (len(domain), targets)
    if best is None:
        return []
    return [target.split("#")[-1] for target in best[1].split(",")]


class FakeRouter:
    """Router state shared by every FakeBackend built during a test."""

    def __init__(self) -> None:
        self.clients: list[RouterClient] = []
        self.nft = FakeNft()
        self.snippet: str | None = None
        self.snippet_uploads = 0
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.apply_calls = 0
        self.fail_with: BackendError | None = None
        self.closed = 0
        self.path_problems: list[str] = []

    def log(self, line: str) -> None:
        self.lines.put_nowait(line)

    def drop_stream(self) -> None:
        self.lines.put_nowait(None)

    def resolve(self, name: str, *addresses: str) -> None:
        """dnsmasq answers ``name`` with ``addresses``: fill the sets its snippet names."""
        if self.snippet is None or self.nft.listing() is None:
            return
        for set_name in snippet_sets_for(self.snippet, name):
            version = 6 if set_name.endswith("6") else 4
            picked = [a for a in addresses if ipaddress.ip_address(a).version == version]
            if picked:
                self.nft.add_elements(set_name, picked)

    def send_dns(self, mac: str, address: str, port: int) -> bool:
        """A LAN device sends DNS to ``address``:``port`` on the internet (the forward hook).

        Tracker- or bypass-blocked devices are redirected/rejected before the
        evidence rules, devices cut off from the internet get nowhere; others
        leave ``MAC . address . port`` in ``seen4``/``seen6`` for ports 53 and 853,
        and for 443 to a DoH resolver address. Returns whether the packet went out.
        """
        table = self.nft.tables.get((FAMILY, TABLE))
        if table is None:
            return True
        version = ipaddress.ip_address(address).version
        suffix = "4" if version == 4 else "6"
        blocked = (table.sets["bt_mac"].elements, table.sets["bb_mac"].elements)
        doh = address in table.sets[f"doh{suffix}"].elements
        if any(mac in macs for macs in blocked) and (port in (53, 853) or (port == 443 and doh)):
            return False
        if mac in table.sets["bi_mac"].elements:
            return False
        if port in (53, 853) or (port == 443 and doh):
            self.nft.add_elements(f"seen{suffix}", [{"concat": [mac, address, port]}])
        return True

    @property
    def table(self) -> dict[str, frozenset[str]] | None:
        """The MACs whose trackers / internet the router blocks now (None: no table)."""
        listing = self.nft.listing()
        if listing is None:
            return None
        state = parse_state(listing, [], dns_snippet_current=True)
        return {"trackers": state.block_trackers, "internet": state.block_internet}

    @table.setter
    def table(self, value: None) -> None:
        """Only ``None`` is supported: the table vanished (router rebooted)."""
        if value is not None:
            raise TypeError("set the table through FakeBackend.async_apply")
        self.nft.tables.pop((FAMILY, TABLE), None)

    @property
    def snippet_domains(self) -> tuple[str, ...] | None:
        """The tracker domains in the installed snippet (None: no snippet)."""
        if self.snippet is None:
            return None
        return tuple(
            found.group(1)
            for line in self.snippet.splitlines()
            if (found := _NFTSET_LINE.fullmatch(line)) and found.group(2) == TRACKER_TARGETS
        )

    @snippet_domains.setter
    def snippet_domains(self, value: Iterable[str] | None) -> None:
        """Install a snippet for these tracker domains behind Home Assistant's back."""
        self.snippet = None if value is None else build_snippet(value)

    @property
    def snippet_sha256(self) -> str | None:
        """What ``sha256sum`` of the installed snippet prints (None: no snippet)."""
        if self.snippet is None:
            return None
        return hashlib.sha256(self.snippet.encode()).hexdigest()

    @snippet_sha256.setter
    def snippet_sha256(self, value: str | None) -> None:
        """Another digest than the snippet's means: the file was edited by hand."""
        if value is None:
            self.snippet = None
        elif value != self.snippet_sha256:
            self.snippet = f"# edited by hand ({value})\n"


class FakeBackend:
    """Implements the Backend protocol on a FakeRouter, with the real builders and parser."""

    def __init__(self, router: FakeRouter) -> None:
        self.router = router
        self._lan_interfaces: set[str] = set()

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset(Capability)

    @property
    def enforcement(self) -> Enforcement:
        return Enforcement.FIREWALL

    @property
    def dns_source(self) -> DnsSource:
        return DnsSource.LOG_LINES

    @property
    def manual_removal(self) -> str:
        return "the fake table"

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
        self._lan_interfaces.update(
            safe_interfaces(c.interface for c in self.router.clients if c.interface)
        )
        return list(self.router.clients)

    async def stream_dns_lines(self, backlog: int) -> AsyncGenerator[str]:
        self._check()
        while True:
            line = await self.router.lines.get()
            if line is None:
                raise BackendConnectionError("stream dropped")
            yield line

    async def async_apply(self, policies: Sequence[DevicePolicy], trackers: TrackerSet) -> None:
        self._check()
        self.router.apply_calls += 1
        try:
            table = self.router.nft.tables.get((FAMILY, TABLE))
            exist = table is not None and {"seen4", "seen6"} <= table.sets.keys()
            self.router.nft.apply(
                build_ruleset(policies, self._lan_interfaces, evidence_sets_exist=exist)
            )
        except NftError as err:
            raise BackendResponseError(f"nft refused the ruleset: {err}") from err
        if self.router.snippet_sha256 != trackers.sha256:
            self.router.snippet_uploads += 1
            self.router.snippet = trackers.snippet

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], trackers: TrackerSet
    ) -> EnforcedState:
        self._check()
        current = self.router.snippet_sha256 == trackers.sha256
        listing = self.router.nft.listing()
        if listing is None:
            return EnforcedState(
                table_present=False, rules_intact=False, in_sync=False, dns_snippet_current=current
            )
        return parse_state(listing, policies, self._lan_interfaces, dns_snippet_current=current)

    async def async_remove_all(self) -> None:
        self._check()
        with contextlib.suppress(NftError):
            self.router.nft.apply(build_delete())
        self.router.snippet = None
