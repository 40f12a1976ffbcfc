"""Fixtures for Home Assistant harness tests with an in-memory router."""

from __future__ import annotations

import asyncio
import itertools
import pathlib
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from unittest.mock import patch

import asyncssh
import pytest
from aiohttp import web
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.base import RouterClient
from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.const import (
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
    CONF_HOST_KEY,
    CONF_LEASES_PATH,
    CONF_LOG_PATH,
    CONF_LOG_SOURCE,
    CONF_PRIVATE_KEY,
    DOMAIN,
)
from tests.fakes import FakeBackend, FakeRouter

from .emulated import adguard_server, pihole_server, wrong_server  # noqa: F401 - fixtures

TV_MAC = "58:b4:2d:11:22:33"
TV_IP = "198.18.5.150"
SPEAKER_MAC = "00:0e:58:aa:bb:cc"
SPEAKER_IP = "198.18.5.151"
LAPTOP_MAC = "3c:22:fb:01:02:03"
LAPTOP_IP = "198.18.5.152"

_serial = itertools.count(1)

LIST_V1 = "# demo list\nads.example.com\n||tracker.example.net^\n"
LIST_V2 = LIST_V1 + "metrics.example.org\n"


def query_line(client_ip: str, name: str, qtype: str = "A") -> str:
    """A dnsmasq log-queries=extra query line stamped with the current time."""
    stamp = datetime.now().strftime("%b %d %H:%M:%S")
    serial = next(_serial)
    return (
        f"{stamp} dnsmasq[4195]: {serial} {client_ip}/{30000 + serial} "
        f"query[{qtype}] {name} from {client_ip}"
    )


@pytest.fixture(scope="session")
def host_keys() -> tuple[str, str]:
    """Two distinct OpenSSH host public keys."""
    return tuple(  # type: ignore[return-value]
        asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode().strip()
        for _ in range(2)
    )


@pytest.fixture
def client_key() -> str:
    return asyncssh.generate_private_key("ssh-ed25519").export_private_key("openssh").decode()


@pytest.fixture
def hass_config_dir(tmp_path: pathlib.Path) -> str:
    """Give every test its own config folder (our cache and stores are written there)."""
    return str(tmp_path)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/snoop_guard."""


@pytest.fixture(autouse=True)
def no_raw_sockets() -> Generator[None]:
    """Harness tests never open the passive ARP listener (lab tests do, for real)."""
    with patch("custom_components.snoop_guard.scanning.async_detect_interface", return_value=None):
        yield


@pytest.fixture(autouse=True)
def no_default_lists() -> Generator[None]:
    """Harness tests never download the default tracker lists from the internet.

    test_knowledge.py proves they are on for a new entry, against the local server.
    """
    with patch("custom_components.snoop_guard.knowledge.default_urls", return_value=[]):
        yield


@pytest.fixture
def router() -> FakeRouter:
    fake = FakeRouter()
    fake.clients = [
        RouterClient(mac=TV_MAC, ips=(TV_IP,), hostname="Skyworth-TV", interface="br0"),
        RouterClient(mac=SPEAKER_MAC, ips=(SPEAKER_IP,), hostname="Sonos-Kitchen"),
        RouterClient(mac=LAPTOP_MAC, ips=(LAPTOP_IP,), hostname="work-laptop"),
    ]
    return fake


@pytest.fixture
def patch_backend(router: FakeRouter, host_keys: tuple[str, str]) -> Generator[FakeRouter]:
    """Every backend the integration builds talks to the fake router."""
    with (
        patch(
            "custom_components.snoop_guard.config_flow.async_fetch_host_key",
            return_value=host_keys[0],
        ),
        patch(
            "custom_components.snoop_guard.connection.LinuxSshBackend",
            side_effect=lambda settings: FakeBackend(router),
        ),
        patch(
            "custom_components.snoop_guard.config_flow.LinuxSshBackend",
            side_effect=lambda settings: FakeBackend(router),
        ),
    ):
        yield router


@pytest.fixture
def entry_data(host_keys: tuple[str, str], client_key: str) -> dict[str, object]:
    return {
        CONF_HOST: "198.18.5.1",
        CONF_PORT: 22,
        CONF_USERNAME: "root",
        CONF_PRIVATE_KEY: client_key,
        CONF_HOST_KEY: host_keys[0],
        CONF_LOG_SOURCE: "file",
        CONF_LOG_PATH: "/var/log/dnsmasq.log",
        CONF_LEASES_PATH: "/var/lib/misc/dnsmasq.leases",
        CONF_DNSMASQ_CONF_DIR: "/etc/dnsmasq.d",
        CONF_DNSMASQ_RESTART: "systemctl restart dnsmasq",
    }


@pytest.fixture
def mock_entry(hass: HomeAssistant, entry_data: dict[str, object]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="router",
        data=entry_data,
        unique_id=host_key_fingerprint(str(entry_data[CONF_HOST_KEY])),
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_entry(
    hass: HomeAssistant, mock_entry: MockConfigEntry, patch_backend: FakeRouter
) -> MockConfigEntry:
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    return mock_entry


@pytest.fixture
def log_line() -> Callable[[str, str], str]:
    return query_line


@dataclass
class ListServer:
    """What the server answers, and what it was asked."""

    body: str = LIST_V1
    etag: str = '"v1"'
    status: int = 200
    delay: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
async def server(socket_enabled: None) -> AsyncGenerator[ListServer]:
    state = ListServer()

    async def handler(request: web.Request) -> web.StreamResponse:
        state.requests.append(dict(request.headers))
        if state.delay:
            await asyncio.sleep(state.delay)
        if state.status != 200:
            return web.Response(status=state.status)
        if request.headers.get("If-None-Match") == state.etag:
            return web.Response(status=304)
        return web.Response(text=state.body, headers={"ETag": state.etag})

    app = web.Application()
    app.router.add_get("/list.txt", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/list.txt"
    yield state
    await runner.cleanup()
