"""Every command line the SSH backend sends is a constant plus shlex-quoted settings.

The backend is driven through a whole life (connect, check paths, list clients,
apply, read back, follow the log, remove) against a scripted router shell, once
with ordinary device data and once with hostile device data. Device data (host
names, DNS names, what leases and the neighbour table say) must not change a
single command line; it may only reach the router as validated set elements in
the nft JSON on stdin and as checked domains in the snippet. Settings the
administrator typed (paths) only ever appear shlex-quoted.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from custom_components.snoop_guard.backends.base import DevicePolicy
from custom_components.snoop_guard.backends.dnsmasq import SNIPPET_NAME
from custom_components.snoop_guard.backends.linux_ssh import (
    EVIDENCE_PROBE,
    LinuxSshBackend,
    LogSource,
    SshSettings,
)
from custom_components.snoop_guard.backends.trackerset import prepare_trackers
from tests.engine.hostile import HOSTILE
from tests.fakes import FakeNft, NftError


@dataclass
class Completed:
    stdout: str = ""
    stderr: str = ""
    exit_status: int = 0


@dataclass(frozen=True)
class Devices:
    """What the LAN controls: names in leases, the neighbour table, DNS names."""

    hostnames: tuple[str, ...]
    domains: tuple[str, ...]
    neighbours: tuple[dict[str, object], ...] = ()


ORDINARY = Devices(
    hostnames=("Skyworth-TV", "Sonos-Kitchen", "phone"),
    domains=("gz-data.com", "samba.tv"),
)
# Lease files never contain whitespace inside a field, so hostile names there have none.
HOSTILE_NAMES = tuple(
    h for h in HOSTILE if h and not any(c.isspace() for c in h) and "\x00" not in h
)
HOSTILE_DEVICES = Devices(
    hostnames=(HOSTILE_NAMES[0], HOSTILE_NAMES[1], HOSTILE_NAMES[2]),
    domains=(*HOSTILE, "gz-data.com", "evil.com/4#inet#fw4#input", "x.com\nserver=/#/6.6.6.6"),
    neighbours=(
        {"dst": "$(reboot)", "dev": "br0", "lladdr": "14:11:5d:00:00:09", "state": ["REACHABLE"]},
        {"dst": "198.18.5.99", "dev": "br0;reboot", "lladdr": "';x'", "state": ["REACHABLE"]},
    ),
)
MACS = ("14:11:5d:00:00:01", "00:0e:58:00:00:02", "da:a1:19:00:00:04")
IPS = ("198.18.5.10", "198.18.5.11", "198.18.5.12")
ALLOWED = ("time.samsungcloudsolution.com", "connectivitycheck.gstatic.com")


def settings_for(source: LogSource, base: str) -> SshSettings:
    return SshSettings(
        host="198.18.5.1",
        username="root",
        host_key="unused",
        log_source=source,
        log_path=f"{base}/dnsmasq.log",
        leases_path=f"{base}/dnsmasq.leases",
        dnsmasq_conf_dir=f"{base}/dnsmasq.d",
        dnsmasq_restart="systemctl restart dnsmasq",
    )


ORDINARY_BASE = "/var/lib/router"
HOSTILE_BASE = '/tmp/it\'s a dir;$(reboot)`id`"x" &&'  # a path on the router


@dataclass
class RouterShell:
    """The router as far as the backend's commands go; unknown commands fail the test."""

    settings: SshSettings
    devices: Devices
    nft: FakeNft = field(default_factory=FakeNft)
    files: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def snippet_path(self) -> str:
        return f"{self.settings.dnsmasq_conf_dir}/{SNIPPET_NAME}"

    def leases(self) -> str:
        return "".join(
            f"1700000000 {mac} {ip} {name} *\n"
            for mac, ip, name in zip(MACS, IPS, self.devices.hostnames, strict=True)
        )

    def neighbours(self) -> str:
        table = [
            {"dst": ip, "dev": "br0", "lladdr": mac, "state": ["REACHABLE"]}
            for mac, ip in zip(MACS, IPS, strict=True)
        ]
        return json.dumps([*table, *self.devices.neighbours])

    async def run(self, command: str, *, stdin: str | None = None, limit: float = 30) -> Completed:
        self.calls.append((command, stdin))
        return self.answer(command, stdin)

    def answer(self, command: str, stdin: str | None) -> Completed:
        snippet = shlex.quote(self.snippet_path)
        if command.startswith("for t in nft dnsmasq ip;"):
            return Completed("system:linux\nhostname:router\nclock:2026-12-01T01:00:00\n")
        if command.startswith("[ -d "):
            return Completed()
        if command.startswith(f"cat {shlex.quote(self.settings.leases_path)}"):
            return Completed(self.leases())
        if command == "ip -j neigh show":
            return Completed(self.neighbours())
        if command.startswith("ip -j route show default"):
            return Completed('[{"dst":"default","gateway":"203.0.113.2","dev":"wan0"}]\n')
        if command == "nft -j -f -":
            try:
                self.nft.apply(json.loads(stdin or ""))
            except NftError as err:
                return Completed(stderr=f"Error: {err}", exit_status=1)
            return Completed()
        if command == EVIDENCE_PROBE:
            table = self.nft.tables.get(("inet", "snoop_guard"))
            present = table is not None and {"seen4", "seen6"} <= table.sets.keys()
            return Completed("present\n" if present else "absent\n")
        if command == "nft -j list table inet snoop_guard":
            listing = self.nft.listing()
            if listing is None:
                return Completed(stderr="Error: No such file or directory", exit_status=1)
            return Completed(json.dumps(listing))
        if "sha256sum" in command and snippet in command:
            if self.snippet_path not in self.files:
                return Completed("MISSING\n")
            text = self.files[self.snippet_path]
            return Completed(f"{hashlib.sha256(text.encode()).hexdigest()}  {self.snippet_path}\n")
        if command.startswith(f"umask 022 && cat > {snippet}.tmp"):
            self.files[self.snippet_path] = stdin or ""
            return Completed()
        if command == f"cat {snippet}":
            return Completed(self.files.get(self.snippet_path, ""))
        if command == f"rm -f {snippet}":
            self.files.pop(self.snippet_path, None)
            return Completed()
        if command == self.settings.dnsmasq_restart:
            return Completed()
        raise AssertionError(f"a command this test does not know: {command!r}")


