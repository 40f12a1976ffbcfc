"""Fixtures for tests against the Pi-hole emulator on loopback.

Import the ``fixture_*`` functions into a test module; tests ask for them by their names.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable

import aiohttp
import pytest

from custom_components.snoop_guard.backends.pihole import PiholeBackend

from .pihole import PiholeEmulator

PASSWORD = "correct horse"


@pytest.fixture(name="pihole")
async def fixture_pihole(socket_enabled: None) -> AsyncGenerator[PiholeEmulator]:
    """A Pi-hole on 127.0.0.1; a test fails on a spec violation or a leaked session."""
    emulator = PiholeEmulator(password=PASSWORD)
    await emulator.start()
    yield emulator
    await emulator.close()
    assert emulator.spec_errors == []
    assert emulator.live_sessions() == 0, "a session was left open"


@pytest.fixture(name="http")
async def fixture_http(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """The aiohttp session Home Assistant would inject."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(name="make_backend")
def fixture_make_backend(
    pihole: PiholeEmulator, http: aiohttp.ClientSession
) -> Callable[..., PiholeBackend]:
    """Build backends for the emulator (password and options overridable)."""

    def make(password: str = PASSWORD, **options: int) -> PiholeBackend:
        return PiholeBackend(http, host="127.0.0.1", port=pihole.port, password=password, **options)

    return make


@pytest.fixture(name="backend")
async def fixture_backend(
    make_backend: Callable[..., PiholeBackend],
) -> AsyncGenerator[PiholeBackend]:
    """A connected backend, closed after the test."""
    backend = make_backend()
    await backend.async_connect()
    yield backend
    await backend.async_close()
