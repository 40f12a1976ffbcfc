"""Pi-hole v6 as a backend: its query log, its network table, and group-based blocking.

Pi-hole answers DNS for the LAN, so it sees which device asks for which tracker
name (``/api/queries``, read with a cursor, see ``pihole_queries``) and which
devices exist (``/api/network/devices``: MAC, addresses, names). Blocking uses
Pi-hole's own group management: a device joins the group "Snoop Guard trackers"
(whose exact deny domains are the tracker domains) or "Snoop Guard internet"
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
from collections.abc import Sequence
from typing import Any, Final

import aiohttp

from ..engine.routerdata import normalize_mac
from .base import (
    BackendResponseError,
    Capability,
    DevicePolicy,
    EnforcedState,
    RouterClient,
    RouterInfo,
    TrackerSet,
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
from .pihole_queries import BACKLOG, MAX_ENTRIES, PAGE, Cursor, PiholeQuery, poll_queries

_LOGGER = logging.getLogger(__name__)

# Items per POST or batch delete: one request each, one database transaction on Pi-hole.
BATCH: Final = 1000
MAX_DEVICES: Final = 10000
MAX_ADDRESSES: Final = 32

type Json = dict[str, Any]


def _rows(data: object, key: str) -> list[Json]:
    if not isinstance(data, dict) or not isinstance(rows := data.get(key), list):
        raise BackendResponseError(f"Pi-hole's reply has no {key}")
    return [r for r in rows if isinstance(r, dict)]


def _chunks[T](items: Sequence[T], size: int = BATCH) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class PiholeBackend:
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
    ) -> None:
        """Remember how to reach Pi-hole; ``session`` is Home Assistant's shared one."""
        self.settings = PiholeSettings(
            host=host, port=port, tls=tls, verify_ssl=verify_ssl, password=password
        )
        self.api = PiholeApi(session, self.settings)
        self._page = page
        self._trackers_key: tuple[str, ...] | None = None
        self._trackers: frozenset[str] = frozenset()

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Pi-hole lists clients, logs DNS queries, and blocks per client group."""
        return frozenset(Capability)

    async def async_connect(self) -> RouterInfo:
        """Log in (unless logged in) and check this is a Pi-hole v6 API."""
        if not self.api.logged_in:
            await self.api.login()
        data = await self.api.request("GET", "/info/version")
        version = data.get("version") if isinstance(data, dict) else None
        if not isinstance(version, dict):
            raise BackendResponseError("no Pi-hole v6 version information")
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
        for device in _rows(data, "devices"):
            mac = normalize_mac(str(device.get("hwaddr", "")))
            if mac is None:  # Pi-hole writes "ip-<address>" for clients without a MAC
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

    # -- blocking ------------------------------------------------------------

    async def _domains(self, trackers: TrackerSet) -> frozenset[str]:
        if self._trackers_key is not trackers.domains:
            loop = asyncio.get_running_loop()
            self._trackers = await loop.run_in_executor(None, tracker_domains, trackers.domains)
            self._trackers_key = trackers.domains
        return self._trackers

    async def _snapshot(self) -> Snapshot:
        groups = await self.api.request("GET", "/groups")
        clients = await self.api.request("GET", "/clients")
        exact = await self.api.request("GET", "/domains/deny/exact")
        regex = await self.api.request("GET", "/domains/deny/regex")
        return Snapshot(
            groups=_rows(groups, "groups"),
            clients=_rows(clients, "clients"),
            exact=_rows(exact, "domains"),
            regex=_rows(regex, "domains"),
        )

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
        await self._run(plan, tgid)

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], trackers: TrackerSet
    ) -> EnforcedState:
        """Read groups, client entries and deny entries back, and compare with ``policies``."""
        snap, domains = await self._snapshot(), await self._domains(trackers)
        return await asyncio.get_running_loop().run_in_executor(
            None, enforced_state, snap, policies, domains
        )

    async def async_remove_all(self) -> None:
        """Delete our groups, entries and clients; give user clients their groups back."""
        snap = await self._snapshot()
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
        if trackers_gid is not None:
            for chunk in _chunks(plan.add_exact):
                await self._add_domains("exact", list(chunk), trackers_gid)
            for name in plan.fix_exact:
                await self._put_domain("exact", name, trackers_gid)
        for name, gid in plan.add_regex.items():
            await self._add_domains("regex", [name], gid)
        for name, gid in plan.fix_regex.items():
            await self._put_domain("regex", name, gid)
        for key, groups in plan.create_clients.items():
            body = {"client": key, "comment": OUR_COMMENT, "groups": groups}
            await self.api.request("POST", "/clients", body=body)

    async def _add_domains(self, kind: str, names: list[str], gid: int) -> None:
        body = {"domain": names, "comment": OUR_COMMENT, "groups": [gid], "enabled": True}
        try:
            data = await self.api.request("POST", f"/domains/deny/{kind}", body=body)
        except PiholeApiError as err:
            # Every item refused (typically: added meanwhile); the next read-back shows it.
            _LOGGER.warning("Pi-hole refused %d deny entries: %s", len(names), err)
            return
        processed = data.get("processed") if isinstance(data, dict) else None
        errors = processed.get("errors") if isinstance(processed, dict) else None
        if errors:
            _LOGGER.warning("Pi-hole refused %d of %d deny entries", len(errors), len(names))

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
