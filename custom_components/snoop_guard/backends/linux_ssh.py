"""Linux or OpenWrt router reached over SSH: dnsmasq for DNS/DHCP, nftables for blocking.

Every command line sent to the router is built from constants plus
``shlex.quote`` of values the administrator configured (paths, the dnsmasq
restart command). Anything a LAN device controls (host names, DNS names) is
never part of a command line: the ruleset travels as JSON on stdin and only
contains addresses we validated.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import posixpath
import re
import shlex
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

import asyncssh

from ..engine.routerdata import parse_dnsmasq_leases, parse_ip_neigh_json
from .base import (
    BackendAuthError,
    BackendConnectionError,
    BackendError,
    BackendResponseError,
    Capability,
    DevicePolicy,
    DnsSource,
    EnforcedState,
    Enforcement,
    HostKeyMismatchError,
    MissingToolError,
    RouterClient,
    RouterInfo,
    TrackerSet,
)
from .dnsmasq import SNIPPET_NAME
from .nftables import build_delete, build_ruleset, parse_state, safe_interfaces

_LOGGER = logging.getLogger(__name__)

CONNECT_TIMEOUT: Final = 10.0
COMMAND_TIMEOUT: Final = 30.0
REQUIRED_TOOLS: Final = ("nft", "dnsmasq", "ip")
# Whether our DNS-bypass evidence sets exist (see nftables.build_ruleset). A constant.
EVIDENCE_PROBE: Final = (
    "nft list set inet snoop_guard seen4 >/dev/null 2>&1"
    " && nft list set inet snoop_guard seen6 >/dev/null 2>&1 && echo present || echo absent"
)
_SHA256_LINE: Final = re.compile(r"([0-9a-f]{64})(?:\s|$)")


class LogSource(StrEnum):
    """Where dnsmasq's query log is read from."""

    FILE = "file"
    LOGREAD = "logread"


@dataclass(frozen=True, slots=True, kw_only=True)
class SshSettings:
    """How to reach and drive the router."""

    host: str
    port: int = 22
    username: str
    password: str | None = None
    private_key: str | None = None
    host_key: str | None = None
    log_source: LogSource = LogSource.FILE
    log_path: str = "/var/log/dnsmasq.log"
    leases_path: str = "/var/lib/misc/dnsmasq.leases"
    dnsmasq_conf_dir: str = "/etc/dnsmasq.d"
    dnsmasq_restart: str = "systemctl restart dnsmasq"


@dataclass(frozen=True, slots=True)
class SystemDefaults:
    """Paths and commands that fit the router's distribution."""

    log_source: LogSource
    log_path: str
    leases_path: str
    dnsmasq_conf_dir: str
    dnsmasq_restart: str


# Paths on the router (OpenWrt keeps them in its tmpfs), not on this host.
OPENWRT_DEFAULTS: Final = SystemDefaults(
    LogSource.LOGREAD,
    "",
    "/tmp/dhcp.leases",  # noqa: S108
    "/tmp/dnsmasq.d",  # noqa: S108
    "/etc/init.d/dnsmasq restart",
)
LINUX_DEFAULTS: Final = SystemDefaults(
    LogSource.FILE,
    "/var/log/dnsmasq.log",
    "/var/lib/misc/dnsmasq.leases",
    "/etc/dnsmasq.d",
    "systemctl restart dnsmasq",
)

_PROBE: Final = (
    'for t in nft dnsmasq ip; do command -v "$t" >/dev/null 2>&1 || echo "missing:$t"; done; '
    # OpenWrt's default dnsmasq is built without nftset: blocking needs dnsmasq-full.
    "command -v dnsmasq >/dev/null 2>&1 && { dnsmasq --version 2>/dev/null"
    " | grep -Eq '(^|[ :])nftset( |$)' || echo missing:dnsmasq-nftset; }; "
    "if [ -f /etc/openwrt_release ]; then echo system:openwrt; else echo system:linux; fi; "
    'echo "hostname:$(cat /proc/sys/kernel/hostname 2>/dev/null)"; '
    "echo \"clock:$(date '+%Y-%m-%dT%H:%M:%S')\""
)


def default_route_interfaces(text: str) -> list[str]:
    """Return the interfaces of default routes in ``ip -j route`` output (one JSON list a line)."""
    found: list[str] = []
    for line in text.splitlines():
        try:
            routes = json.loads(line)
        except ValueError:
            continue
        if isinstance(routes, list):
            found.extend(
                str(r["dev"])
                for r in routes
                if isinstance(r, dict) and isinstance(r.get("dev"), str)
            )
    return safe_interfaces(found)


