"""AdGuard Home as Snoop Guard's DNS filter: query log, clients and per-device blocks.

Everything goes through the ``adguardhome`` client's ``request()`` on the aiohttp
session the caller passes in. AdGuard Home locks an address out for 15 minutes
after 5 failed logins, so one refused request latches this backend: it raises
BackendAuthError at once, without another request, until a new backend is
built with new credentials.

Blocks are DNS-level, as AdGuard Home enforces them: tracker rules are
``$client=`` rules in our marked block of the user rules, and an internet block
is an entry in the access list's ``disallowed_clients`` (the server refuses all
DNS for it). A device with a hard-coded resolver or DNS-over-HTTPS bypasses both.
Only IP addresses and ClientIDs we validated are ever written; the access-list
entries we own are listed in our block, so removal touches nothing of the user's.
AdGuard Home has no conditional write: we re-read right before each write and
retry when the user changed something, which narrows but cannot close the window.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
from adguardhome import AdGuardHome
from adguardhome.exceptions import AdGuardHomeConnectionError, AdGuardHomeError

from .adguard_plan import (
    EXECUTOR_LINES,
    BlockCache,
    Wanted,
    WritePlan,
    inspect,
    plan_removal,
    plan_write,
    tracker_names,
    user_overrides,
)
from .adguard_query import QueryCursor, QueryEntry, QueryPoller
from .adguard_rules import client_identity
from .base import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    DevicePolicy,
    DnsBatch,
    DnsFilterRoles,
    DnsQuery,
    EnforcedState,
    NamedAddress,
    RouterClient,
    RouterInfo,
    TrackerSet,
    WrongServerError,
)

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT: Final = 10
MAX_NAMED: Final = 4096
WRITE_ATTEMPTS: Final = 3
_MAC: Final = re.compile(r"[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}")

type _Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AdGuardClient:
    """A client AdGuard Home knows, and how it knows it.

    ``source`` is ``persistent`` (configured by the user; MAC when its ids have
    one), ``dhcp`` (AdGuard Home's own DHCP server: MAC, IP, host name) or
    ``runtime:<source>`` (seen by AdGuard: ARP, rDNS, hosts file, WHOIS; no MAC).
    ``name`` comes from the server or the device: data, never markup or a rule.
    ``filtering`` is False for a persistent client whose own settings turn
    filtering off: rules (ours included) do not apply to it.
    """

    mac: str | None
    ips: tuple[str, ...]
    client_ids: tuple[str, ...]
    name: str | None
    source: str
    filtering: bool = True


def _mac(value: str) -> str | None:
    text = value.strip().lower()
    return text.replace("-", ":") if _MAC.fullmatch(text) else None


def _ip(value: object) -> str | None:
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        return None
    # A zone id may carry any text (newlines included): such an address is refused.
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        return None
    return str(address)


def _strings(value: object) -> list[str]:
    """Return a JSON list of strings (Go sends ``null`` for an empty slice)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BackendResponseError("AdGuard Home sent a list that is not a list of strings")
    return value


def _covered(identity: str, entries: Sequence[str]) -> bool:
    """Whether an access-list entry (address, CIDR or ClientID) covers ``identity``."""
    if identity in entries:
        return True
    try:
        address = ipaddress.ip_address(identity)
    except ValueError:
        return False
    for entry in entries:
        if "/" in entry:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        elif _ip(entry) == identity:
            return True
    return False


class AdGuardBackend(DnsFilterRoles):
    """One AdGuard Home instance, reached over its HTTP API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        host: str,
        port: int = 3000,
        tls: bool = False,
        verify_ssl: bool = True,
        username: str | None = None,
        password: str | None = None,
        base_path: str = "/control",
    ) -> None:
        """Store the settings; the session belongs to the caller (Home Assistant's)."""
        self._client = AdGuardHome(
            host,
            base_path=base_path,
            password=password,
            port=port,
            request_timeout=REQUEST_TIMEOUT,
            session=session,
            tls=tls,
            username=username,
            verify_ssl=verify_ssl,
        )
        self._refused: str | None = None
        self.named_addresses: tuple[NamedAddress, ...] = ()
        """Runtime and MAC-less persistent clients with a name, from the last listing."""
        self._write_lock = asyncio.Lock()
        self._poller = QueryPoller(self._querylog_page)
        self._names_cache: tuple[str, tuple[str, ...]] | None = None
        self._blocks = BlockCache()

    async def _request(
        self,
        uri: str,
        method: str = "GET",
        *,
        body: _Json | None = None,
        params: Mapping[str, str] | None = None,
    ) -> _Json:
        if self._refused is not None:
            raise BackendAuthError(self._refused)
        try:
            reply = await self._client.request(uri, method=method, json_data=body, params=params)
        except AdGuardHomeConnectionError as err:
            raise BackendConnectionError(f"cannot reach AdGuard Home: {err}") from err
        except AdGuardHomeError as err:
            status = err.args[0] if err.args and isinstance(err.args[0], int) else None
            if status in (401, 403):
                self._refused = (
                    "AdGuard Home refused the credentials (after 5 failed logins it locks"
                    " this address out for 15 minutes)"
                )
                raise BackendAuthError(self._refused) from err
            if status == 404:
                raise WrongServerError(f"no AdGuard Home API at /{uri} (HTTP 404)") from err
            raise BackendResponseError(f"AdGuard Home answered HTTP {status} to /{uri}") from err
        if not isinstance(reply, dict):
            raise BackendResponseError(f"AdGuard Home sent no JSON object for /{uri}")
        return reply

    async def _get(self, uri: str, params: Mapping[str, str] | None = None) -> _Json:
        reply = await self._request(uri, params=params)
        if set(reply) == {"message"}:
            # The client wraps a reply that is not JSON (an HTML page) this way.
            raise WrongServerError(f"/{uri} did not answer JSON: not AdGuard Home")
        return reply

    @property
    def manual_removal(self) -> str:
        """Our marked block of user rules and the access-list entries it names."""
        return (
            "the block between '! snoop-guard:begin' and '! snoop-guard:end' in AdGuard Home's"
            " custom filtering rules, and the disallowed clients that block lists"
        )

    async def async_connect(self) -> RouterInfo:
        """Check that this is AdGuard Home and that it takes our credentials.

        Raises BackendConnectionError (unreachable), BackendAuthError (credentials
        refused) or WrongServerError (a server answered, but not AdGuard Home's API).
        """
        status = await self._get("status")
        version = status.get("version")
        if not isinstance(version, str) or not isinstance(status.get("running"), bool):
            raise WrongServerError("the server's /control/status is not AdGuard Home's")
        return RouterInfo(system="adguardhome", hostname=f"AdGuard Home {version}".strip())

    async def async_close(self) -> None:
        """Nothing to close: the session is the caller's."""

    # Clients -----------------------------------------------------------------

    async def async_list_all_clients(self) -> list[AdGuardClient]:
        """Every client AdGuard Home knows: persistent, DHCP leases, runtime."""
        clients_reply = await self._get("clients")
        try:
            dhcp: _Json | None = await self._get("dhcp/status")
        except BackendResponseError:
            dhcp = None  # No DHCP server in this build (Windows) or it answered 500.
        found: list[AdGuardClient] = []
        for item in clients_reply.get("clients") or []:
            if not isinstance(item, dict):
                continue
            ids = [v for v in item.get("ids") or [] if isinstance(v, str)]
            macs: list[str | None] = [m for v in ids if (m := _mac(v))]
            ips = tuple(sorted({a for v in ids if (a := _ip(v))}))
            cids = tuple(sorted({v for v in ids if not _ip(v) and client_identity(v)}))
            name = item.get("name") if isinstance(item.get("name"), str) else None
            own = item.get("use_global_settings") is False
            filtering = not (own and item.get("filtering_enabled") is False)
            found.extend(
                AdGuardClient(mac, ips, cids, name, "persistent", filtering)
                for mac in (macs or [None])
            )
        if dhcp is not None and dhcp.get("enabled") is True:
            for lease in [*(dhcp.get("leases") or []), *(dhcp.get("static_leases") or [])]:
                if isinstance(lease, dict) and (mac := _mac(str(lease.get("mac", "")))):
                    ip = _ip(lease.get("ip"))
                    host = lease.get("hostname")
                    found.append(
                        AdGuardClient(
                            mac,
                            (ip,) if ip else (),
                            (),
                            host if isinstance(host, str) else None,
                            "dhcp",
                        )
                    )
        known_ips = {ip for c in found if c.mac for ip in c.ips}
        for auto in clients_reply.get("auto_clients") or []:
            if isinstance(auto, dict) and (ip := _ip(auto.get("ip"))) and ip not in known_ips:
                name = auto.get("name")
                source = auto.get("source")
                found.append(
                    AdGuardClient(
                        None,
                        (ip,),
                        (),
                        name if isinstance(name, str) and name else None,
                        f"runtime:{source if isinstance(source, str) else 'unknown'}",
                    )
                )
        return found

    async def async_list_clients(self) -> list[RouterClient]:
        """One RouterClient per MAC AdGuard Home knows (IP-only clients have no MAC)."""
        merged: dict[str, tuple[set[str], str | None]] = {}
        named: list[NamedAddress] = []
        for client in await self.async_list_all_clients():
            if client.mac is None:
                if client.name:
                    named.extend(NamedAddress(ip, client.name, client.source) for ip in client.ips)
                continue
            ips, name = merged.get(client.mac, (set(), None))
            ips.update(client.ips)
            merged[client.mac] = (ips, name or client.name)
        self.named_addresses = tuple(named[:MAX_NAMED])
        return [
            RouterClient(mac=mac, ips=tuple(sorted(ips)), hostname=name)
            for mac, (ips, name) in sorted(merged.items())
        ]

    # Query log ---------------------------------------------------------------

    async def _querylog_page(self, older_than: str | None, offset: int, limit: int) -> list[object]:
        params = {"limit": str(limit)}
        if older_than is not None:
            params["older_than"] = older_than
        if offset:
            params["offset"] = str(offset)
        reply = await self._get("querylog", params)
        data = reply.get("data")
        if data is None:
            return []
        if not isinstance(data, list):
            raise BackendResponseError("/control/querylog sent data that is not a list")
        return data

    async def async_poll_queries(
        self, cursor: Mapping[str, object] | None
    ) -> tuple[list[QueryEntry], QueryCursor]:
        """Return the queries logged since ``cursor`` (oldest first) and the next cursor.

        The cursor is JSON-able: store it to resume after a restart without
        duplicates or gaps. Pages are bounded per call; a backlog bigger than
        that is remembered in the cursor and fetched by the next calls.
        """
        return await self._poller.poll(cursor)

    async def async_poll_dns(self, cursor: dict[str, object] | None) -> DnsBatch:
        """Return the queries logged after ``cursor`` as ``DnsQuery`` (see ``PolledDnsSource``).

        AdGuard Home's query log names no MAC address, so ``client_mac`` stays None.
        """
        entries, state = await self._poller.poll(cursor)
        queries = tuple(
            DnsQuery(
                when=e.time,
                client_ip=e.client_ip,
                name=e.domain,
                qtype=e.qtype,
                client_name=e.client_name,
            )
            for e in entries
        )
        return DnsBatch(queries=queries, cursor=state, more=bool(state.get("gaps")))

    # Blocking ----------------------------------------------------------------

    async def _identities(
        self, policies: Sequence[DevicePolicy]
    ) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
        """Each policy's rule identities (its IPs, and what AdGuard knows for its MAC).

        Also returns the MACs of policies whose persistent client turns filtering off.
        """
        clients = await self.async_list_all_clients()
        known: dict[str, set[str]] = {}
        for client in clients:
            if client.mac is not None:
                known.setdefault(client.mac, set()).update(client.ips, client.client_ids)
        unfiltered = {
            i for c in clients if not c.filtering for i in (c.mac, *c.ips, *c.client_ids) if i
        }
        result: dict[str, frozenset[str]] = {}
        off: set[str] = set()
        for policy in policies:
            mac = _mac(policy.mac) or policy.mac
            ids = {c for ip in policy.ips if (c := client_identity(ip))}
            ids.update(known.get(mac, ()))
            result[policy.mac] = frozenset(ids)
            if mac in unfiltered or ids & unfiltered:
                off.add(policy.mac)
        return result, frozenset(off)

    async def _user_rules(self) -> list[str]:
        return _strings((await self._get("filtering/status")).get("user_rules"))

    async def _access(self) -> _Json:
        reply = await self._get("access/list")
        return {
            "allowed_clients": _strings(reply.get("allowed_clients")),
            "disallowed_clients": _strings(reply.get("disallowed_clients")),
            "blocked_hosts": _strings(reply.get("blocked_hosts")),
        }

    async def _off_loop[*Ts, T](self, size: int, func: Callable[[*Ts], T], *args: *Ts) -> T:
        """Run ``func`` on the loop when small, in an executor above EXECUTOR_LINES."""
        if size < EXECUTOR_LINES:
            return func(*args)
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)

    async def _names(self, trackers: TrackerSet) -> tuple[str, ...]:
        """Return the valid tracker names, prepared once per tracker set (its digest)."""
        if self._names_cache is None or self._names_cache[0] != trackers.sha256:
            names = await self._off_loop(len(trackers.domains), tracker_names, trackers.domains)
            self._names_cache = (trackers.sha256, names)
        return self._names_cache[1]

    async def _wanted(
        self, policies: Sequence[DevicePolicy], trackers: TrackerSet
    ) -> tuple[Wanted, dict[str, frozenset[str]], frozenset[str]]:
        identities, unfiltered = await self._identities(policies)
        wanted = Wanted(
            names=await self._names(trackers),
            sha256=trackers.sha256,
            tracker_ids=frozenset(
                i for p in policies if p.block_trackers for i in identities[p.mac]
            ),
            internet_ids=frozenset(
                i for p in policies if p.block_internet for i in identities[p.mac]
            ),
        )
        return wanted, identities, unfiltered

    async def _write(
        self, compute: Callable[[list[str], _Json], WritePlan], *, rules_first: bool = True
    ) -> WritePlan | None:
        """Read rules and access list, compute, re-read, write what changed; retry on edits.

        Returns the plan written (None when nothing had to change).
        """
        async with self._write_lock:
            for _ in range(WRITE_ATTEMPTS):
                rules, access = await asyncio.gather(self._user_rules(), self._access())
                plan = await self._off_loop(len(rules), compute, rules, access)
                if plan.rules is None and plan.access is None:
                    return None
                rules_again, access_again = await asyncio.gather(self._user_rules(), self._access())
                if rules_again != rules or access_again != access:
                    _LOGGER.debug("AdGuard Home's rules changed while we prepared ours; retrying")
                    continue
                # Our block records which access-list entries are ours: it is written
                # before entries are added, and removed only after they are gone.
                writes: list[tuple[str, _Json | None]] = [
                    ("filtering/set_rules", None if plan.rules is None else {"rules": plan.rules}),
                    ("access/set", plan.access),
                ]
                for uri, body in writes if rules_first else writes[::-1]:
                    if body is not None:
                        await self._request(uri, "POST", body=body)
                return plan
        raise BackendResponseError(
            "AdGuard Home's rules kept changing while Snoop Guard wrote its block;"
            " nothing was overwritten"
        )

    async def async_apply(self, policies: Sequence[DevicePolicy], trackers: TrackerSet) -> None:
        """Write our tracker block and our access-list entries so they match ``policies``."""
        wanted, _identities, _unfiltered = await self._wanted(policies, trackers)
        cache = self._blocks
        # First record every entry we will own (old and new) in the block, write the
        # access list, then drop the released ones from the block: a crash between the
        # writes never leaves an entry in the access list that nobody owns.
        first = await self._write(functools.partial(plan_write, wanted, cache, final=False))
        if first is None or first.release:
            await self._write(functools.partial(plan_write, wanted, cache, final=True))

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], trackers: TrackerSet
    ) -> EnforcedState:
        """Read rules and access list back: are they as written, and what does the server enforce.

        ``in_sync`` says only that our block and access-list entries are what we would
        write (so no re-apply is needed); ``block_trackers``/``block_internet`` say
        what AdGuard Home really enforces, and ``limits`` why it enforces less.
        """
        (wanted, identities, unfiltered), filtering, status, access = await asyncio.gather(
            self._wanted(policies, trackers),
            self._get("filtering/status"),
            self._get("status"),
            self._access(),
        )
        rules = _strings(filtering.get("user_rules"))
        seen = await self._off_loop(len(rules), inspect, wanted, self._blocks, rules, access)
        block = seen.block
        limits: list[str] = []
        if status.get("protection_enabled") is not True:
            limits.append("protection_disabled")
        if filtering.get("enabled") is False:
            limits.append("filtering_disabled")
        # With an allowlist AdGuard Home ignores disallowed_clients.
        allowlist = bool(access["allowed_clients"])
        if allowlist and wanted.internet_ids:
            limits.append("allowlist_mode")
        if any(p.block_trackers and p.mac in unfiltered for p in policies):
            limits.append("client_filtering_off")
        names = frozenset(wanted.names)
        overridden: bool = bool(wanted.tracker_ids) and await self._off_loop(
            len(rules), user_overrides, rules, names
        )
        if overridden:
            limits.append("user_rule_override")
        rules_apply = not {"protection_disabled", "filtering_disabled"} & set(limits)
        current = block.intact and block.trackers_digest == trackers.sha256
        disallowed = access["disallowed_clients"]
        on_trackers = frozenset(
            p.mac
            for p in policies
            if (ids := identities[p.mac])
            and rules_apply
            and p.mac not in unfiltered
            and block.intact
            and block.domains
            and names <= block.domains
            and ids <= block.clients
        )
        on_internet = frozenset(
            p.mac
            for p in policies
            if (ids := identities[p.mac])
            and not allowlist
            and all(_covered(i, disallowed) for i in ids)
        )
        return EnforcedState(
            table_present=block.present,
            rules_intact=block.intact,
            in_sync=seen.written,
            block_trackers=on_trackers,
            block_internet=on_internet,
            tracker_addresses=len(block.domains),
            dns_snippet_current=current,
            limits=tuple(limits),
        )

    async def async_remove_all(self) -> None:
        """Remove our block and our access-list entries; the user's stay as they are."""
        await self._write(plan_removal, rules_first=False)


__all__ = ["AdGuardBackend", "AdGuardClient", "QueryCursor", "QueryEntry"]
