"""Pi-hole v6 as a backend: its query log, its network table, and group-based blocking.

Pi-hole answers DNS for the LAN, so it sees which device asks for which tracker
name (``/api/queries``, read with a cursor, see ``pihole_queries``) and which
devices exist (``/api/network/devices``: MAC, addresses, names). Blocking uses
Pi-hole's own group management: a device joins the group "Snoop Guard trackers"
(whose regex deny entries match the tracker domains and their subdomains) or
"Snoop Guard internet"
(a deny-all regex), keeping every group it had. What changes and how to read it
back is planned in ``pihole_plan``; this module only moves the rows.

Pi-hole applies changes made through these endpoints by itself; its spec asks
for no gravity run or DNS restart (``/api/action/gravity`` rebuilds the
subscribed lists, which we never touch).

Names from the query log and the network table (host names, DNS names) come
from LAN devices: they are returned as data, and only ever sent back to Pi-hole
URL-quoted as path items of entries we read from it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

import aiohttp

from ..engine.routerdata import normalize_mac
from .base import (
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
from .pihole_api import (
    PiholeApi,
    PiholeApiError,
    PiholeSeatsExceededError,
    PiholeSettings,
    PiholeTwoFactorError,
    quote_item,
)
from .pihole_plan import (
    GROUP_INTERNET,
    GROUP_TRACKERS,
    OUR_COMMENT,
    Plan,
    Snapshot,
    enforced_state,
    plan_changes,
    removal_plan,
    tracker_domains,
)
from .pihole_queries import (
    BACKLOG,
    MAX_ENTRIES,
    PAGE,
    Cursor,
    PiholeQuery,
    poll_queries,
    poll_queries_more,
)

_LOGGER = logging.getLogger(__name__)

# Items per POST or batch delete: one request each, one database transaction on Pi-hole.
BATCH: Final = 1000
# Tracker regex chunks per POST (each up to CHUNK_CHARS): a request body of ~32 KiB.
REGEX_BATCH: Final = 8
MAX_DEVICES: Final = 10000
MAX_ADDRESSES: Final = 32
FULL_READ_SECONDS: Final = 3600.0

type Json = dict[str, Any]
type _Counts = tuple[int, int, int, int]


def _rows(data: object, key: str) -> list[Json]:
    if not isinstance(data, dict) or not isinstance(rows := data.get(key), list):
        raise BackendResponseError(f"Pi-hole's reply has no {key}")
    return [r for r in rows if isinstance(r, dict)]


def _named(device: Json) -> list[NamedAddress]:
    """Return the named addresses of a network-table device Pi-hole has no MAC for."""
    found: list[NamedAddress] = []
    for entry in device.get("ips") or []:
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        try:
            ip = str(ipaddress.ip_address(str(entry.get("ip"))))
        except ValueError:
            continue
        if isinstance(name, str) and name:
            found.append(NamedAddress(ip, name, "network_table"))
    return found


def _already_there(why: object) -> bool:
    return "UNIQUE" in str(why)


# Pi-hole's spec answers an invalid regex with the key ``regex_error`` ("Regex
# validation failed", the regex library's reason as hint); per-item errors of a
# batch carry only a text.
_INVALID_MARKS: Final = ("regex validation failed", "invalid regex", "invalid domain")


def _invalid_text(text: str) -> bool:
    return any(mark in text.lower() for mark in _INVALID_MARKS)


def _invalid_entry(err: PiholeApiError) -> bool:
    """Whether Pi-hole refused an entry as invalid (not a transient or server error)."""
    if err.status >= 500:
        return False
    return err.key == "regex_error" or _invalid_text(str(err))


def _chunks[T](items: Sequence[T], size: int = BATCH) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class PiholeBackend(DnsFilterRoles):
    """One Pi-hole v6, through its REST API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        host: str,
        port: int = 80,
        tls: bool = False,
        verify_ssl: bool = True,
        password: str = "",
        page: int = PAGE,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        """Remember how to reach Pi-hole; ``session`` is Home Assistant's shared one."""
        self.settings = PiholeSettings(
            host=host, port=port, tls=tls, verify_ssl=verify_ssl, password=password
        )
        self.api = PiholeApi(session, self.settings)
        self._page = page
        self.named_addresses: tuple[NamedAddress, ...] = ()
        """Network-table devices without a MAC that have a name, from the last listing."""
        self._max_entries = max_entries
        self._trackers_key: tuple[str, ...] | None = None
        self._trackers: frozenset[str] = frozenset()
        # Names Pi-hole refused as deny entries, per tracker set (its digest): left out
        # of what we want, so a steady state is reached instead of re-posting them.
        self._refused: tuple[str, frozenset[str]] = ("", frozenset())
        self._refused_now: set[str] = set()
        # The deny lists (exact, regex) as last read, and the gravity counts they were
        # read at: a steady read-back reads the counts (``/info/ftl``) instead of the lists.
        self._lists: tuple[_Counts, list[Json], list[Json]] | None = None
        self._lists_read_at = 0.0

    @property
    def manual_removal(self) -> str:
        """Our two groups and the domains and clients they hold."""
        return (
            f"the groups '{GROUP_TRACKERS}' and '{GROUP_INTERNET}' and every domain or client"
            f" whose comment is '{OUR_COMMENT}' in Pi-hole's group management"
        )

    async def async_connect(self) -> RouterInfo:
        """Log in (unless logged in) and check this is a Pi-hole v6 API.

        Raises BackendConnectionError (unreachable), BackendAuthError (password
        refused; PiholeTwoFactorError for a 2FA account), PiholeSeatsExceededError
        (no free API session) or WrongServerError (not a Pi-hole v6 API).
        """
        if not self.api.logged_in:
            await self.api.login()
        data = await self.api.request("GET", "/info/version")
        version = data.get("version") if isinstance(data, dict) else None
        if not isinstance(version, dict):
            raise WrongServerError("no Pi-hole v6 version information")
        core = version.get("core")
        local = core.get("local") if isinstance(core, dict) else None
        _LOGGER.debug("Connected to Pi-hole %s", local.get("version") if local else None)
        host = await self.api.request("GET", "/info/host")
        host = host.get("host") if isinstance(host, dict) else None
        uname = host.get("uname") if isinstance(host, dict) else None
        name = uname.get("nodename") if isinstance(uname, dict) else None
        return RouterInfo(system="pihole", hostname=name if isinstance(name, str) else None)

    async def async_close(self) -> None:
        """Release our API session."""
        await self.api.logout()

    async def async_list_clients(self) -> list[RouterClient]:
        """Return the devices of Pi-hole's network table (MAC, addresses, host name)."""
        data = await self.api.request(
            "GET",
            "/network/devices",
            params={"max_devices": MAX_DEVICES, "max_addresses": MAX_ADDRESSES},
        )
        found: dict[str, tuple[set[str], str | None, str | None]] = {}
        named: list[NamedAddress] = []
        for device in _rows(data, "devices"):
            mac = normalize_mac(str(device.get("hwaddr", "")))
            if mac is None:  # Pi-hole writes "ip-<address>" for clients without a MAC
                named.extend(_named(device))
                continue
            ips, hostname, iface = found.get(mac, (set(), None, None))
            for entry in device.get("ips") or []:
                if not isinstance(entry, dict):
                    continue
                try:
                    ips.add(str(ipaddress.ip_address(str(entry.get("ip")))))
                except ValueError:
                    continue
                name = entry.get("name")
                if hostname is None and isinstance(name, str) and name:
                    hostname = name
            interface = device.get("interface")
            found[mac] = (ips, hostname, interface if isinstance(interface, str) else iface)
        self.named_addresses = tuple(named[:MAX_DEVICES])
        return [
            RouterClient(mac=mac, ips=tuple(sorted(ips)), hostname=name, interface=iface)
            for mac, (ips, name, iface) in sorted(found.items())
        ]

    async def async_poll_queries(
        self, cursor: object, *, backlog: int = BACKLOG, max_entries: int = MAX_ENTRIES
    ) -> tuple[list[PiholeQuery], Cursor]:
        """Return new DNS queries after ``cursor`` (oldest first) and the cursor to store."""

        async def fetch(params: Any) -> Any:
            return await self.api.request("GET", "/queries", params=params)

        return await poll_queries(
            fetch, cursor, page=self._page, max_entries=max_entries, backlog=backlog
        )

    async def async_poll_dns(self, cursor: dict[str, object] | None) -> DnsBatch:
        """Return the queries logged after ``cursor`` as ``DnsQuery`` (see ``PolledDnsSource``).

        Pi-hole's query log names no MAC address, so ``client_mac`` stays None.
        """

        async def fetch(params: Any) -> Any:
            return await self.api.request("GET", "/queries", params=params)

        rows, state, more = await poll_queries_more(
            fetch, cursor, page=self._page, max_entries=self._max_entries
        )
        queries = tuple(
            DnsQuery(
                when=datetime.fromtimestamp(q.time, UTC),
                client_ip=q.client_ip,
                name=q.domain.rstrip(".").lower(),
                qtype=q.type,
                client_name=q.client_name,
            )
            for q in rows
        )
        return DnsBatch(queries=queries, cursor=dict(state), more=more)

    # -- blocking ------------------------------------------------------------

    @property
    def refused_domains(self) -> int:
        """How many tracker names Pi-hole refused as deny entries (left out; logged once)."""
        return len(self._refused[1])

    async def _domains(self, trackers: TrackerSet) -> frozenset[str]:
        if self._trackers_key is not trackers.domains:
            loop = asyncio.get_running_loop()
            self._trackers = await loop.run_in_executor(None, tracker_domains, trackers.domains)
            self._trackers_key = trackers.domains
        digest, refused = self._refused
        if digest == trackers.sha256 and refused:
            return self._trackers - refused
        return self._trackers

    async def _snapshot(self, *, cheap: bool = False) -> Snapshot:
        """Read groups, clients and deny entries.

        ``cheap``: reuse the deny lists read before while Pi-hole's counts of deny
        entries (exact and regex; total, enabled) are unchanged, re-reading them at
        least every ``FULL_READ_SECONDS`` (an edit that keeps the counts shows then).
        """
        groups = await self.api.request("GET", "/groups")
        clients = await self.api.request("GET", "/clients")
        counts = await self._deny_counts() if cheap else None
        fresh = time.monotonic() - self._lists_read_at < FULL_READ_SECONDS
        if counts is not None and self._lists is not None and self._lists[0] == counts and fresh:
            exact, regex = self._lists[1], self._lists[2]
        else:
            exact = _rows(await self.api.request("GET", "/domains/deny/exact"), "domains")
            regex = _rows(await self.api.request("GET", "/domains/deny/regex"), "domains")
            if counts is not None:
                self._lists, self._lists_read_at = (counts, exact, regex), time.monotonic()
        return Snapshot(
            groups=_rows(groups, "groups"),
            clients=_rows(clients, "clients"),
            exact=exact,
            regex=regex,
        )

    async def _deny_counts(self) -> _Counts | None:
        """Pi-hole's counts of deny entries (exact, regex; total, enabled), None if not sent."""
        data = await self.api.request("GET", "/info/ftl")
        try:
            database = data["ftl"]["database"]
            exact, regex = database["domains"]["denied"], database["regex"]["denied"]
            counts = (exact["total"], exact["enabled"], regex["total"], regex["enabled"])
        except (KeyError, TypeError):
            return None
        if all(isinstance(n, int) for n in counts):
            return counts
        return None

    async def _blocking(self) -> bool:
        """Whether Pi-hole blocks at all now (``pihole disable`` switches every block off)."""
        data = await self.api.request("GET", "/dns/blocking")
        return not (isinstance(data, dict) and data.get("blocking") in ("disabled", "failed"))

    async def _ensure_group(self, snap: Snapshot, name: str) -> int:
        group = snap.group(name)
        if group is None:
            body = {"name": name, "comment": OUR_COMMENT, "enabled": True}
            data = await self.api.request("POST", "/groups", body=body)
            group = next((g for g in _rows(data, "groups") if g.get("name") == name), None)
        elif group.get("enabled") is not True:
            body = {"name": name, "comment": group.get("comment"), "enabled": True}
            await self.api.request("PUT", f"/groups/{quote_item(name)}", body=body)
        if group is None or not isinstance(group.get("id"), int):
            raise BackendResponseError(f"Pi-hole did not create the group {name!r}")
        return int(group["id"])

    async def async_apply(self, policies: Sequence[DevicePolicy], trackers: TrackerSet) -> None:
        """Create our groups and deny entries, and put blocked devices in our groups."""
        snap = await self._snapshot()
        tgid = await self._ensure_group(snap, GROUP_TRACKERS)
        igid = await self._ensure_group(snap, GROUP_INTERNET)
        domains = await self._domains(trackers)
        # Comparing a long deny list is CPU work: off the event loop.
        plan = await asyncio.get_running_loop().run_in_executor(
            None, plan_changes, snap, policies, domains, tgid, igid
        )
        if plan.empty:
            return
        self._lists = None  # Our rows change: read them back in full once.
        self._refused_now = set()
        try:
            await self._run(plan, tgid)
        finally:
            if self._refused_now:
                digest, before = self._refused
                known = before if digest == trackers.sha256 else frozenset()
                self._refused = (trackers.sha256, known | self._refused_now)
                _LOGGER.warning(
                    "Pi-hole refused regex deny entries for %d tracker names (not valid"
                    " for it); they are left out of this tracker list",
                    len(self._refused[1]),
                )

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], trackers: TrackerSet
    ) -> EnforcedState:
        """Read groups, client entries and deny entries back, and compare with ``policies``.

        ``in_sync`` says our rows are as we would write them; the block sets say what
        Pi-hole enforces (nothing while its blocking is disabled: ``limits``).
        """
        snap, domains = await self._snapshot(cheap=True), await self._domains(trackers)
        blocking = await self._blocking()
        state = await asyncio.get_running_loop().run_in_executor(
            None, enforced_state, snap, policies, domains
        )
        if blocking:
            return state
        return replace(
            state,
            block_trackers=frozenset(),
            block_internet=frozenset(),
            limits=(*state.limits, "blocking_disabled"),
        )

    async def async_remove_all(self) -> None:
        """Delete our groups, entries and clients; give user clients their groups back."""
        snap = await self._snapshot()
        self._lists = None
        plan = await asyncio.get_running_loop().run_in_executor(None, removal_plan, snap)
        await self._run(plan, None)
        names = [g for g in (GROUP_TRACKERS, GROUP_INTERNET) if snap.group(g) is not None]
        if names:
            await self.api.request(
                "POST", "/groups:batchDelete", body=[{"item": n} for n in names], missing_ok=True
            )

    async def _run(self, plan: Plan, trackers_gid: int | None) -> None:
        """Carry out ``plan``: clients first when removing, last when adding."""
        for key in plan.delete_clients:
            await self.api.request("DELETE", f"/clients/{quote_item(key)}", missing_ok=True)
        for key, (comment, groups) in plan.update_clients.items():
            body = {"comment": comment, "groups": groups}
            await self.api.request("PUT", f"/clients/{quote_item(key)}", body=body)
        await self._delete_domains(plan.delete_exact, "exact")
        await self._delete_domains(plan.delete_regex, "regex")
        tracker_chunks = [k for k in plan.add_regex if k in plan.chunks]
        if trackers_gid is not None:
            for batch in _chunks(tracker_chunks, REGEX_BATCH):
                await self._add_chunks(list(batch), plan.chunks, trackers_gid)
        for name, gid in plan.add_regex.items():
            if name not in plan.chunks:
                await self._add_domains("regex", [name], gid)
        for name, gid in plan.fix_regex.items():
            await self._put_domain("regex", name, gid)
        for key, groups in plan.create_clients.items():
            body = {"client": key, "comment": OUR_COMMENT, "groups": groups}
            await self.api.request("POST", "/clients", body=body)

    async def _add_chunks(
        self, names: list[str], chunks: dict[str, tuple[str, ...]], gid: int
    ) -> None:
        """Add tracker regexes; the domains of one Pi-hole finds invalid are left out later.

        Only an entry Pi-hole says is not a valid regex is refused (until the tracker
        list changes); any other error (a database busy while ``pihole -g`` runs, a
        5xx) raises, so the next reconcile tries again.
        """
        body = {"domain": names, "comment": OUR_COMMENT, "groups": [gid], "enabled": True}
        try:
            data = await self.api.request("POST", "/domains/deny/regex", body=body)
        except PiholeApiError as err:
            if _already_there(err.hint):
                return
            if len(names) > 1 and err.status < 500:  # Every item failed: one by one.
                for name in names:
                    await self._add_chunks([name], chunks, gid)
            elif len(names) == 1 and _invalid_entry(err):
                self._refused_now.update(chunks[names[0]])
            else:
                raise
            return
        processed = data.get("processed") if isinstance(data, dict) else None
        errors = processed.get("errors") if isinstance(processed, dict) else None
        for error in errors if isinstance(errors, list) else []:
            if not isinstance(error, dict):
                continue
            item, why = error.get("item"), error.get("error")
            if isinstance(item, str) and item in names and not _already_there(why):
                if len(names) == 1:
                    if not _invalid_text(str(why)):
                        raise BackendResponseError(f"Pi-hole did not add a deny entry: {why}")
                    self._refused_now.update(chunks[item])
                else:  # Alone, Pi-hole's reply says whether it is invalid or transient.
                    await self._add_chunks([item], chunks, gid)

    async def _add_domains(self, kind: str, names: list[str], gid: int) -> None:
        body = {"domain": names, "comment": OUR_COMMENT, "groups": [gid], "enabled": True}
        try:
            await self.api.request("POST", f"/domains/deny/{kind}", body=body)
        except PiholeApiError as err:
            _LOGGER.warning("Pi-hole refused %d deny entries: %s", len(names), err)

    async def _put_domain(self, kind: str, name: str, gid: int) -> None:
        body = {
            "type": "deny",
            "kind": kind,
            "comment": OUR_COMMENT,
            "groups": [gid],
            "enabled": True,
        }
        await self.api.request("PUT", f"/domains/deny/{kind}/{quote_item(name)}", body=body)

    async def _delete_domains(self, names: Sequence[str], kind: str) -> None:
        for chunk in _chunks(names):
            body = [{"item": n, "type": "deny", "kind": kind} for n in chunk]
            await self.api.request("POST", "/domains:batchDelete", body=body, missing_ok=True)


__all__ = [
    "PiholeBackend",
    "PiholeQuery",
    "PiholeSeatsExceededError",
    "PiholeTwoFactorError",
]