def parse_host_key(text: str) -> asyncssh.SSHKey:
    """Parse a pinned OpenSSH public key line; raise BackendError when it is not one."""
    try:
        return asyncssh.import_public_key(text.strip())
    except (asyncssh.KeyImportError, ValueError) as err:
        raise BackendError("the pinned host key is not an OpenSSH public key") from err


def host_key_fingerprint(text: str) -> str:
    """Return the SHA256 fingerprint of an OpenSSH public key line."""
    return parse_host_key(text).get_fingerprint("sha256")


async def async_fetch_host_key(host: str, port: int) -> str:
    """Return the router's host key (OpenSSH format) without authenticating."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            key = await asyncssh.get_server_host_key(host, port, config=None)
    except (OSError, TimeoutError, asyncssh.Error) as err:
        raise BackendConnectionError(f"cannot reach {host}:{port}") from err
    if key is None:
        raise BackendConnectionError("the router offered no host key")
    return key.export_public_key("openssh").decode().strip()


class LinuxSshBackend:
    """A Linux/OpenWrt router with dnsmasq and nftables, driven over SSH."""

    def __init__(self, settings: SshSettings) -> None:
        """Store the settings; nothing connects until async_connect."""
        self.settings = settings
        self._conn: asyncssh.SSHClientConnection | None = None
        self._lock = asyncio.Lock()
        # Interfaces the router's clients were seen on; kept for the backend's lifetime
        # so one sparse neighbour table does not flap the ruleset.
        self._lan_interfaces: set[str] = set()
        # DoH resolver addresses learnt from answers for DoH bootstrap names (set by the
        # caller): rejected for bypass-blocked devices and recorded as DoH, like the bundled ones.
        self.doh_addresses: set[str] = set()

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Everything: clients, DNS events and both kinds of block."""
        return frozenset(Capability)

    @property
    def enforcement(self) -> Enforcement:
        """Blocks are nftables rules on the router: packets are dropped."""
        return Enforcement.FIREWALL

    @property
    def dns_source(self) -> DnsSource:
        """Dnsmasq's log is followed line by line."""
        return DnsSource.LOG_LINES

    @property
    def manual_removal(self) -> str:
        """Our nftables table and dnsmasq snippet."""
        return f"the nftables table 'inet snoop_guard' and {self.snippet_path}"

    @property
    def snippet_path(self) -> str:
        """Where our dnsmasq snippet lives on the router."""
        return posixpath.join(self.settings.dnsmasq_conf_dir, SNIPPET_NAME)

    def _options(self) -> asyncssh.SSHClientConnectionOptions:
        """Build connection options; runs in an executor (asyncssh may touch files)."""
        settings = self.settings
        keys = [asyncssh.import_private_key(settings.private_key)] if settings.private_key else None
        if settings.host_key is None:
            raise BackendError("no pinned host key")
        return asyncssh.SSHClientConnectionOptions(
            username=settings.username,
            password=settings.password,
            client_keys=keys,
            known_hosts=([parse_host_key(settings.host_key)], [], []),
            agent_path=None,
            config=None,
            connect_timeout=CONNECT_TIMEOUT,
            keepalive_interval=15,
            keepalive_count_max=3,
        )

    async def _connection(self) -> asyncssh.SSHClientConnection:
        async with self._lock:
            if self._conn is not None and not self._conn.is_closed():
                return self._conn
            loop = asyncio.get_running_loop()
            try:
                options = await loop.run_in_executor(None, self._options)
            except (asyncssh.KeyImportError, ValueError) as err:
                raise BackendAuthError("the private key cannot be read") from err
            host, port = self.settings.host, self.settings.port
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT + 5):
                    self._conn = await asyncssh.connect(host, port, options=options)
            except asyncssh.HostKeyNotVerifiable as err:
                presented: str | None = None
                with contextlib.suppress(BackendError):
                    presented = await async_fetch_host_key(host, port)
                raise HostKeyMismatchError(presented) from err
            except asyncssh.PermissionDenied as err:
                raise BackendAuthError("the router refused the credentials") from err
            except (OSError, TimeoutError, asyncssh.Error) as err:
                raise BackendConnectionError(f"cannot connect to {host}:{port}: {err}") from err
            return self._conn

    async def _run(
        self, command: str, *, stdin: str | None = None, limit: float = COMMAND_TIMEOUT
    ) -> asyncssh.SSHCompletedProcess:
        conn = await self._connection()
        try:
            return await conn.run(
                command, input=stdin, check=False, timeout=limit, errors="replace"
            )
        except asyncssh.TimeoutError as err:
            raise BackendConnectionError(f"the router did not finish in {limit:.0f} s") from err
        except (OSError, asyncssh.Error) as err:
            await self._drop()
            raise BackendConnectionError(f"lost the connection: {err}") from err

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception):
                await conn.wait_closed()

    async def async_connect(self) -> RouterInfo:
        """Connect and check that the router has nft, dnsmasq and ip."""
        result = await self._run(_PROBE)
        lines = str(result.stdout or "").splitlines()
        missing = tuple(
            line.removeprefix("missing:") for line in lines if line.startswith("missing:")
        )
        system = next((line[7:] for line in lines if line.startswith("system:")), "linux")
        hostname = next((line[9:] for line in lines if line.startswith("hostname:")), "") or None
        if missing:
            raise MissingToolError(missing)
        clock: datetime | None = None
        with contextlib.suppress(StopIteration, ValueError):
            clock = datetime.fromisoformat(next(x[6:] for x in lines if x.startswith("clock:")))
        return RouterInfo(system=system, hostname=hostname, missing_tools=missing, clock=clock)

    async def async_check_paths(self) -> list[str]:
        """Return which configured paths are unusable: 'log', 'conf_dir'."""
        settings = self.settings
        checks = [f"[ -d {shlex.quote(settings.dnsmasq_conf_dir)} ] || echo conf_dir"]
        if settings.log_source is LogSource.FILE:
            checks.append(f"[ -r {shlex.quote(settings.log_path)} ] || echo log")
        else:
            checks.append("command -v logread >/dev/null 2>&1 || echo log")
        result = await self._run("; ".join(checks) + "; true")
        return [p for p in str(result.stdout or "").split() if p in ("log", "conf_dir")]

    async def async_close(self) -> None:
        """Close the SSH connection (ends any log stream on it)."""
        await self._drop()

    async def async_list_clients(self) -> list[RouterClient]:
        """Merge DHCP leases and the neighbour table into one client per MAC.

        LAN interfaces are those where a leased MAC shows up, never one that
        carries a default route (the upstream gateway is in the neighbour table
        too, and is no client). Without leases, every non-WAN neighbour counts.
        """
        leases_cmd = f"cat {shlex.quote(self.settings.leases_path)} 2>/dev/null; true"
        leases_res, neigh_res, route_res = await asyncio.gather(
            self._run(leases_cmd),
            self._run("ip -j neigh show"),
            self._run("ip -j route show default; ip -j -6 route show default"),
        )
        leases = parse_dnsmasq_leases(str(leases_res.stdout or ""))
        neighbours = [
            n
            for n in parse_ip_neigh_json(str(neigh_res.stdout or ""))
            if not {"FAILED", "INCOMPLETE"} & set(n.state)
        ]
        wan = set(default_route_interfaces(str(route_res.stdout or "")))
        leased = {lease.mac for lease in leases}
        lan = {n.interface for n in neighbours if n.interface and n.mac in leased} - wan
        if not lan:
            lan = {n.interface for n in neighbours if n.interface} - wan
        self._lan_interfaces.update(safe_interfaces(lan))

        by_mac: dict[str, tuple[set[str], str | None, str | None]] = {}
        for lease in leases:
            ips, _, iface = by_mac.get(lease.mac, (set(), None, None))
            ips.add(lease.ip)
            by_mac[lease.mac] = (ips, lease.hostname, iface)
        for neigh in neighbours:
            if neigh.interface not in lan and neigh.mac not in leased:
                continue
            ips, hostname, _ = by_mac.get(neigh.mac, (set(), None, None))
            ips.add(neigh.ip)
            by_mac[neigh.mac] = (ips, hostname, neigh.interface)
        return [
            RouterClient(mac=mac, ips=tuple(sorted(ips)), hostname=hostname, interface=iface)
            for mac, (ips, hostname, iface) in sorted(by_mac.items())
        ]

    async def stream_dns_lines(self, backlog: int) -> AsyncGenerator[str]:
        """Follow dnsmasq's query log: the last ``backlog`` lines, then new ones."""
        backlog = max(0, int(backlog))
        if self.settings.log_source is LogSource.LOGREAD:
            command = f"exec logread -f -l {backlog} -e dnsmasq"
        else:
            command = f"exec tail -n {backlog} -F {shlex.quote(self.settings.log_path)} 2>/dev/null"
        conn = await self._connection()
        try:
            process = await conn.create_process(command, errors="replace")
        except (OSError, asyncssh.Error) as err:
            await self._drop()
            raise BackendConnectionError(f"cannot follow the DNS log: {err}") from err
        try:
            async for line in process.stdout:
                yield str(line).rstrip("\r\n")
        except (OSError, asyncssh.Error) as err:
            raise BackendConnectionError(f"the DNS log stream broke: {err}") from err
        finally:
            process.close()
        raise BackendConnectionError("the DNS log stream ended")

    async def _nft(self, payload: dict[str, object]) -> None:
        result = await self._run("nft -j -f -", stdin=json.dumps(payload))
        if result.exit_status != 0:
            raise BackendResponseError(f"nft refused the ruleset: {str(result.stderr)[:500]}")

    async def _snippet_digest(self) -> str | None:
        """Return the SHA-256 of the router's snippet (None when it has none).

        The router hashes its own copy, so a reconciliation moves one line over
        SSH whatever the size of the tracker lists. A router without
        ``sha256sum`` sends the whole file instead; it is hashed here, in an executor.
        """
        path = shlex.quote(self.snippet_path)
        result = await self._run(
            f"if [ -f {path} ]; then sha256sum {path} 2>/dev/null || echo NOSUM;"
            " else echo MISSING; fi"
        )
        out = str(result.stdout or "").strip()
        if out == "MISSING":
            return None
        if (found := _SHA256_LINE.match(out)) is not None:
            return found.group(1)
        text = str((await self._run(f"cat {path}")).stdout or "")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, _sha256_hex, text)

    async def _restart_dnsmasq(self) -> None:
        result = await self._run(self.settings.dnsmasq_restart, limit=60)
        if result.exit_status != 0:
            raise BackendResponseError(
                f"restarting dnsmasq failed: {str(result.stderr or result.stdout)[:500]}"
            )

    async def async_apply(self, policies: Sequence[DevicePolicy], trackers: TrackerSet) -> None:
        """Install the table (tracker sets first), then the dnsmasq snippet if it differs."""
        probe = await self._run(EVIDENCE_PROBE)
        await self._nft(
            build_ruleset(
                policies,
                self._lan_interfaces,
                self.doh_addresses,
                evidence_sets_exist=str(probe.stdout or "").strip() == "present",
            )
        )
        if await self._snippet_digest() != trackers.sha256:
            path = shlex.quote(self.snippet_path)
            result = await self._run(
                f"umask 022 && cat > {path}.tmp && mv -f {path}.tmp {path}",
                stdin=trackers.snippet,
            )
            if result.exit_status != 0:
                raise BackendResponseError(
                    f"cannot write {self.snippet_path}: {str(result.stderr)[:300]}"
                )
            await self._restart_dnsmasq()

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], trackers: TrackerSet
    ) -> EnforcedState:
        """Read our table back, and the digest of our snippet, from the router."""
        listing, digest = await asyncio.gather(
            self._run("nft -j list table inet snoop_guard"), self._snippet_digest()
        )
        current = digest == trackers.sha256
        if listing.exit_status != 0:
            if "No such file" in str(listing.stderr):
                return EnforcedState(
                    table_present=False,
                    rules_intact=False,
                    in_sync=False,
                    dns_snippet_current=current,
                )
            raise BackendResponseError(f"nft list failed: {str(listing.stderr)[:300]}")
        try:
            data = json.loads(str(listing.stdout))
        except ValueError as err:
            raise BackendResponseError("nft returned something that is not JSON") from err
        return parse_state(
            data,
            policies,
            self._lan_interfaces,
            dns_snippet_current=current,
            doh_addresses=self.doh_addresses,
        )

    async def async_remove_all(self) -> None:
        """Delete our table and snippet; restart dnsmasq if the snippet was there."""
        with contextlib.suppress(BackendResponseError):
            await self._nft(build_delete())
        if await self._snippet_digest() is not None:
            await self._run(f"rm -f {shlex.quote(self.snippet_path)}")
            await self._restart_dnsmasq()


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def defaults_for(system: str) -> SystemDefaults:
    """Return the defaults for a router system name from RouterInfo."""
    return OPENWRT_DEFAULTS if system == "openwrt" else LINUX_DEFAULTS


__all__ = [
    "LINUX_DEFAULTS",
    "OPENWRT_DEFAULTS",
    "LinuxSshBackend",
    "LogSource",
    "SshSettings",
    "async_fetch_host_key",
    "defaults_for",
    "host_key_fingerprint",
]
