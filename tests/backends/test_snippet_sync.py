"""The SSH backend keeps the dnsmasq snippet in sync by digest, never by reading it back."""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from unittest.mock import patch

import pytest

from custom_components.snoop_guard.backends import trackerset
from custom_components.snoop_guard.backends.base import DevicePolicy, TrackerSet
from custom_components.snoop_guard.backends.linux_ssh import (
    EVIDENCE_PROBE,
    LinuxSshBackend,
    SshSettings,
)

CONF_DIR = "/etc/dnsmasq d/it's"  # a configured path with a space and a quote
SNIPPET = f"{CONF_DIR}/snoop-guard.conf"
RESTART = "systemctl restart dnsmasq"
POLICIES = [DevicePolicy(mac="58:b4:2d:11:22:33", ips=("198.18.5.150",), block_trackers=True)]


@dataclass
class Completed:
    stdout: str = ""
    stderr: str = ""
    exit_status: int = 0


@dataclass
class FakeShell:
    """The router's shell as far as the snippet is concerned."""

    files: dict[str, str] = field(default_factory=dict)
    has_sha256sum: bool = True
    commands: list[str] = field(default_factory=list)
    received: int = 0
    restarts: int = 0

    async def run(self, command: str, *, stdin: str | None = None, limit: float = 30) -> Completed:
        self.commands.append(command)
        result = self._answer(command, stdin)
        self.received += len(result.stdout.encode()) + len(result.stderr.encode())
        return result

    def _answer(self, command: str, stdin: str | None) -> Completed:
        quoted = shlex.quote(SNIPPET)
        if command.startswith("nft -j -f -"):
            return Completed()
        if command.startswith("nft -j list table"):
            return Completed(stderr="Error: No such file or directory", exit_status=1)
        if command == EVIDENCE_PROBE:
            return Completed("absent\n")
        if command == RESTART:
            self.restarts += 1
            return Completed()
        if command.startswith(f"if [ -f {quoted} ]; then sha256sum {quoted} "):
            if SNIPPET not in self.files:
                return Completed("MISSING\n")
            if not self.has_sha256sum:
                return Completed("NOSUM\n")
            digest = hashlib.sha256(self.files[SNIPPET].encode()).hexdigest()
            return Completed(f"{digest}  {SNIPPET}\n")
        if command == f"umask 022 && cat > {quoted}.tmp && mv -f {quoted}.tmp {quoted}":
            assert stdin is not None
            self.files[SNIPPET] = stdin
            return Completed()
        if command == f"cat {quoted}":
            return Completed(self.files.get(SNIPPET, ""))
        if command == f"rm -f {quoted}":
            self.files.pop(SNIPPET, None)
            return Completed()
        raise AssertionError(f"unexpected command: {command}")

    def uploads(self) -> int:
        return sum(1 for c in self.commands if c.startswith("umask 022 && cat >"))

    def full_reads(self) -> int:
        return sum(1 for c in self.commands if c.startswith("cat "))


@pytest.fixture
def shell() -> FakeShell:
    return FakeShell()


@pytest.fixture
def backend(shell: FakeShell) -> LinuxSshBackend:
    ssh = LinuxSshBackend(
        SshSettings(
            host="198.18.5.1",
            username="root",
            host_key="unused",
            dnsmasq_conf_dir=CONF_DIR,
            dnsmasq_restart=RESTART,
        )
    )
    ssh._run = shell.run  # type: ignore[method-assign]
    return ssh


@dataclass
class BuildCounter:
    calls: int = 0

    def __call__(self, domains: Iterable[str], allowed: Iterable[str] = ()) -> str:
        self.calls += 1
        return real_build(domains, allowed)


real_build = trackerset.build_snippet


def _domains(count: int) -> list[str]:
    return [f"t{n}.tracker{n % 97}.example" for n in range(count)]