@dataclass
class _Process:
    lines: Sequence[str]

    @property
    def stdout(self) -> AsyncGenerator[str]:
        async def gen() -> AsyncGenerator[str]:
            for line in self.lines:
                yield line

        return gen()

    def close(self) -> None:
        pass


@dataclass
class _Connection:
    shell: RouterShell

    async def create_process(self, command: str, **_: Any) -> _Process:
        self.shell.calls.append((command, None))
        return _Process(["Dec  1 01:00:00 dnsmasq[1]: 1 198.18.5.10/1 query[A] x from y\n"])


async def drive(settings: SshSettings, devices: Devices) -> RouterShell:
    """One life of the backend; return the shell with every command it received."""
    shell = RouterShell(settings, devices)
    backend = LinuxSshBackend(settings)
    backend._run = shell.run  # type: ignore[assignment,method-assign]

    async def connection() -> _Connection:
        return _Connection(shell)

    backend._connection = connection  # type: ignore[assignment,method-assign]
    await backend.async_connect()
    await backend.async_check_paths()
    clients = await backend.async_list_clients()
    policies = [
        DevicePolicy(c.mac, c.ips, block_trackers=True, block_internet=n % 2 == 1)
        for n, c in enumerate(clients)
    ]
    trackers = prepare_trackers(devices.domains, ALLOWED)
    await backend.async_apply(policies, trackers)
    state = await backend.async_read_state(policies, trackers)
    assert state.in_sync
    assert state.block_trackers == set(MACS)
    # Re-applying over the table (its evidence sets now dynamic) with a bypass block.
    policies[0] = replace(policies[0], block_bypass=True)
    await backend.async_apply(policies, trackers)
    state = await backend.async_read_state(policies, trackers)
    assert state.in_sync
    assert state.block_bypass == {policies[0].mac}
    stream = backend.stream_dns_lines(50)
    assert "query[A]" in await anext(stream)
    await stream.aclose()
    await backend.async_remove_all()
    assert shell.nft.listing() is None
    assert shell.files == {}
    return shell


def _commands(shell: RouterShell) -> list[str]:
    return [command for command, _ in shell.calls]


@pytest.mark.parametrize("source", list(LogSource))
async def test_device_data_never_changes_a_command_line(source: LogSource) -> None:
    settings = settings_for(source, ORDINARY_BASE)
    ordinary = await drive(settings, ORDINARY)
    hostile = await drive(settings, HOSTILE_DEVICES)
    assert _commands(hostile) == _commands(ordinary)
    everything = "\n".join(_commands(hostile))
    for name in (*HOSTILE_DEVICES.hostnames, *HOSTILE_DEVICES.domains):
        if len(name) > 3:
            assert name not in everything


async def test_device_names_never_reach_the_firewall() -> None:
    shell = await drive(settings_for(LogSource.FILE, ORDINARY_BASE), HOSTILE_DEVICES)
    rulesets = [
        json.loads(stdin or "") for command, stdin in shell.calls if command == "nft -j -f -"
    ]
    assert rulesets
    text = json.dumps(rulesets)
    for name in HOSTILE_DEVICES.hostnames:
        assert json.dumps(name)[1:-1] not in text
    for junk in ("$(reboot)", "br0;reboot", "';x'"):
        assert junk not in text


@pytest.mark.parametrize("source", list(LogSource))
async def test_settings_appear_only_shlex_quoted(source: LogSource) -> None:
    """With paths full of shell syntax, the command shapes stay those of plain paths."""
    plain = settings_for(source, ORDINARY_BASE)
    nasty = settings_for(source, HOSTILE_BASE)

    def shape(commands: list[str], settings: SshSettings) -> list[str]:
        values = (
            f"{settings.dnsmasq_conf_dir}/{SNIPPET_NAME}",
            settings.dnsmasq_conf_dir,
            settings.leases_path,
            settings.log_path,
        )
        out = []
        for command in commands:
            if command == settings.dnsmasq_restart:
                continue  # the administrator's own command, run as configured
            shaped = command
            for n, value in enumerate(values):
                shaped = shaped.replace(shlex.quote(value), f"<{n}>")
            out.append(shaped)
        return out

    plain_shape = shape(_commands(await drive(plain, ORDINARY)), plain)
    nasty_shape = shape(_commands(await drive(nasty, ORDINARY)), nasty)
    assert nasty_shape == plain_shape
    assert not any(HOSTILE_BASE in command for command in nasty_shape)
