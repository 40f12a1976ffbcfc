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
import ipaddress
import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
from adguardhome import AdGuardHome
from adguardhome.exceptions import AdGuardHomeConnectionError, AdGuardHomeError

from .adguard_query import QueryCursor, QueryEntry, QueryPoller
from .adguard_rules import (
    BlockState,
    client_identity,
    merge_rules,
    parse_block,
    render_block,
    split_rules,
    tracker_domain,
)
from .base import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    Capability,
    DevicePolicy,
    EnforcedState,
    RouterClient,
    RouterInfo,
    TrackerSet,
)

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT: Final = 10
WRITE_ATTEMPTS: Final = 3
_MAC: Final = re.compile(r"[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}")
# Parsing a block this long moves to an executor (tens of thousands of tracker rules).
_EXECUTOR_LINES: Final = 5000

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


class AdGuardBackend:
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
        self._write_lock = asyncio.Lock()
        self._poller = QueryPoller(self._querylog_page)

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Clients, DNS events and both (DNS-level) kinds of block."""
        return frozenset(Capability)

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
                raise BackendResponseError(f"no AdGuard Home API at /{uri} (HTTP 404)") from err
            raise BackendResponseError(f"AdGuard Home answered HTTP {status} to /{uri}") from err
        if not isinstance(reply, dict):
            raise BackendResponseError(f"AdGuard Home sent no JSON object for /{uri}")
        return reply

    async def _get(self, uri: str, params: Mapping[str, str] | None = None) -> _Json:
        reply = await self._request(uri, params=params)
        if set(reply) == {"message"}:
            # The client wraps a reply that is not JSON (an HTML page) this way.
            raise BackendResponseError(f"/{uri} did not answer JSON: not AdGuard Home?")
        return reply

    async def async_connect(self) -> RouterInfo:
        """Check that this is AdGuard Home and that it takes our credentials."""
        status = await self._get("status")
        version = status.get("version")
        if not isinstance(version, str) or not isinstance(status.get("running"), bool):
            raise BackendResponseError("the server's /control/status is not AdGuard Home's")
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
        for client in await self.async_list_all_clients():
            if client.mac is None:
                continue
            ips, name = merged.get(client.mac, (set(), None))
            ips.update(client.ips)
            merged[client.mac] = (ips, name or client.name)
        return [
            RouterClient(mac=mac, ips=tuple(sorted(ips)), hostname=name)
            for mac, (ips, name) in sorted(merged.items())
        ]

    # Query log ---------------------------------------------------------------

    async def _querylog_page(self, older_than: str | None, limit: int) -> list[object]:
        params = {"limit": str(limit)}
        if older_than is not None:
            params["older_than"] = older_than
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

    async def _block(self, rules: list[str]) -> BlockState:
        ours = split_rules(rules).ours
        if len(ours) < _EXECUTOR_LINES:
            return parse_block(ours)
        return await asyncio.get_running_loop().run_in_executor(None, parse_block, ours)

    async def _write(
        self,
        compute: Callable[[list[str], _Json], tuple[list[str] | None, _Json | None]],
        *,
        rules_first: bool = True,
    ) -> None:
        """Read rules and access list, compute, re-read, write what changed; retry on edits."""
        async with self._write_lock:
            for _ in range(WRITE_ATTEMPTS):
                rules, access = await asyncio.gather(self._user_rules(), self._access())
                new_rules, new_access = compute(rules, access)
                if new_rules == rules:
                    new_rules = None
                if new_access == access:
                    new_access = None
                if new_rules is None and new_access is None:
                    return
                rules_again, access_again = await asyncio.gather(self._user_rules(), self._access())
                if rules_again != rules or access_again != access:
                    _LOGGER.debug("AdGuard Home's rules changed while we prepared ours; retrying")
                    continue
                # Our block records which access-list entries are ours: it is written
                # before entries are added, and removed only after they are gone.
                writes = [
                    ("filtering/set_rules", None if new_rules is None else {"rules": new_rules}),
                    ("access/set", new_access),
                ]
                for uri, body in writes if rules_first else writes[::-1]:
                    if body is not None:
                        await self._request(uri, "POST", body=body)
                return
        raise BackendResponseError(
            "AdGuard Home's rules kept changing while Snoop Guard wrote its block;"
            " nothing was overwritten"
        )

    async def async_apply(self, policies: Sequence[DevicePolicy], trackers: TrackerSet) -> None:
        """Write our tracker block and our access-list entries so they match ``policies``."""
        identities, _unfiltered = await self._identities(policies)
        tracker_ids = {i for p in policies if p.block_trackers for i in identities[p.mac]}
        internet_ids = {i for p in policies if p.block_internet for i in identities[p.mac]}
        release = [False]

        def plan(
            owned_now: Callable[[frozenset[str], set[str]], Collection[str]],
        ) -> Callable[[list[str], _Json], tuple[list[str] | None, _Json | None]]:
            def compute(rules: list[str], access: _Json) -> tuple[list[str] | None, _Json | None]:
                split = split_rules(rules)
                owned_before = parse_block(split.ours).access
                disallowed: list[str] = access["disallowed_clients"]
                users = [e for e in disallowed if e not in owned_before]
                claimed = sorted(internet_ids - set(users))
                kept = owned_before & set(disallowed)
                release[0] = bool(kept - set(claimed))
                owned = owned_now(kept, set(claimed))
                block = render_block(
                    trackers.domains, tracker_ids, trackers_digest=trackers.sha256, access=owned
                )
                new_access = {**access, "disallowed_clients": [*users, *claimed]}
                return merge_rules(split, block), new_access

            return compute

        # First record every entry we will own (old and new) in the block, write the
        # access list, then drop the released ones from the block: a crash between the
        # writes never leaves an entry in the access list that nobody owns.
        await self._write(plan(lambda before, claimed: before | claimed))
        if release[0]:
            await self._write(plan(lambda _before, claimed: claimed))

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], trackers: TrackerSet
    ) -> EnforcedState:
        """Read the server's user rules and access list back, and compare them with ``policies``."""
        (identities, unfiltered), filtering, status, access = await asyncio.gather(
            self._identities(policies),
            self._get("filtering/status"),
            self._get("status"),
            self._access(),
        )
        block = await self._block(_strings(filtering.get("user_rules")))
        # Rules apply only while protection and filtering are on (and not turned off
        # for the device's own persistent client).
        rules_apply = (
            status.get("protection_enabled") is True and filtering.get("enabled") is not False
        )
        wanted_domains = {d for v in trackers.domains if (d := tracker_domain(v))}
        tracker_ids = {i for p in policies if p.block_trackers for i in identities[p.mac]}
        rules_current = block.domains == wanted_domains if block.clients else True
        current = block.intact and block.trackers_digest == trackers.sha256 and rules_current
        disallowed = access["disallowed_clients"]
        # With an allowlist AdGuard Home ignores disallowed_clients.
        allowlist = bool(access["allowed_clients"])
        on_trackers = frozenset(
            p.mac
            for p in policies
            if (ids := identities[p.mac])
            and rules_apply
            and p.mac not in unfiltered
            and block.intact
            and block.domains
            and wanted_domains <= block.domains
            and ids <= block.clients
        )
        on_internet = frozenset(
            p.mac
            for p in policies
            if (ids := identities[p.mac])
            and not allowlist
            and all(_covered(i, disallowed) for i in ids)
        )
        want_trackers = frozenset(p.mac for p in policies if p.block_trackers and identities[p.mac])
        want_internet = frozenset(p.mac for p in policies if p.block_internet and identities[p.mac])
        internet_ids = {i for p in policies if p.block_internet for i in identities[p.mac]}
        stale = {e for e in block.access if e in disallowed} - internet_ids
        in_sync = (
            block.present
            and current
            and block.clients == frozenset(tracker_ids if wanted_domains else ())
            and on_trackers == want_trackers
            and on_internet == want_internet
            and not stale
        )
        return EnforcedState(
            table_present=block.present,
            rules_intact=block.intact,
            in_sync=in_sync,
            block_trackers=on_trackers,
            block_internet=on_internet,
            tracker_addresses=len(block.domains),
            dns_snippet_current=current,
        )

    async def async_remove_all(self) -> None:
        """Remove our block and our access-list entries; the user's stay as they are."""

        def compute(rules: list[str], access: _Json) -> tuple[list[str] | None, _Json | None]:
            split = split_rules(rules)
            owned = parse_block(split.ours).access
            disallowed = [e for e in access["disallowed_clients"] if e not in owned]
            return merge_rules(split, None), {**access, "disallowed_clients": disallowed}

        await self._write(compute, rules_first=False)


__all__ = ["AdGuardBackend", "AdGuardClient", "QueryCursor", "QueryEntry"]