async def test_steady_state_reads_a_digest_only(backend: LinuxSshBackend, shell: FakeShell) -> None:
    builds = BuildCounter()
    with patch.object(trackerset, "build_snippet", builds):
        trackers = trackerset.prepare_trackers(_domains(20_000))
        assert builds.calls == 1
        await backend.async_apply(POLICIES, trackers)
        assert shell.uploads() == 1
        assert shell.restarts == 1
        assert shell.files[SNIPPET] == trackers.snippet

        shell.commands.clear()
        shell.received = 0
        for _ in range(5):
            state = await backend.async_read_state(POLICIES, trackers)
            assert state.dns_snippet_current
            await backend.async_apply(POLICIES, trackers)
    assert builds.calls == 1
    assert shell.uploads() == 0
    assert shell.full_reads() == 0
    assert shell.restarts == 1
    # Ten digests plus five "no table" errors: a few bytes each, whatever the list size.
    assert len(trackers.snippet) > 1_000_000
    assert shell.received < 15 * 120


async def test_snippet_changed_on_the_router_is_uploaded_again(
    backend: LinuxSshBackend, shell: FakeShell
) -> None:
    trackers = trackerset.prepare_trackers(_domains(50))
    await backend.async_apply(POLICIES, trackers)
    shell.files[SNIPPET] = shell.files[SNIPPET].replace("t1.", "x1.")
    assert not (await backend.async_read_state(POLICIES, trackers)).dns_snippet_current
    await backend.async_apply(POLICIES, trackers)
    assert shell.uploads() == 2
    assert shell.restarts == 2
    assert shell.files[SNIPPET] == trackers.snippet
    assert (await backend.async_read_state(POLICIES, trackers)).dns_snippet_current


async def test_new_knowledge_is_uploaded_once(backend: LinuxSshBackend, shell: FakeShell) -> None:
    await backend.async_apply(POLICIES, trackerset.prepare_trackers(_domains(50)))
    newer = trackerset.prepare_trackers(_domains(60))
    assert not (await backend.async_read_state(POLICIES, newer)).dns_snippet_current
    await backend.async_apply(POLICIES, newer)
    await backend.async_apply(POLICIES, newer)
    assert shell.uploads() == 2
    assert shell.files[SNIPPET] == newer.snippet


async def test_missing_snippet_is_uploaded(backend: LinuxSshBackend, shell: FakeShell) -> None:
    trackers = trackerset.prepare_trackers(_domains(5))
    assert not (await backend.async_read_state(POLICIES, trackers)).dns_snippet_current
    await backend.async_apply(POLICIES, trackers)
    assert shell.uploads() == 1
    assert (await backend.async_read_state(POLICIES, trackers)).dns_snippet_current


async def test_router_without_sha256sum_is_hashed_here(
    backend: LinuxSshBackend, shell: FakeShell
) -> None:
    shell.has_sha256sum = False
    trackers = trackerset.prepare_trackers(_domains(5))
    await backend.async_apply(POLICIES, trackers)
    assert (await backend.async_read_state(POLICIES, trackers)).dns_snippet_current
    await backend.async_apply(POLICIES, trackers)
    assert shell.uploads() == 1
    # No digest on the router: each check reads the file back and hashes it here.
    assert shell.full_reads() == 2


async def test_remove_all_deletes_the_snippet(backend: LinuxSshBackend, shell: FakeShell) -> None:
    await backend.async_apply(POLICIES, trackerset.prepare_trackers(_domains(5)))
    await backend.async_remove_all()
    assert SNIPPET not in shell.files
    assert shell.restarts == 2


def test_prepared_digest_is_what_sha256sum_prints() -> None:
    trackers = trackerset.prepare_trackers(_domains(3), ["needed.example"])
    assert isinstance(trackers, TrackerSet)
    assert trackers.sha256 == hashlib.sha256(trackers.snippet.encode()).hexdigest()
    assert trackers.domains == tuple(_domains(3))
    assert "/needed.example/" in trackers.snippet
