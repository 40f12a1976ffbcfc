"""Fixtures for end-to-end tests against the network-namespace lab (root only)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from pathlib import Path

import pytest
import pytest_socket
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.const import (
    CONF_DEFAULT_LISTS_OFF,
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
    CONF_HOST_KEY,
    CONF_LEASES_PATH,
    CONF_LOG_PATH,
    CONF_LOG_SOURCE,
    CONF_PRIVATE_KEY,
    DOMAIN,
)
from custom_components.snoop_guard.engine.vendorlists import CATALOGUE
from lab.netlab import Lab, LabInfo


def _lab_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the lab needs root"
    if shutil.which("ip") is None or shutil.which("dnsmasq") is None:
        return "the lab needs iproute2 and dnsmasq (run scripts/setup as root)"
    return None


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Generator[Lab]:
    """One lab for the whole session; every test leaves the router as it found it."""
    if (reason := _lab_unavailable()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"lab tests must run in CI: {reason}")
        pytest.skip(reason)
    with Lab(state_dir=tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture
def lab_info(lab: Lab) -> LabInfo:
    return lab.info


@pytest.fixture
def lab_sockets(lab_info: LabInfo) -> Generator[None]:
    """Allow connections to the lab router (and loopback) only."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1", lab_info.router_ip], allow_unix_socket=True)
    yield
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/snoop_guard."""


def entry_data_for(info: LabInfo) -> dict[str, object]:
    return {
        CONF_HOST: info.router_ip,
        CONF_PORT: info.ssh_port,
        CONF_USERNAME: info.ssh_user,
        CONF_PRIVATE_KEY: info.ssh_key_text,
        CONF_HOST_KEY: info.ssh_host_key,
        CONF_LOG_SOURCE: "file",
        CONF_LOG_PATH: info.dnsmasq_log,
        CONF_LEASES_PATH: info.dhcp_leases,
        CONF_DNSMASQ_CONF_DIR: info.dnsmasq_conf_dir,
        CONF_DNSMASQ_RESTART: info.dnsmasq_restart,
    }


@pytest.fixture
async def lab_entry(
    hass: HomeAssistant, lab: Lab, lab_sockets: None
) -> AsyncGenerator[MockConfigEntry]:
    """A Snoop Guard entry set up against the lab router; removed (router cleaned) after."""
    info = lab.info
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="lab router",
        data=entry_data_for(info),
        unique_id=host_key_fingerprint(info.ssh_host_key),
        # The lab never reaches the internet: no default tracker list is downloaded.
        options={CONF_DEFAULT_LISTS_OFF: [item.id for item in CATALOGUE]},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    if entry.state.recoverable or entry.state.name == "LOADED":
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    router_nft(lab, ["delete", "table", "inet", "snoop_guard"], check=False)


def router_nft(
    lab: Lab, args: list[str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run nft in the router namespace, behind Home Assistant's back."""
    result = lab.run_in("router", ["nft", *args])
    if check:
        assert result.returncode == 0, result.stderr
    return result


async def wait_for(
    predicate: Callable[[], bool | Awaitable[bool]], within: float, step: float = 0.05
) -> float:
    """Wait (real time) until predicate holds; return how long it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        value = predicate()
        if not isinstance(value, bool):
            value = await value
        if value:
            return loop.time() - start
        if loop.time() - start > within:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(step)


def lab_path(*parts: str) -> Path:
    return Path(__file__).resolve().parents[2].joinpath("lab", *parts)
