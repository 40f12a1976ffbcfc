"""Fixtures that run the AdGuard Home and Pi-hole emulators on 127.0.0.1 for HA harness tests.

Registered in tests/components/conftest.py, so any test there can ask for:

- ``adguard_server``: an :class:`AdGuardEmulator` served on loopback (user ``admin``,
  password ``s3cret``); ``.host``/``.port``, ``.emulator`` for its state and
  ``.entry_data()`` for the config entry data the flow would create.
- ``pihole_server``: a :class:`PiholeEmulator` on loopback (password ``correct horse``,
  app password ``app-password``); same attributes.
- ``wrong_server``: an HTTP server that answers every request with an HTML page
  (the "this is not AdGuard Home / Pi-hole" case); ``.host``/``.port``.

``unused_port()`` returns a loopback port nothing listens on (the "unreachable" case).
``serve_adguard()`` / ``serve_pihole()`` serve one more emulator (a second server) with
the same checks, for tests that need two.

At teardown every fixture fails the test on a spec violation in a request or a
reply, and the Pi-hole one also on an API session (seat) left open.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)

from custom_components.snoop_guard.connection import CONF_BACKEND, BackendType
from custom_components.snoop_guard.const import CONF_ROUTER_ID
from tests.emulators.adguard import AdGuardEmulator, serve
from tests.emulators.pihole import PiholeEmulator

HOST = "127.0.0.1"
ADGUARD_USERNAME = "admin"
ADGUARD_PASSWORD = "s3cret"
PIHOLE_PASSWORD = "correct horse"
PIHOLE_APP_PASSWORD = "app-password"


def unused_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (needs ``socket_enabled``)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class AdGuardServer:
    """An AdGuard Home emulator being served."""

    emulator: AdGuardEmulator
    port: int
    host: str = HOST

    def entry_data(self, router_id: str = "agh-test") -> dict[str, Any]:
        """Config entry data for this server, as the config flow creates it."""
        return {
            CONF_BACKEND: BackendType.ADGUARD.value,
            CONF_HOST: self.host,
            CONF_PORT: self.port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_USERNAME: self.emulator.username,
            CONF_PASSWORD: self.emulator.password,
            CONF_ROUTER_ID: router_id,
        }


@dataclass
class PiholeServer:
    """A Pi-hole v6 emulator being served."""

    emulator: PiholeEmulator
    port: int
    host: str = HOST

    def entry_data(self, router_id: str = "pihole-test") -> dict[str, Any]:
        """Config entry data for this server (with its app password)."""
        return {
            CONF_BACKEND: BackendType.PIHOLE.value,
            CONF_HOST: self.host,
            CONF_PORT: self.port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_PASSWORD: PIHOLE_APP_PASSWORD,
            CONF_ROUTER_ID: router_id,
        }


@dataclass
class WrongServer:
    """An HTTP server that is neither AdGuard Home nor Pi-hole."""

    port: int
    host: str = HOST
    requests: int = 0


@asynccontextmanager
async def serve_adguard() -> AsyncIterator[AdGuardServer]:
    """Serve an AdGuard Home emulator; at the end, fail on any spec violation."""
    emulator = AdGuardEmulator(username=ADGUARD_USERNAME, password=ADGUARD_PASSWORD)
    async with serve(emulator.app()) as port:
        yield AdGuardServer(emulator, port)
    assert emulator.violations == []


@asynccontextmanager
async def serve_pihole() -> AsyncIterator[PiholeServer]:
    """Serve a Pi-hole v6 emulator; at the end, fail on a spec violation or a leaked session."""
    emulator = PiholeEmulator(password=PIHOLE_PASSWORD, app_password=PIHOLE_APP_PASSWORD)
    await emulator.start()
    try:
        yield PiholeServer(emulator, emulator.port)
    finally:
        await emulator.close()
    assert emulator.spec_errors == []
    assert emulator.live_sessions() == 0, "an API session (a Pi-hole seat) was left open"


@pytest.fixture
async def adguard_server(socket_enabled: None) -> AsyncGenerator[AdGuardServer]:
    """AdGuard Home on 127.0.0.1; fails the test on any spec violation."""
    async with serve_adguard() as server:
        yield server


@pytest.fixture
async def pihole_server(socket_enabled: None) -> AsyncGenerator[PiholeServer]:
    """Pi-hole v6 on 127.0.0.1; fails the test on a spec violation or a leaked session."""
    async with serve_pihole() as server:
        yield server


@pytest.fixture
async def wrong_server(socket_enabled: None) -> AsyncGenerator[WrongServer]:
    """A web server answering every request with 200 and an HTML login page."""
    state = WrongServer(port=0)

    async def page(request: web.Request) -> web.Response:
        state.requests += 1
        return web.Response(text="<html><body>Router login</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    async with serve(app) as port:
        state.port = port
        yield state
